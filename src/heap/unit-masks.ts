/**
 * An area's units as a row of mask words (a bit a unit, MASK_WORDS words a page): marking a run
 * taken or free; filling a run of the unit-to-slab table. Used by SharedPages and the checker.
 */
import { WORD_BITS } from './bit-runs.js';
import { UNITS_PER_PAGE } from './heap-constants.js';

/** Mask words of one shared page. */
export const MASK_WORDS = UNITS_PER_PAGE / WORD_BITS;
const WORD_SHIFT = Math.log2(WORD_BITS);
const BIT_MASK = WORD_BITS - 1;

/** Sets (`taken`) or clears bits `first` to `first + count - 1` of the row at `row`. */
export function markRun(mask: Uint32Array, row: number, first: number, count: number, taken: boolean): void {
  let unit = first;
  const end = first + count;
  while (unit < end) {
    const bit = unit & BIT_MASK;
    const span = Math.min(WORD_BITS - bit, end - unit);
    const bits = span === WORD_BITS ? -1 : ((1 << span) - 1) << bit;
    const at = row + (unit >>> WORD_SHIFT);
    mask[at] = taken ? mask[at] | bits : mask[at] & ~bits;
    unit += span;
  }
}

/**
 * Sets entries `from` to `to - 1` of `table` to `value`: a loop for a short run (most small
 * slabs' runs are a few units), `fill` for a long one.
 */
export function fillRun(table: Int32Array, value: number, from: number, to: number): void {
  if (to - from > 32) table.fill(value, from, to);
  else for (let i = from; i < to; i++) table[i] = value;
}
