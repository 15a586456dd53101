/**
 * Pinning a sender's pages for a copy or a share: its frames read from its page tables in
 * software, a leaf table at a time (as a kernel pins user pages with get_user_pages: the sender
 * is not running, so no TLB entry of its is used or made), and its writable entries turned
 * copy-on-write so that its next write does not change what the message holds.
 */
import { LimitError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { MAX_REF_COUNT } from '../phys/frame-table.js';
import type { AddressSpace } from '../vm/address-space.js';
import { NO_TABLE } from '../vm/leaf-writer.js';
import { PAGE_SIZE } from '../vm/region-map.js';

export class Pinning {
  /** 1 where the sender's entry was writable when its frames were read. */
  private writable = new Uint8Array(64);

  /**
   * Fills out[0, pages) with the frames mapping `pages` pages from `start` (-1: never touched).
   * Throws LimitError (nothing changed) when a frame already has the most holders.
   */
  readFrames(space: AddressSpace, start: number, pages: number, out: Float64Array, operation: string): void {
    const leaf = space.leaf;
    const span = leaf.tableSpan;
    if (this.writable.length < pages)
      this.writable = new Uint8Array(Math.max(pages, this.writable.length * 2));
    const writable = this.writable;
    const end = start + pages * PAGE_SIZE;
    for (let from = start; from < end; ) {
      const to = Math.min(end, (Math.floor(from / span) + 1) * span);
      const first = (from - start) / PAGE_SIZE;
      const count = (to - from) / PAGE_SIZE;
      const table = leaf.leafTableOf(space.root, from);
      if (table === NO_TABLE) {
        out.fill(-1, first, first + count);
        writable.fill(0, first, first + count);
      } else {
        leaf.readFrames(table, leaf.entryAddress(table, from), count, out, writable, first);
      }
      from = to;
    }
    const refCount = space.machine.frameTable.refCount;
    for (let k = 0; k < pages; k++) {
      const pa = out[k];
      if (pa >= 0 && refCount[pa / PAGE_SIZE] >= MAX_REF_COUNT)
        throw new LimitError(`${operation}: frame ${hex(pa)} already has the maximum number of holders`);
    }
  }

  /**
   * After the pins: the sender's entries over [start, end) that readFrames saw writable become
   * read-only in place (accessed and dirty kept), a leaf table at a time, so that its next write
   * copies the page (or takes it back once the message is gone); then their TLB entries go, page
   * by page or, above the flush ceiling, the whole ASID. A buffer sent again without a write in
   * between costs nothing here.
   */
  writeProtect(space: AddressSpace, start: number, end: number): void {
    const leaf = space.leaf;
    const span = leaf.tableSpan;
    const writable = this.writable;
    const pages = (end - start) / PAGE_SIZE;
    let protectedPages = 0;
    for (let from = start; from < end; ) {
      const to = Math.min(end, (Math.floor(from / span) + 1) * span);
      let table = NO_TABLE;
      for (let k = (from - start) / PAGE_SIZE; k < (to - start) / PAGE_SIZE; k++) {
        if (writable[k] !== 1) continue;
        if (table === NO_TABLE) table = leaf.leafTableOf(space.root, from);
        leaf.writeProtect(leaf.entryAddress(table, start + k * PAGE_SIZE));
        protectedPages++;
      }
      from = to;
    }
    if (protectedPages === 0) return;
    if (space.tlb.flushesWhole(pages)) space.tlb.space();
    else for (let k = 0; k < pages; k++) if (writable[k] === 1) space.tlb.page(start + k * PAGE_SIZE);
  }
}
