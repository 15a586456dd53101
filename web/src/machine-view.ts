/**
 * What the views read from a scenario's machine, in one place: the frame table for the map, the
 * processes and their address spaces, the page tables and the TLB, and the figures the charts
 * plot. Everything is read through pageframe's public API at the moment of drawing.
 */
import {
  type AddressSpace,
  FrameState,
  FrameUse,
  hex,
  type PageTables,
  Protection,
  protectionText,
  REGION_TYPE_NAMES,
  RegionType,
  type ScenarioMachine,
  type ScenarioProcess,
  type Tlb,
} from '../../src/index.js';
import type { Sample } from './charts.js';
import type { FrameMapSource } from './frame-map.js';
import { forEachBuddyBlock } from './free-blocks.js';
import { MAX_FRAMES_LISTED, type RegionLine, type SpaceDrawing } from './regions-view.js';
import { predictAccesses, probeTlb, splitAddress } from './walk-lesson.js';
import type { WalkLesson, WalkResult } from './walk-view.js';

/** The id the views give the kernel's own address space (frames of the kernel have owner 0). */
export const KERNEL_PID = 0;

/** Mappings of one frame the info line names at most. */
const MAX_MAPPINGS_LISTED = 4;

export interface ProcessEntry {
  pid: number;
  name: string;
}

export class MachineView {
  constructor(
    readonly machine: ScenarioMachine,
    /** The name of the process the scenario's statements act on now. */
    private readonly current: () => string | undefined = () => undefined,
  ) {}

  get allocatorKind(): string {
    return this.machine.pmm.allocator.kind;
  }

  frameMapSource(): FrameMapSource {
    const pmm = this.machine.pmm;
    return {
      frames: pmm.frames,
      memoryMap: pmm.memoryMap,
      ...(pmm.allocator.kind === 'buddy'
        ? {
            forEachFreeBlock: (visit: (pfn: number, order: number) => void) =>
              forEachBuddyBlock(pmm.frames, visit),
          }
        : {}),
      ownerName: (owner) => this.machine.ownerName(owner),
      mappingsOf: (pfn) => this.mappingsOf(pfn),
      holdersOfShared: () => this.holdersOfShared(),
    };
  }

  /** The processes that map each frame with more than one reference, in pid order. */
  holdersOfShared(): Map<number, number[]> {
    const holders = new Map<number, number[]>();
    const refCount = this.machine.pmm.frames.refCount;
    const tables = this.machine.vm.pageTables;
    for (const p of this.machine.processes) {
      tables.walkRange(p.space.root, p.space.start, p.space.end, (_va, pa, size) => {
        for (let offset = 0; offset < size; offset += 4096) {
          const pfn = (pa + offset) / 4096;
          if (refCount[pfn] <= 1) continue;
          const list = holders.get(pfn);
          if (!list) holders.set(pfn, [p.pid]);
          else if (list.at(-1) !== p.pid) list.push(p.pid);
        }
      });
    }
    return holders;
  }

  /** The virtual pages that map frame `pfn`, in every process: "at 0x00030000 in shell". */
  mappingsOf(pfn: number): string {
    const found: string[] = [];
    const tables = this.machine.vm.pageTables;
    const target = pfn * 4096;
    for (const p of this.machine.processes) {
      const space = p.space;
      tables.walkRange(space.root, space.start, space.end, (va, pa, size) => {
        if (target >= pa && target < pa + size && found.length < MAX_MAPPINGS_LISTED) {
          found.push(`at ${hex(va + (target - pa))} in ${p.name}`);
        }
      });
    }
    return found.join(', ');
  }

  physical(): { totalFrames: number; usableFrames: number; freeFrames: number } {
    const pmm = this.machine.pmm;
    return { totalFrames: pmm.totalFrames, usableFrames: pmm.usableFrames, freeFrames: pmm.freeFrames };
  }

  processes(): ProcessEntry[] {
    return this.machine.processes.map((p) => ({ pid: p.pid, name: p.name }));
  }

  /** The scenario's current process. */
  currentPid(): number | undefined {
    const name = this.current();
    return name === undefined ? undefined : this.machine.process(name)?.pid;
  }

  private processOf(pid: number): ScenarioProcess | undefined {
    return this.machine.processes.find((p) => p.pid === pid);
  }

  /** The address space of `pid`; KERNEL_PID is the kernel's own (its half, its heap). */
  private spaceOf(pid: number): { name: string; space: AddressSpace } | undefined {
    if (pid === KERNEL_PID) return { name: 'kernel', space: this.machine.kernel.kernelSpace };
    const process = this.processOf(pid);
    return process && { name: process.name, space: process.space };
  }

  /** The seed's drawing of an address space: its regions and the frames mapped in each. */
  space(pid: number): SpaceDrawing | null {
    const found = this.spaceOf(pid);
    if (!found) return null;
    const space = found.space;
    const regions = space.regions.regions();
    const lines: RegionLine[] = regions.map((r) => ({
      base: r.base,
      ceiling: r.ceiling,
      type: REGION_TYPE_NAMES[r.type] ?? String(r.type),
      protection: r.type === RegionType.Free ? '' : protectionText(r.protection),
      name: r.name,
      frames: [],
      mappedPages: 0,
    }));
    // One walk over the present pages, handed to their regions in address order.
    let i = 0;
    this.machine.vm.pageTables.walkRange(space.root, space.start, space.end, (va, pa, size) => {
      for (let page = 0; page < size; page += 4096) {
        const at = va + page;
        while (i < lines.length && lines[i].ceiling <= at) i++;
        const line = lines[i];
        if (!line || at < line.base) continue;
        line.mappedPages++;
        if (line.frames.length <= MAX_FRAMES_LISTED) line.frames.push((pa + page) / 4096);
      }
    });
    return {
      process: found.name,
      start: space.start,
      end: space.end,
      root: space.root,
      tablePages: this.tablePagesOf(pid),
      regions: lines,
    };
  }

  /** Frames holding page tables of `pid` (the frame table records their owner). */
  private tablePagesOf(pid: number): number {
    const { state, use, owner } = this.machine.pmm.frames;
    let n = 0;
    for (let pfn = 0; pfn < state.length; pfn++) {
      if (state[pfn] === FrameState.Allocated && use[pfn] === FrameUse.PageTable && owner[pfn] === pid) n++;
    }
    return n;
  }

  pageTables(): PageTables {
    return this.machine.vm.pageTables;
  }

  rootOf(pid: number): number | undefined {
    return this.spaceOf(pid)?.space.root;
  }

  /** What the walk of `result` in `pid`'s tables teaches: fields, TLB lookup, bits, a fault. */
  lesson(pid: number, result: WalkResult): WalkLesson | null {
    const space = this.spaceOf(pid)?.space;
    if (!space) return null;
    const format = this.machine.vm.pageTables.format;
    const mmu = this.machine.vm.mmu;
    const refCounts = this.machine.pmm.frames.refCount;
    const leafLevel = result.pa >= 0 ? (result.levels.at(-1)?.level ?? 0) : 0;
    const region = space.regions.find(result.va);
    return {
      fields: splitAddress(format, result.va, leafLevel),
      tlb: probeTlb(mmu.tlb, space, result.va, mmu.root, format.asidCount > 1),
      tlbSets: mmu.tlb.sets,
      predictions: predictAccesses(space, result, refCounts),
      regionWritable: region >= 0 && (space.regions.protection(region) & Protection.Write) !== 0,
      refCount: result.pa >= 0 ? refCounts[Math.floor(result.pa / 4096)] : 0,
    };
  }

  tlb(): Tlb {
    return this.machine.vm.mmu.tlb;
  }

  /** An ASID and its process. Without ASIDs (i386) every space has 0: the entries are the loaded one's. */
  asidName(asid: number): string {
    const holders = this.machine.processes.filter((p) => p.space.asid === asid);
    const root = this.machine.vm.mmu.root;
    const holder = holders.length > 1 ? holders.find((p) => p.space.root === root) : holders[0];
    return holder ? `${asid} (${holder.name})` : String(asid);
  }

  /** Live heap bytes over the heaps' footprint, over every process that used malloc. */
  private heapUtilization(): number {
    let live = 0;
    let footprint = 0;
    for (const p of this.machine.processes) {
      const heap = p.heapIfUsed;
      if (!heap) continue;
      const stats = heap.stats();
      live += stats.liveBytes;
      footprint += stats.footprint;
    }
    return footprint === 0 ? Number.NaN : live / footprint;
  }

  sample(step: number): Sample {
    // Two reads rather than pmm.stats(): a chart sample is taken on every step.
    const pmm = this.machine.pmm;
    const free = pmm.freeFrames;
    const fragmentation = free === 0 ? 0 : 1 - pmm.allocator.largestFreeRun() / free;
    const tlb = this.machine.vm.mmu.tlb.counters();
    const lookups = tlb.hits + tlb.misses;
    const ipc = this.machine.post.stats;
    return {
      step,
      freeFrames: free,
      fragmentation,
      heapUtilization: this.heapUtilization(),
      tlbHitRate: lookups === 0 ? Number.NaN : tlb.hits / lookups,
      bytesCopied: ipc.bytesCopied,
      pagesMoved: ipc.pagesMoved,
    };
  }
}
