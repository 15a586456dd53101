/**
 * The report of a machine: a plain, JSON-able object with everything a user looks at after a run
 * (the physical memory map and who holds each frame, and, as the layers above provide them,
 * processes and their regions, heaps, the TLB, IPC and page-table memory). The terminal renders
 * it with report-text.ts; the browser shows the same object.
 */
import type { Heap } from '../heap/heap.js';
import type { Mmu } from '../mmu/mmu.js';
import type { PageTables } from '../mmu/page-tables.js';
import { FrameState, FrameUse, KERNEL_OWNER } from '../phys/frame-table.js';
import type { PhysicalMemoryManager } from '../phys/physical-memory-manager.js';
import type { PhysicalStats } from '../phys/types.js';
import type { AddressSpace } from '../vm/address-space.js';
import { protectionText, REGION_TYPE_NAMES, RegionFlag } from '../vm/region-types.js';

// Reports print protections as the vm spells them; re-exported for the browser's views.
export { protectionText };

export interface MachineSettingsReport {
  ramBytes: number;
  paging: string;
  tlbEntries: number;
  tlbWays: number;
  allocator: string;
  fill: string;
}

export interface MemoryRangeReport {
  base: number;
  length: number;
  type: string;
  label?: string;
}

/** A run of neighbouring frames in the same state, with the same use and owner. */
export interface FrameRunReport {
  base: number;
  frames: number;
  state: 'free' | 'allocated' | 'reserved';
  /** FrameUse name of allocated frames ('User', 'PageTable', ...). */
  use?: string;
  /** Who holds allocated frames: 'kernel' or a process name. */
  owner?: string;
}

export interface OwnerReport {
  owner: string;
  frames: number;
  byUse: Record<string, number>;
}

export interface PhysicalReport {
  stats: PhysicalStats;
  ranges: MemoryRangeReport[];
  /** The frames in address order as runs; at most MAX_RUNS, the rest summed in `runsLeftOut`. */
  runs: FrameRunReport[];
  runsLeftOut: number;
  byOwner: OwnerReport[];
}

/** One region of an address space, as the seed draws it: base, ceiling, type, mapped pages. */
export interface RegionReport {
  base: number;
  ceiling: number;
  type: 'free' | 'anon' | 'phys';
  /** 'rwx' with '-' for a missing right. */
  protection: string;
  /** 'sealed', 'shared'. */
  flags: string[];
  name: string;
  /** Pages of the region that have a frame. */
  mappedPages: number;
  /** PHYS: the physical address the base maps. */
  physBase?: number;
}

export interface SizeClassReport {
  size: number;
  slabs: number;
  liveBlocks: number;
  capacity: number;
}

export interface HeapReport {
  liveBlocks: number;
  liveBytes: number;
  largeBlocks: number;
  footprint: number;
  peakFootprint: number;
  /** liveBytes / footprint (0 when the heap holds nothing). */
  utilization: number;
  areas: number;
  slabs: number;
  /** Classes that have at least one slab. */
  classes: SizeClassReport[];
}

export interface ProcessReport {
  pid: number;
  name: string;
  residentPages: number;
  pageTableFrames: number;
  regions: RegionReport[];
  /** swapIn: major faults (read from swap); swapCache: minor faults on swapped pages found in RAM. */
  faults: {
    demandZero: number;
    phys: number;
    cowCopy: number;
    cowTakeover: number;
    swapIn: number;
    swapCache: number;
  };
  /** Pages swapped out (their entries hold swap slots); 0 without swap. */
  swappedPages: number;
  heap?: HeapReport;
}

export interface TlbReport {
  entries: number;
  ways: number;
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 before any lookup. */
  hitRate: number;
  flushes: number;
  evictions: number;
  /** Page-table walks (one per miss or untracked translation) and faults the MMU raised. */
  walks: number;
  faults: number;
}

export interface PageTableReport {
  format: string;
  /** Table pages held by every space, roots and the kernel's tables included. */
  tablePages: number;
  bytes: number;
  /** Of them, the kernel's (shared by every root). */
  kernelTablePages: number;
}

export interface IpcReport {
  messagesSent: number;
  messagesReceived: number;
  /** Released unread because their receiver exited. */
  messagesDropped: number;
  /** Waiting in mailboxes now. */
  inFlight: number;
  copies: number;
  moves: number;
  shares: number;
  /** Payload bytes the copies wrote, against pages handed over without a copy. */
  bytesCopied: number;
  pagesMoved: number;
  pagesShared: number;
}

export interface MachineReport {
  machine: MachineSettingsReport;
  physical: PhysicalReport;
  processes: ProcessReport[];
  tlb: TlbReport;
  pageTables: PageTableReport;
  /** Absent for a machine without a post office. */
  ipc?: IpcReport;
}

/** What a report reads of a process. */
export interface ReportableProcess {
  readonly pid: number;
  readonly name: string;
  readonly space: AddressSpace;
  readonly heapIfUsed: Heap | undefined;
}

/** What a report reads of a machine. */
export interface ProcessSource {
  readonly spec: MachineSettingsReport;
  readonly vm: { readonly pmm: PhysicalMemoryManager; readonly pageTables: PageTables; readonly mmu: Mmu };
  readonly processes: readonly ReportableProcess[];
  readonly post?: { readonly stats: Omit<IpcReport, 'inFlight'>; readonly inFlight: number };
  ownerName(owner: number): string;
}

export function buildMachineReport(source: ProcessSource): MachineReport {
  const { pmm, pageTables, mmu } = source.vm;
  const spec = source.spec;
  const tableFrames = tableFramesByOwner(pmm);
  const tlb = mmu.tlb;
  const lookups = tlb.hits + tlb.misses;
  const report: MachineReport = {
    machine: {
      ramBytes: spec.ramBytes,
      paging: spec.paging,
      tlbEntries: spec.tlbEntries,
      tlbWays: spec.tlbWays,
      allocator: spec.allocator,
      fill: spec.fill,
    },
    physical: buildPhysicalReport(pmm, (owner) => source.ownerName(owner)),
    processes: source.processes.map((p) => buildProcessReport(p, tableFrames.get(p.pid) ?? 0)),
    tlb: {
      entries: tlb.entries,
      ways: tlb.ways,
      hits: tlb.hits,
      misses: tlb.misses,
      hitRate: lookups === 0 ? 0 : tlb.hits / lookups,
      flushes: tlb.flushes,
      evictions: tlb.evictions,
      walks: mmu.walks,
      faults: mmu.faults,
    },
    pageTables: {
      format: pageTables.format.name,
      tablePages: pageTables.tablePageCount,
      bytes: pageTables.tablePageCount * 4096,
      kernelTablePages: tableFrames.get(KERNEL_OWNER) ?? 0,
    },
  };
  if (source.post !== undefined) {
    const st = source.post.stats;
    report.ipc = {
      messagesSent: st.messagesSent,
      messagesReceived: st.messagesReceived,
      messagesDropped: st.messagesDropped,
      inFlight: source.post.inFlight,
      copies: st.copies,
      moves: st.moves,
      shares: st.shares,
      bytesCopied: st.bytesCopied,
      pagesMoved: st.pagesMoved,
      pagesShared: st.pagesShared,
    };
  }
  return report;
}

function tableFramesByOwner(pmm: PhysicalMemoryManager): Map<number, number> {
  const { state, use, owner } = pmm.frames;
  const out = new Map<number, number>();
  for (let pfn = 0; pfn < pmm.totalFrames; pfn++) {
    if (state[pfn] === FrameState.Allocated && use[pfn] === FrameUse.PageTable) {
      out.set(owner[pfn], (out.get(owner[pfn]) ?? 0) + 1);
    }
  }
  return out;
}

export function buildProcessReport(process: ReportableProcess, pageTableFrames: number): ProcessReport {
  const space = process.space;
  const infos = space.regions.regions();
  const mapped = new Array<number>(infos.length).fill(0);
  let resident = 0;
  let i = 0;
  for (const page of space.mappings()) {
    while (i < infos.length && infos[i].ceiling <= page.va) i++;
    if (i < infos.length) mapped[i]++;
    resident++;
  }
  const regions = infos.map((r, index): RegionReport => {
    const flags: string[] = [];
    if (r.flags & RegionFlag.Sealed) flags.push('sealed');
    if (r.flags & RegionFlag.Shared) flags.push('shared');
    const region: RegionReport = {
      base: r.base,
      ceiling: r.ceiling,
      type: REGION_TYPE_NAMES[r.type],
      protection: protectionText(r.protection),
      flags,
      name: r.name,
      mappedPages: mapped[index],
    };
    if (REGION_TYPE_NAMES[r.type] === 'phys') region.physBase = r.physBase;
    return region;
  });
  const report: ProcessReport = {
    pid: process.pid,
    name: process.name,
    residentPages: resident,
    pageTableFrames,
    regions,
    faults: { ...space.faults },
    swappedPages: space.swappedPages(),
  };
  if (process.heapIfUsed !== undefined) report.heap = buildHeapReport(process.heapIfUsed);
  return report;
}

export function buildHeapReport(heap: Heap): HeapReport {
  const s = heap.stats();
  return {
    liveBlocks: s.liveBlocks,
    liveBytes: s.liveBytes,
    largeBlocks: s.largeBlocks,
    footprint: s.footprint,
    peakFootprint: s.peakFootprint,
    utilization: s.footprint === 0 ? 0 : s.liveBytes / s.footprint,
    areas: s.areas,
    slabs: s.slabs,
    classes: s.classes
      .filter((c) => c.slabs > 0)
      .map((c) => ({ size: c.size, slabs: c.slabs, liveBlocks: c.liveBlocks, capacity: c.capacity })),
  };
}

/** Longest run list a report carries; a scattered 4 GiB machine could otherwise list a million. */
export const MAX_RUNS = 256;

const USE_NAMES: string[] = [];
for (const [name, value] of Object.entries(FrameUse)) USE_NAMES[value] = name;

/** Names of frame owners: KERNEL_OWNER is the kernel, other ids are processes. */
export type OwnerNames = (owner: number) => string;

export function defaultOwnerName(owner: number): string {
  return owner === KERNEL_OWNER ? 'kernel' : `pid ${owner}`;
}

export function buildPhysicalReport(
  pmm: PhysicalMemoryManager,
  ownerName: OwnerNames = defaultOwnerName,
): PhysicalReport {
  const { state, use, owner } = pmm.frames;
  const runs: FrameRunReport[] = [];
  let runsLeftOut = 0;
  const owners = new Map<number, OwnerReport>();
  let start = 0;
  for (let pfn = 1; pfn <= pmm.totalFrames; pfn++) {
    const ends =
      pfn === pmm.totalFrames ||
      state[pfn] !== state[start] ||
      (state[start] === FrameState.Allocated && (use[pfn] !== use[start] || owner[pfn] !== owner[start]));
    if (!ends) continue;
    const frames = pfn - start;
    if (runs.length < MAX_RUNS)
      runs.push(describeRun(start, frames, state[start], use[start], owner[start], ownerName));
    else runsLeftOut++;
    if (state[start] === FrameState.Allocated) {
      let entry = owners.get(owner[start]);
      if (entry === undefined) {
        entry = { owner: ownerName(owner[start]), frames: 0, byUse: {} };
        owners.set(owner[start], entry);
      }
      const useName = USE_NAMES[use[start]] ?? String(use[start]);
      entry.frames += frames;
      entry.byUse[useName] = (entry.byUse[useName] ?? 0) + frames;
    }
    start = pfn;
  }
  return {
    stats: pmm.stats(),
    ranges: pmm.memoryMap.map((r) => ({
      base: r.base,
      length: r.length,
      type: r.type,
      ...(r.label === undefined ? {} : { label: r.label }),
    })),
    runs,
    runsLeftOut,
    byOwner: [...owners.entries()].sort((a, b) => a[0] - b[0]).map(([, entry]) => entry),
  };
}

function describeRun(
  base: number,
  frames: number,
  state: number,
  use: number,
  owner: number,
  ownerName: OwnerNames,
): FrameRunReport {
  const pa = base * 4096;
  if (state === FrameState.Free) return { base: pa, frames, state: 'free' };
  if (state === FrameState.Reserved) return { base: pa, frames, state: 'reserved' };
  return {
    base: pa,
    frames,
    state: 'allocated',
    use: USE_NAMES[use] ?? String(use),
    owner: ownerName(owner),
  };
}
