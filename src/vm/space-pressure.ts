/**
 * One space under memory pressure: its swapped-out pages, and its resident limit (a memory
 * cgroup's limit: beyond it the space replaces its own pages). AddressSpace's API delegates here.
 */
import { InvalidArgumentError } from '../common/errors.js';
import type { AddressSpace } from './address-space.js';
import { reclaimPages } from './reclaim.js';
import { RegionType } from './region-types.js';
import { forEachSwapEntry } from './swap-ranges.js';

/** Pages of `space` whose entries hold swap slots (0 without swap). */
export function swappedPages(space: AddressSpace): number {
  const swap = space.swap;
  if (swap === null) return 0;
  const regions = space.regions;
  let pages = 0;
  for (let i = 0; i < regions.count; i++) {
    if (regions.type(i) !== RegionType.Anon) continue;
    forEachSwapEntry(space, swap, regions.base(i), regions.ceiling(i), () => {
      pages++;
    });
  }
  return pages;
}

/** Sets the resident limit of `space` (0: none) and evicts its pages above it now. */
export function setResidentLimit(space: AddressSpace, pages: number): void {
  const swap = space.swap;
  if (swap === null)
    throw new InvalidArgumentError(`${space.name}: a resident limit needs a machine with swap`);
  swap.setLimit(space.swapId, pages);
  trimResident(space);
}

/** Evicts `space`'s own pages down to its resident limit. */
export function trimResident(space: AddressSpace): void {
  const swap = space.swap;
  if (swap === null) return;
  const limit = swap.limitOf(space.swapId);
  const over = swap.reverseMap.residentOf(space.swapId) - limit;
  if (limit > 0 && over > 0) {
    swap.stats.local++;
    reclaimPages(swap, swap.frames, over, space.owner);
  }
}
