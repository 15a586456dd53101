/**
 * The heap's options, their defaults, and the checks that turn bad ones into an
 * InvalidArgumentError before anything is made. Used by Heap's constructor (and by a fork's clone,
 * which is made with the same options).
 */
import { InvalidArgumentError } from '../common/errors.js';
import { WORD_BITS } from './bit-runs.js';
import { PAGE_SIZE } from './heap-constants.js';
import { defaultSizeClasses } from './size-classes.js';

export interface HeapOptions {
  /** Bytes of each slab area: a power of two from 4 KiB to 128 KiB. Default 64 KiB. */
  areaSize?: number;
  /** Requests above this many bytes get an area of their own. Default 16 KiB. */
  largeThreshold?: number;
  /** Alignment of every block, 8 or 16. Default 16. */
  alignment?: 8 | 16;
  /** Class sizes (ascending multiples of the alignment, the last equal to the large threshold). */
  sizeClasses?: readonly number[];
  /** Most tail waste a slab may have before it spans more pages (fraction). Default 1/16. */
  maxSlabWaste?: number;
  /**
   * Most tail waste a small slab (a run of units in a shared page) may have before it spans more
   * units (fraction). Default 1/8: a small slab is a class's first few objects, where a short run
   * saves more than its tail costs.
   */
  maxSmallSlabWaste?: number;
  /**
   * When a class has no free object, take one from a bigger class that has one, if that class is
   * at most this fraction bigger (0 turns it off). Pools the ups and downs of neighbouring classes,
   * so fewer slabs are made. Default 1/8.
   */
  borrowWaste?: number;
  /**
   * Keep up to this many freed large areas (each at most 1 MiB) mapped, for a later request of
   * the same page count: a program that mallocs and frees a 32 KiB buffer in a loop then maps it
   * once. Given back before the heap maps anything else, so they never raise the peak footprint.
   * Default 4; 0 turns the cache off.
   */
  largeCacheEntries?: number;
  /** Keep one empty area instead of unmapping it at once. Default true. */
  keepSpareArea?: boolean;
  /**
   * Map an area's first two pages and grow it in place as needed (the space must have
   * extendAnon), rather than mapping all of it at once. Default true (a space without
   * extendAnon maps whole areas).
   */
  growAreas?: boolean;
  /** Named in error messages: "heap of process 3". Default "heap". */
  name?: string;
}

/** Every option with its default filled in, checked. */
export interface HeapSettings {
  name: string;
  areaSize: number;
  largeThreshold: number;
  alignment: 8 | 16;
  sizeClasses: readonly number[];
  maxSlabWaste: number;
  maxSmallSlabWaste: number;
  borrowWaste: number;
  largeCacheEntries: number;
  keepSpareArea: boolean;
  growAreas: boolean;
}

export const DEFAULT_AREA_SIZE = 65536;
export const DEFAULT_LARGE_THRESHOLD = 16384;
/** The most pages an area may have: its page masks are one 32-bit word. */
const MAX_AREA_SIZE = WORD_BITS * PAGE_SIZE;

export function resolveHeapOptions(options: HeapOptions): HeapSettings {
  const name = options.name ?? 'heap';
  const areaSize = options.areaSize ?? DEFAULT_AREA_SIZE;
  const alignment = options.alignment ?? 16;
  const largeThreshold = options.largeThreshold ?? DEFAULT_LARGE_THRESHOLD;
  if (alignment !== 8 && alignment !== 16)
    throw new InvalidArgumentError(`${name}: alignment ${alignment} must be 8 or 16`);
  if (!Number.isInteger(Math.log2(areaSize)) || areaSize < PAGE_SIZE || areaSize > MAX_AREA_SIZE)
    throw new InvalidArgumentError(`${name}: area size ${areaSize} must be a power of two, 4 KiB to 128 KiB`);
  if (!Number.isInteger(largeThreshold) || largeThreshold < alignment || largeThreshold > areaSize)
    throw new InvalidArgumentError(
      `${name}: large threshold ${largeThreshold} must lie between the alignment and the area size`,
    );
  const sizes = options.sizeClasses ?? defaultSizeClasses(alignment, largeThreshold);
  for (let i = 0; i < sizes.length; i++) {
    const s = sizes[i];
    if (!Number.isInteger(s) || s <= 0 || s % alignment !== 0 || (i > 0 && s <= sizes[i - 1]))
      throw new InvalidArgumentError(
        `${name}: size classes must be ascending multiples of ${alignment} (class ${i}: ${s})`,
      );
  }
  if (sizes[sizes.length - 1] !== largeThreshold)
    throw new InvalidArgumentError(
      `${name}: the largest size class (${sizes[sizes.length - 1]}) must equal the large threshold ${largeThreshold}`,
    );
  for (const [option, waste] of [
    ['maxSlabWaste', options.maxSlabWaste],
    ['maxSmallSlabWaste', options.maxSmallSlabWaste],
  ] as const)
    if (waste !== undefined && !(waste >= 0 && waste < 1))
      throw new InvalidArgumentError(`${name}: ${option} ${waste} must be a fraction from 0 up to 1`);
  return {
    name,
    areaSize,
    largeThreshold,
    alignment,
    sizeClasses: Object.freeze([...sizes]),
    maxSlabWaste: options.maxSlabWaste ?? 1 / 16,
    maxSmallSlabWaste: options.maxSmallSlabWaste ?? 1 / 8,
    borrowWaste: options.borrowWaste ?? 1 / 8,
    largeCacheEntries: options.largeCacheEntries ?? 4,
    keepSpareArea: options.keepSpareArea ?? true,
    growAreas: options.growAreas ?? true,
  };
}
