/**
 * The page-table entry flags an address space writes for a page, by region protection and by
 * whether the page may be written now (false: copy-on-write). Made once per space.
 */
import { Mode, PageFlags } from '../mmu/flags.js';
import type { PageTableFormat } from '../mmu/page-table-format.js';
import { Protection } from './region-types.js';

export class EntryFlags {
  /** Indexed by protection * 2 + writable, in the format's effective form. */
  private readonly table = new Int32Array((Protection.All + 1) * 2);

  constructor(format: PageTableFormat, mode: Mode) {
    for (let protection = 0; protection <= Protection.All; protection++) {
      if (mode === Mode.Kernel && protection === Protection.None) continue;
      this.table[protection * 2] = format.effectiveFlags(neutralFlags(mode, protection, false));
      this.table[protection * 2 + 1] = format.effectiveFlags(neutralFlags(mode, protection, true));
    }
  }

  /** The flags of a page in a region with `protection`; `writable` false keeps it read-only. */
  of(protection: number, writable: boolean): number {
    return this.table[protection * 2 + (writable ? 1 : 0)];
  }
}

function neutralFlags(mode: Mode, protection: number, writable: boolean): number {
  const write = writable && (protection & Protection.Write) !== 0 ? PageFlags.Write : 0;
  const execute = protection & Protection.Execute ? PageFlags.Execute : 0;
  if (mode === Mode.Kernel) return PageFlags.Global | PageFlags.Read | write | execute;
  // PROT_NONE keeps the frame in a supervisor-only entry: every user access faults.
  if (protection === Protection.None) return PageFlags.Read;
  return PageFlags.User | PageFlags.Read | write | execute;
}
