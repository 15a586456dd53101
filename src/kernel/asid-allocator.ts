/**
 * Address-space ids for the TLB. i386 has none (every space is ASID 0 and a CR3 write flushes);
 * x86-64 PCIDs are 12 bits, Sv39 ASIDs 16. ASID 0 stays with the kernel. When every id is taken,
 * ids are shared round-robin (recycled, as Linux does): the MMU flushes an id installed with
 * another root than the one its entries came from (Mmu.setRoot), so sharing is only slower.
 */
import type { PageTableFormat } from '../mmu/page-table-format.js';

export class AsidAllocator {
  /** Number of ids the hardware has (1 on i386: every space shares 0). */
  readonly limit: number;
  /** Address spaces holding each id (the kernel holds 0). */
  private readonly holders: Uint32Array;
  private cursor = 1;

  constructor(format: PageTableFormat) {
    this.limit = format.asidCount;
    this.holders = new Uint32Array(this.limit);
    this.holders[0] = 1;
  }

  /** Whether spaces get ids of their own. */
  get tagged(): boolean {
    return this.limit > 1;
  }

  /** The id the next space gets, without taking it: a free one, else the next one round-robin (shared). */
  peek(): number {
    if (!this.tagged) return 0;
    const ids = this.limit - 1;
    for (let k = 0; k < ids; k++) {
      const id = ((this.cursor - 1 + k) % ids) + 1;
      if (this.holders[id] === 0) return id;
    }
    return this.cursor;
  }

  take(id: number): void {
    if (this.tagged) {
      this.holders[id]++;
      this.cursor = id + 1 >= this.limit ? 1 : id + 1;
    }
  }

  free(id: number): void {
    if (this.tagged) this.holders[id]--;
  }

  /** Address spaces holding `id`. */
  holdersOf(id: number): number {
    return this.holders[id];
  }

  isUsed(id: number): boolean {
    return this.holders[id] > 0;
  }
}
