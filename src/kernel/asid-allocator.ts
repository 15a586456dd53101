/**
 * Address-space ids for the TLB. i386 has none (every space is ASID 0 and a CR3 write flushes);
 * x86-64 PCIDs are 12 bits, Sv39 ASIDs 16. ASID 0 stays with the kernel. An id is reused only
 * after its space has invalidated its TLB entries (AddressSpace.destroy does).
 */
import { LimitError } from '../common/errors.js';
import type { FormatName } from '../mmu/page-table-format.js';

export class AsidAllocator {
  /** Number of ids the hardware has (1 on i386: every space shares 0). */
  readonly limit: number;
  private readonly used: Uint8Array;
  private cursor = 1;

  constructor(format: FormatName) {
    this.limit = format === 'i386' ? 1 : format === 'x86-64' ? 4096 : 65536;
    this.used = new Uint8Array(this.limit);
    this.used[0] = 1;
  }

  /** Whether spaces get ids of their own. */
  get tagged(): boolean {
    return this.limit > 1;
  }

  /** The next free id, without taking it. Throws LimitError when none is left. */
  peek(): number {
    if (!this.tagged) return 0;
    for (let k = 0; k < this.limit - 1; k++) {
      const id = ((this.cursor - 1 + k) % (this.limit - 1)) + 1;
      if (!this.used[id]) return id;
    }
    throw new LimitError(`no address-space id left (${this.limit - 1} in use)`);
  }

  take(id: number): void {
    if (this.tagged) {
      this.used[id] = 1;
      this.cursor = id + 1 >= this.limit ? 1 : id + 1;
    }
  }

  free(id: number): void {
    if (this.tagged) this.used[id] = 0;
  }

  isUsed(id: number): boolean {
    return this.used[id] === 1;
  }
}
