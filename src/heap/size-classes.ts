/**
 * Size classes of the slab caches and the shape of each class's slab. The defaults (see
 * docs/heap.md for the measurements behind them): every multiple of the alignment up to 1 KiB,
 * then 16 classes per doubling (6.25 % apart) up to the large threshold, so rounding a request up
 * to its class wastes at most 1/16 of it above 1 KiB.
 */
import { InvalidArgumentError } from '../common/errors.js';

import { PAGE_SIZE } from './heap-constants.js';

/** Default class sizes for a granule (alignment) and a largest class. */
export function defaultSizeClasses(
  granule: number,
  largest: number,
  stepsPerDoubling = 16,
  linearUpTo = 1024,
): number[] {
  const sizes: number[] = [];
  const linearEnd = Math.min(linearUpTo, largest);
  for (let s = granule; s <= linearEnd; s += granule) sizes.push(s);
  for (let base = linearEnd; base < largest; base *= 2) {
    const step = base / stepsPerDoubling;
    for (let i = 1; i <= stepsPerDoubling; i++) {
      const s = Math.ceil((base + i * step) / granule) * granule;
      if (s > largest) break;
      if (s > sizes[sizes.length - 1]) sizes.push(s);
    }
  }
  if (sizes[sizes.length - 1] !== largest) sizes.push(largest);
  return sizes;
}

/**
 * How many pages one slab of `size`-byte objects spans: the fewest pages (at most `maxPages`)
 * whose tail waste is at most `maxWaste` of the slab, or else the pages with the least waste.
 */
export function slabPagesFor(size: number, maxPages: number, maxWaste = 1 / 32): number {
  let best = 0;
  let bestWaste = Number.POSITIVE_INFINITY;
  for (let pages = 1; pages <= maxPages; pages++) {
    const bytes = pages * PAGE_SIZE;
    const objects = Math.floor(bytes / size);
    if (objects === 0) continue;
    const waste = (bytes - objects * size) / bytes;
    if (waste <= maxWaste) return pages;
    if (waste < bestWaste - 1e-9) {
      bestWaste = waste;
      best = pages;
    }
  }
  if (best === 0) throw new InvalidArgumentError(`size class ${size} does not fit in ${maxPages} page(s)`);
  return best;
}
