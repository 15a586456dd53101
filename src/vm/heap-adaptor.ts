/**
 * What the heap asks of an address space (its HeapSpace contract): areas reserved, grown in
 * place and released. AddressSpace implements the contract through these functions.
 */
import { LimitError, NotAllocatedError, OutOfMemoryError } from '../common/errors.js';
import { hex } from '../common/format.js';
import type { AddressSpace } from './address-space.js';
import { RegionType } from './region-types.js';
import { checkBytes, checkPageAligned, checkRange } from './space-arguments.js';

/** Every heap area carries this region name, so adjacent areas merge into one region. */
export const HEAP_REGION_NAME = 'heap';

/** A fresh read-write area; a full region map is OutOfMemoryError, as malloc sees it. */
export function reserveAnon(space: AddressSpace, bytes: number, alignment: number): number {
  try {
    return space.mapAnon(bytes, { alignment, name: HEAP_REGION_NAME });
  } catch (error) {
    if (error instanceof LimitError)
      throw new OutOfMemoryError(`reserveAnon(${bytes}) in ${space.name}: ${error.message}`);
    throw error;
  }
}

/**
 * Fresh memory exactly at [va, va + bytes) when that range is free (realloc growing a block in
 * place); false, changing nothing, when it is not free or the region limit is reached.
 */
export function extendAnon(space: AddressSpace, va: number, bytes: number): boolean {
  checkBytes(bytes, 'extendAnon');
  checkPageAligned(va, 'extendAnon');
  if (!(va >= space.start && va + bytes <= space.end) || !space.regions.isFree(va, va + bytes)) return false;
  try {
    space.mapAnon(bytes, { at: va, name: HEAP_REGION_NAME });
  } catch (error) {
    if (error instanceof LimitError) return false;
    throw error;
  }
  return true;
}

/** Gives an ANON range back (munmap); anything else in the range is NotAllocatedError. */
export function release(space: AddressSpace, va: number, bytes: number): void {
  checkRange(space, va, bytes, 'release');
  const end = va + bytes;
  const regions = space.regions;
  for (let i = regions.find(va); i < regions.count && regions.base(i) < end; i++) {
    if (regions.type(i) !== RegionType.Anon) {
      throw new NotAllocatedError(
        `release ${hex(va)}..${hex(end)} in ${space.name}: ${hex(Math.max(va, regions.base(i)))} is not anonymous memory`,
      );
    }
  }
  space.unmap(va, bytes);
}
