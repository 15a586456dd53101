/**
 * The TLB flush policy of one address space: which entries go when its mappings change. Every
 * path that removes or downgrades an entry invalidates here before the frame can go back.
 */
import { Mode } from '../mmu/flags.js';
import type { Mmu } from '../mmu/mmu.js';

/**
 * Above this many pages of range, a bulk removal (a move's detach, munmap) drops the space's
 * whole ASID with one flush (INVPCID single-context, SFENCE.VMA with the ASID) instead of one
 * invalidation per page, as Linux's flush_tlb_mm_range does above tlb_single_page_flush_ceiling
 * (33). Here a page invalidation probes one set and an ASID flush scans the whole TLB, and the
 * flush also costs the space its other entries. Kernel (global) pages always go page by page:
 * an ASID flush keeps them.
 */
export const TLB_FLUSH_CEILING = 32;

const PAGE_SIZE = 4096;

export class TlbShootdown {
  private readonly mmu: Mmu;
  private readonly mode: Mode;
  private readonly root: number;
  private readonly asid: number;
  /** i386 has no ASIDs: a CR3 write flushes, so a space that is not current has no entries. */
  private readonly hasAsids: boolean;

  constructor(mmu: Mmu, mode: Mode, root: number, asid: number, hasAsids: boolean) {
    this.mmu = mmu;
    this.mode = mode;
    this.root = root;
    this.asid = asid;
    this.hasAsids = hasAsids;
  }

  /** Whether a bulk change of `pages` pages flushes the ASID rather than going page by page. */
  flushesWhole(pages: number): boolean {
    return this.mode !== Mode.Kernel && pages > TLB_FLUSH_CEILING;
  }

  /** Drops the entries of one page of this space, when the TLB can hold any. */
  page(va: number): void {
    const mmu = this.mmu;
    if (this.mode === Mode.Kernel) mmu.invalidatePage(va, mmu.asid);
    else if (this.hasAsids || mmu.root === this.root) mmu.invalidatePage(va, this.asid);
  }

  /** Drops the entries of the pages a bulk removal took (slots >= 0 of `pages`, from `start`). */
  taken(start: number, pages: Float64Array, count: number): void {
    if (this.flushesWhole(count)) {
      this.space();
      return;
    }
    for (let k = 0; k < count; k++) if (pages[k] >= 0) this.page(start + k * PAGE_SIZE);
  }

  /** Drops every entry of this space (the kernel's global pages stay). */
  space(): void {
    if (this.hasAsids || this.mmu.root === this.root) this.mmu.invalidateAsid(this.asid);
  }
}
