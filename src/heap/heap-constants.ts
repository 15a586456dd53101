/**
 * The few numbers every part of the heap agrees on. Used by the heap's areas, slabs, large blocks
 * and size classes, and by the spaces it runs on.
 */
import { FRAME_SIZE } from '../phys/physical-memory.js';

/** The base page: the unit the heap maps, releases and counts as resident. */
export const PAGE_SIZE = FRAME_SIZE;

/** log2(PAGE_SIZE): an offset inside an area shifted right by this is its page. */
export const PAGE_SHIFT = Math.log2(PAGE_SIZE);

/** Largest size any call accepts: the widest virtual range of the formats (2^47). */
export const MAX_ALLOCATION = 2 ** 47;

/** "No slab", "no area", "no large block": the empty value of every id table and list link. */
export const NONE = -1;
