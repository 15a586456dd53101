/**
 * The few numbers every part of the heap agrees on. Used by the heap's areas, slabs, large blocks
 * and size classes, and by the spaces it runs on.
 *
 * The files with a hot path take module-local copies (`const { NONE } = heapConstants`): V8's
 * optimizing compiler folds a module's own constants into the code, but reads an imported binding
 * through its module cell, with a check that it is initialized, at every use (free's address
 * lookup went from 10.3 to 7.0 ns, a realloc that fits from 12.2 to 8.6: tight loops, best of 9).
 */
import { FRAME_SIZE } from '../phys/physical-memory.js';

/** The base page: the unit the heap maps, releases and counts as resident. */
export const PAGE_SIZE = FRAME_SIZE;

/** log2(PAGE_SIZE): an offset inside an area shifted right by this is its page. */
export const PAGE_SHIFT = Math.log2(PAGE_SIZE);

/**
 * An address's offset in its page is `va & PAGE_OFFSET_MASK` (exact for any safe integer: the low
 * bits survive ToInt32), and its page number `Math.floor(va * INVERSE_PAGE_SIZE)` (exact: a power
 * of two). Addresses reach the heap as doubles; `va % PAGE_SIZE` and `va / PAGE_SIZE` on a double
 * compile to a call to fmod and a division, which cost a free more than the rest of it.
 */
export const PAGE_OFFSET_MASK = PAGE_SIZE - 1;
export const INVERSE_PAGE_SIZE = 1 / PAGE_SIZE;

/** An area's `pageSlab` of a page shared by small slabs (below NONE, as every slab id is above). */
export const SHARED_PAGE = -2;

/** Largest size any call accepts: the widest virtual range of the formats (2^47). */
export const MAX_ALLOCATION = 2 ** 47;

/** "No slab", "no area", "no large block": the empty value of every id table and list link. */
export const NONE = -1;

/**
 * The grain of a small slab: a class's first slabs may be runs of these inside a page shared with
 * other classes' small slabs, so a program with a few blocks of many sizes does not hold a
 * half-empty page for each size. Every slab starts on a unit; a page holds UNITS_PER_PAGE (a
 * shared page's units are a row of mask words). 16 bytes, the heap's largest alignment: a run
 * holds its objects exactly, and a class with a few blocks takes a run a block (small programs,
 * mean resident utilization: 0.725 with 512-byte units, 0.731 with 256, 0.740 with 128, before
 * the best fit and the spare slab; docs/heap.md has the 16-byte figures).
 */
export const SLAB_UNIT = 16;
export const UNIT_SHIFT = Math.log2(SLAB_UNIT);
export const UNITS_PER_PAGE = PAGE_SIZE / SLAB_UNIT;

/**
 * Slabs start on a multiple of the largest power of two dividing their class size, up to this:
 * so every object of a class whose size is a multiple of an alignment up to it is aligned
 * (memalign takes such a class).
 */
export const MAX_SLAB_ALIGNMENT = 128;

/** `bytes` rounded up to whole pages (no division: realloc's fast path calls it). */
export function roundUpToPage(bytes: number): number {
  return Math.ceil(bytes * INVERSE_PAGE_SIZE) * PAGE_SIZE;
}
