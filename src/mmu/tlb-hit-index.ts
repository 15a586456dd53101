/**
 * The TLB's hit index: looking through the ways of a set costs more than the rest of a
 * translation, so the TLB also keeps a direct-mapped index of the entries of the current address
 * space, one table per (mode, access) pair. Slot vpn & 255 of pair p holds a page number and
 * its frame only while a TLB entry grants p, so a hit is one tag load and compare, with no rights
 * test (measured: 1.5 ns a hit against 6.6 ns for the 4-way search with rights and ASID tests).
 *
 * It caches the TLB, never the tables: every entry dropped clears its slots, a context switch
 * rebuilds it, a slot miss looks in the sets. It holds pages whose address and frame fit 32 bits
 * (every i386 page; pages below 4 GiB on the 64-bit formats); others are found in their set.
 */
import { RIGHTS_PAIRS } from './rights.js';

/** log2 of the slots a pair has; the slot of a page is vpn & HIT_SLOT_MASK. */
export const HIT_SLOT_BITS = 8;
export const HIT_SLOT_MASK = (1 << HIT_SLOT_BITS) - 1;
const SLOTS = 1 << HIT_SLOT_BITS;
/** Tag of an empty slot: no page number is negative. */
const EMPTY = -1;
/** Pages whose number is below this (addresses below 4 GiB) can be indexed, with frames below 4 GiB. */
export const INDEXED_PAGES = 1 << 20;
export const INDEXED_FRAMES_END = 2 ** 32;

/**
 * Element of `slots` where the tag of `vpn`'s slot in pair `pair` lies; its frame is the next one.
 * Element 0 is the hit counter.
 */
export function hitSlotAt(vpn: number, pair: number): number {
  return 1 + (((pair << HIT_SLOT_BITS) | (vpn & HIT_SLOT_MASK)) << 1);
}

export class TlbHitIndex {
  /**
   * Element 0 counts hits not yet folded into the TLB's total (an int32 increment on the hot
   * path: a float64 add there cost about 0.2 ns a hit); then the slots, two elements each: the
   * page number (EMPTY when free) and the frame's physical address as int32 bits.
   */
  readonly slots = new Int32Array(1 + 2 * RIGHTS_PAIRS * SLOTS).fill(EMPTY);

  constructor() {
    this.slots[0] = 0;
  }

  /** Whether a page (its number and the physical address of its frame) can be held. */
  holds(vpn: number, pa: number): boolean {
    return vpn >= 0 && vpn < INDEXED_PAGES && pa < INDEXED_FRAMES_END;
  }

  /** Puts page `vpn` (at frame `pa`, indexable) into pair `pair`'s table. */
  put(vpn: number, pa: number, pair: number): void {
    const at = hitSlotAt(vpn, pair);
    this.slots[at] = vpn;
    this.slots[at + 1] = pa;
  }

  /** Clears the slots of page `vpn` in the pairs whose bits are set in `pairs`. */
  remove(vpn: number, pairs: number): void {
    const slots = this.slots;
    // One step per pair in `pairs` (usually one): the lowest set bit each time.
    for (let bits = pairs; bits !== 0; bits &= bits - 1) {
      const at = hitSlotAt(vpn, 31 - Math.clz32(bits & -bits));
      if (slots[at] === vpn) slots[at] = EMPTY;
    }
  }

  /** Empties every slot (the hit counter stays). */
  clear(): void {
    const hits = this.slots[0];
    this.slots.fill(EMPTY);
    this.slots[0] = hits;
  }

  /** Calls `visit(vpn, pa, pair, slot)` for every slot in use, for the TLB's checker. */
  forEach(visit: (vpn: number, pa: number, pair: number, slot: number) => void): void {
    for (let pair = 0; pair < RIGHTS_PAIRS; pair++) {
      for (let slot = 0; slot < SLOTS; slot++) {
        const at = hitSlotAt(slot, pair);
        if (this.slots[at] !== EMPTY) visit(this.slots[at], this.slots[at + 1] >>> 0, pair, slot);
      }
    }
  }
}
