/**
 * The TLB checked against the page tables: every entry whose tables now map nothing, map another
 * frame, or grant fewer rights than the entry holds. Used by Mmu.tlbDisagreements, which the
 * kernel's and the tests' checks call.
 */
import type { PhysicalMemoryAccess } from './memory-access.js';
import type { PageWalker } from './page-walker.js';
import { WRITE_RIGHTS } from './rights.js';
import { GLOBAL_ASID, type Tlb } from './tlb.js';

/** A TLB entry that disagrees with the page tables. */
export interface TlbDisagreement {
  /** Way index in the TLB. */
  index: number;
  va: number;
  asid: number;
  /** What the TLB holds and what the tables say (-1 when the tables map nothing). */
  tlbPa: number;
  tablePa: number;
  reason: 'not mapped' | 'different frame' | 'more rights' | 'unknown address space';
}

/**
 * Walks every valid entry of `tlb` in the tables of its ASID's root (`rootOf`; a global entry in
 * `currentRoot`'s) with `walker`, setting no A / D bit. `isRoot` tells a live root.
 */
export function findTlbDisagreements(
  tlb: Tlb,
  walker: PageWalker,
  memory: PhysicalMemoryAccess,
  currentRoot: number,
  rootOf: (asid: number) => number | undefined,
  isRoot: (root: number) => boolean,
): TlbDisagreement[] {
  const out: TlbDisagreement[] = [];
  for (let way = 0; way < tlb.entries; way++) {
    const vpn = tlb.vpn[way];
    if (Number.isNaN(vpn)) continue;
    const asid = tlb.asid[way];
    const va = vpn * 4096;
    const root = asid === GLOBAL_ASID ? currentRoot : rootOf(asid);
    const base = { index: way, va, asid, tlbPa: tlb.pa[way] };
    if (root === undefined || !isRoot(root)) {
      out.push({ ...base, tablePa: -1, reason: 'unknown address space' });
    } else if (!walker.walk(memory, root, va, 0, false, false)) {
      out.push({ ...base, tablePa: -1, reason: 'not mapped' });
    } else if (walker.pa !== tlb.pa[way]) {
      out.push({ ...base, tablePa: walker.pa, reason: 'different frame' });
    } else {
      const tableRights = walker.dirty ? walker.rights : walker.rights & ~WRITE_RIGHTS;
      if ((tlb.rights[way] & ~tableRights) !== 0 || (asid === GLOBAL_ASID) !== walker.global) {
        out.push({ ...base, tablePa: walker.pa, reason: 'more rights' });
      }
    }
  }
  return out;
}
