/**
 * The report of a machine: a plain, JSON-able object with everything a user looks at after a run
 * (the physical memory map and who holds each frame, and, as the layers above provide them,
 * processes and their regions, heaps, the TLB, IPC and page-table memory). The terminal renders
 * it with report-text.ts; the browser shows the same object.
 */
import { FrameState, FrameUse, KERNEL_OWNER } from '../phys/frame-table.js';
import type { PhysicalMemoryManager } from '../phys/physical-memory-manager.js';
import type { PhysicalStats } from '../phys/types.js';

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

export interface MachineReport {
  machine: MachineSettingsReport;
  physical: PhysicalReport;
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
