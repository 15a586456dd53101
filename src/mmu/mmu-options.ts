/**
 * What an Mmu is made from besides pageframe's PageTables: the hardware of an emulator's machine
 * (a format and RAM) and the options (a TLB or its shape, the first root, the paging-structure
 * cache). Used by Mmu and its callers.
 */
import type { PhysicalMemoryAccess } from './memory-access.js';
import type { PageTableFormat } from './page-table-format.js';
import type { Tlb, TlbConfig } from './tlb.js';

/** The hardware an Mmu needs when it does not walk pageframe's PageTables: a format and RAM. */
export interface MmuHardware {
  readonly format: PageTableFormat;
  readonly memory: PhysicalMemoryAccess;
}

export interface MmuOptions extends TlbConfig {
  /** A TLB to use (shared with other Mmu objects, or made by the caller); else one of `entries` and `ways`. */
  tlb?: Tlb;
  /** The first root without PageTables (default 0; with PageTables, the kernel's root). */
  root?: number;
  /**
   * Whether TLB misses use a paging-structure cache (default true; x86-64 and Sv39, i386 has
   * none): the leaf table of each recently walked 2 MiB span, so that a miss reads one entry
   * instead of three or four (structure-cache.ts).
   */
  structureCache?: boolean;
}
