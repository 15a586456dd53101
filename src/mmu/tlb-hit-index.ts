/**
 * The TLB's hit index: looking through the ways of a set costs more than the rest of a
 * translation, so the TLB also keeps a direct index of the current address space's entries by
 * page number, as v86 does (`tlb_data[page]`): one int32 a page below 4 GiB, so that a hit is one
 * load, a rights test and an XOR. Each Mmu has its own; the TLB writes it.
 *
 * It caches the TLB, never the tables: an element is set only while a TLB entry of the current
 * context caches its page, with that entry's rights, and the TLB clears it whenever the entry
 * goes, from its own list of ways (never by scanning the index). It holds pages below 4 GiB in
 * frames below 2 GiB (every page of a machine with up to 2 GiB of RAM); others are found in their
 * set.
 */
import { RIGHTS_PAIRS } from './rights.js';

/**
 * Pages whose number is below this (addresses below 4 GiB) can be indexed, with frames below
 * 2 GiB: a hit's address is then a non-negative int32, and the hit path needs no conversion to
 * an unsigned number (measured: 1.23 ns a hit against 1.35 with the `>>> 0`).
 */
export const INDEXED_PAGES = 1 << 20;
export const INDEXED_FRAMES_END = 2 ** 31;
/**
 * Element of `entries` holding the hits not yet folded into the TLB's total. In the same array as
 * the entries: a counter in an array of its own costs about 1 ns more a hit (V8 loads and checks
 * a second array's base on every hit).
 */
export const HIT_COUNTER = INDEXED_PAGES;
/** The entry bits that hold the rights (one bit a (mode, access) pair, rights.ts). */
export const ENTRY_RIGHTS_MASK = (1 << RIGHTS_PAIRS) - 1;
/** The entry bits that hold the frame XOR the page's address. */
export const ENTRY_FRAME_MASK = ~0xfff;

/**
 * The entry of page `vpn` in frame `pa` with rights `rights`: (frame XOR page address) in bits
 * 31:12 and the rights in the low bits, so that `(entry & ENTRY_FRAME_MASK) ^ va` is the physical
 * address of `va`. Never 0 for rights other than 0, and 0 is an absent page.
 */
export function hitEntry(vpn: number, pa: number, rights: number): number {
  return ((pa ^ (vpn << 12)) & ENTRY_FRAME_MASK) | rights;
}

export class TlbHitIndex {
  /** Page vpn's entry (0: not indexed), then the hit counter. 4 MiB, zeroed lazily by the OS. */
  readonly entries = new Int32Array(INDEXED_PAGES + 1);
  /** Elements of `entries` below HIT_COUNTER that are not 0, for the TLB's checker. */
  used = 0;

  /** Whether a page (its number and the physical address of its frame) can be held. */
  holds(vpn: number, pa: number): boolean {
    return vpn >= 0 && vpn < INDEXED_PAGES && pa < INDEXED_FRAMES_END;
  }

  /** Indexes page `vpn` (held) at frame `pa` with `rights` (not 0), replacing what it had. */
  put(vpn: number, pa: number, rights: number): void {
    if (this.entries[vpn] === 0) this.used++;
    this.entries[vpn] = hitEntry(vpn, pa, rights);
  }

  /** Clears page `vpn`'s entry (held). */
  remove(vpn: number): void {
    if (this.entries[vpn] === 0) return;
    this.entries[vpn] = 0;
    this.used--;
  }

  /** The physical address of page `vpn`'s frame, from its entry. */
  frameOf(vpn: number): number {
    return ((this.entries[vpn] & ENTRY_FRAME_MASK) ^ (vpn << 12)) >>> 0;
  }

  /** The rights of page `vpn`'s entry (0 when not indexed). */
  rightsOf(vpn: number): number {
    return this.entries[vpn] & ENTRY_RIGHTS_MASK;
  }
}
