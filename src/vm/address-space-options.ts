/**
 * The options and results of the AddressSpace API: how a space is made, where a region goes,
 * and what an inspection returns. Used by AddressSpace, its helpers and its callers.
 */
import type { Mode } from '../mmu/flags.js';
import type { RegionInfo } from './region-types.js';

export interface AddressSpaceOptions {
  /** Process id owning the frames (KERNEL_OWNER for the kernel's space). */
  owner: number;
  /** Hardware address-space id (always 0 on i386, which has none). */
  asid: number;
  /** User (default) or Kernel: which half of the address space and which privilege. */
  mode?: Mode;
  /** Range of the space; default the format's whole user half, or its whole kernel half. */
  start?: number;
  end?: number;
  regionLimit?: number;
  name?: string;
}

export interface MapOptions {
  /** Exactly here (the range must be free), or... */
  at?: number;
  /** ...here if free, else the first fit above, else the first fit from the bottom. */
  hint?: number;
  /** Alignment of the start: a power of two >= 4096. */
  alignment?: number;
  /** Default ReadWrite. */
  protection?: number;
  flags?: number;
  name?: string;
}

/** attachPages' options: where and how the area lands, and who owns its frames. */
export interface AttachOptions extends MapOptions {
  /**
   * A frame this space alone maps after the attach (reference count 1) becomes this space's: its
   * use and owner are set in the pass that writes its entry (an IPC move's receive, which would
   * otherwise make a second pass over the frame table). Default false: uses and owners stay.
   */
  adopt?: boolean;
}

export interface ForkOptions {
  /** Copy every private page now instead of sharing it copy-on-write (the benchmark's baseline). */
  eager?: boolean;
  name?: string;
}

/** One present page, for snapshots and reports. */
export interface PageMapping {
  va: number;
  pa: number;
  /** Permission flags of the entry (PageFlags, without Accessed / Dirty). */
  flags: number;
}

export interface AddressSpaceSnapshot {
  regions: RegionInfo[];
  pages: PageMapping[];
}

/** Page faults an address space resolved, by kind. */
export interface FaultCounts {
  demandZero: number;
  phys: number;
  cowCopy: number;
  cowTakeover: number;
  /** Major faults: a swapped-out page read back from the swap device. */
  swapIn: number;
  /** Minor faults on a swapped-out page found in the swap cache (no read). */
  swapCache: number;
}
