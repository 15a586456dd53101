/**
 * The memalign family's rules: the sizes and alignments memalign, aligned_alloc and
 * posix_memalign accept (a typed error naming the call otherwise), and where an aligned block
 * goes: an object of the first class whose every object lands aligned, else a large block on an
 * aligned range. Used by Heap.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { MAX_ALLOCATION, MAX_SLAB_ALIGNMENT, PAGE_SIZE } from './heap-constants.js';
import type { LargeBlocks } from './large-blocks.js';
import type { SlabCache } from './slab-cache.js';

/** The error of a size that overflows or is not a byte count. */
export function badSize(heapName: string, op: string, size: number): never {
  throw new InvalidArgumentError(
    `${heapName}: ${op}(${size}): the size overflows or is not a byte count (0 to 2^47)`,
  );
}

/** Checks memalign's (and aligned_alloc's) arguments: a power-of-two alignment and a byte count. */
export function checkMemalign(heapName: string, alignment: number, size: number): void {
  if (!(alignment > 0 && Number.isInteger(alignment) && Number.isInteger(Math.log2(alignment))))
    throw new InvalidArgumentError(
      `${heapName}: memalign(${alignment}, ${size}): alignment is not a power of two`,
    );
  if (!(size >= 0 && size <= MAX_ALLOCATION && Number.isInteger(size))) badSize(heapName, 'memalign', size);
}

/** Checks posix_memalign's alignment: a power of two and a multiple of 8 (sizeof(void *)), else EINVAL. */
export function checkPosixMemalign(heapName: string, alignment: number, size: number): void {
  if (!(alignment >= 8 && alignment % 8 === 0 && Number.isInteger(Math.log2(alignment))))
    throw new InvalidArgumentError(
      `${heapName}: posix_memalign(${alignment}, ${size}): alignment must be a power of two multiple of 8`,
    );
}

/**
 * A block of `size` bytes at a multiple of `alignment` (above the heap's own); 0 when out of
 * memory. Slabs start on a multiple of their class size's alignment up to MAX_SLAB_ALIGNMENT, so every object of a class whose size is a multiple of an
 * alignment up to it is aligned; bigger alignments take a large block.
 */
export function placeAligned(
  slabs: SlabCache,
  large: LargeBlocks,
  largeThreshold: number,
  alignment: number,
  size: number,
): number {
  if (alignment <= MAX_SLAB_ALIGNMENT && size <= largeThreshold) {
    const classes = slabs.classes;
    for (let c = classes.classOf(size); c < classes.count; c++)
      if (classes.size[c] % alignment === 0) return slabs.allocate(c);
  }
  return large.allocate(Math.max(size, 1), Math.max(alignment, PAGE_SIZE));
}
