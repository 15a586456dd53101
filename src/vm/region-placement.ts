/**
 * Where a new region goes, and setting regions under the limit: the validation of mmap's
 * options, the first-fit or fixed placement, and the region limit checked before commit.
 */
import {
  AlignmentError,
  BusyError,
  InvalidArgumentError,
  LimitError,
  OutOfMemoryError,
} from '../common/errors.js';
import { hex } from '../common/format.js';
import type { AddressSpace } from './address-space.js';
import type { MapOptions } from './address-space-options.js';
import { ProtectionError } from './errors.js';
import { NOT_FOUND, PAGE_SIZE } from './region-map.js';
import { Protection, type RegionAttributes, RegionFlag, type RegionType } from './region-types.js';
import { checkBytes, checkProtection, checkRange } from './space-arguments.js';

/** Whether placeRegion checks the region limit itself, or leaves it to setRegions. */
export const LimitCheck = { Now: true, AtSet: false } as const;

/**
 * Validates a new region's request and finds its address; changes nothing. With
 * `LimitCheck.AtSet` the caller's setRegions refuses a full map instead.
 */
export function placeRegion(
  space: AddressSpace,
  type: RegionType,
  bytes: number,
  options: MapOptions,
  limitCheck: boolean = LimitCheck.Now,
): number {
  checkBytes(bytes, 'map');
  const protection = options.protection ?? Protection.ReadWrite;
  checkProtection(space, protection);
  const flags = options.flags ?? 0;
  if (!Number.isInteger(flags) || flags < 0 || flags > (RegionFlag.Sealed | RegionFlag.Shared)) {
    throw new InvalidArgumentError(`map: unknown region flags ${flags}`);
  }
  if (flags & RegionFlag.Sealed && protection & Protection.Write) {
    throw new ProtectionError('map: a sealed region cannot be writable');
  }
  const alignment = options.alignment ?? PAGE_SIZE;
  if (!(Number.isInteger(alignment) && alignment >= PAGE_SIZE && Number.isInteger(Math.log2(alignment)))) {
    throw new InvalidArgumentError(`map: alignment ${alignment} must be a power of two >= ${PAGE_SIZE}`);
  }
  const va = options.at === undefined ? findGap(space, bytes, alignment, options.hint) : options.at;
  if (options.at !== undefined) {
    checkRange(space, va, bytes, 'map');
    if (va % alignment !== 0) throw new AlignmentError(`map: ${hex(va)} is not aligned to ${alignment}`);
    if (!space.regions.isFree(va, va + bytes)) {
      throw new BusyError(
        `map ${hex(va)}..${hex(va + bytes)} in ${space.name}: the range overlaps a region in use`,
      );
    }
  }
  if (limitCheck) {
    const attributes = { type, protection, flags, name: options.name ?? '' };
    checkLimit(space, space.regions.countAfterSet(va, va + bytes, attributes), va, va + bytes);
  }
  return va;
}

function findGap(space: AddressSpace, bytes: number, alignment: number, hint: number | undefined): number {
  const va = space.regions.findFree(bytes, alignment, hint);
  if (va === NOT_FOUND) {
    throw new OutOfMemoryError(
      `map: no free range of ${bytes} bytes (alignment ${alignment}) in ${space.name}`,
    );
  }
  return va;
}

/** regions.set, its LimitError naming this space and the count it would need (nothing changed). */
export function setRegions(
  space: AddressSpace,
  start: number,
  end: number,
  attributes: RegionAttributes,
): void {
  try {
    space.regions.set(start, end, attributes);
  } catch (error) {
    if (error instanceof LimitError)
      checkLimit(space, space.regions.countAfterSet(start, end, attributes), start, end);
    throw error;
  }
}

export function checkLimit(space: AddressSpace, count: number, start: number, end: number): void {
  const limit = space.regions.limit;
  if (count > limit) {
    throw new LimitError(
      `${space.name}: ${hex(start)}..${hex(end)} would need ${count} regions; the limit is ${limit}`,
    );
  }
}
