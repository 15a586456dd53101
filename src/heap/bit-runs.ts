/**
 * Arithmetic on 32-bit masks, one bit a page of an area or an object of a slab word. Used by the
 * area pool (which pages are taken or touched) and the slab bitmaps (which objects are live).
 */

/** Every bit of a 32-bit word, as an unsigned number. */
export const FULL_WORD = 0xffffffff;

/** Bits in one mask word. */
export const WORD_BITS = 32;

/** A mask of `count` bits from bit `first`. */
export function runMask(first: number, count: number): number {
  return (count >= WORD_BITS ? FULL_WORD : ((1 << count) - 1) << first) >>> 0;
}

/** Number of consecutive set bits from bit 0. */
export function trailingOnes(value: number): number {
  const zeros = ~value;
  return zeros === 0 ? WORD_BITS : WORD_BITS - 1 - Math.clz32(zeros & -zeros);
}

export function popcount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
