/**
 * What a send may take from the sender: private anonymous memory it can read (and write, to
 * move it). Refused before anything changes.
 */
import { AddressRangeError, InvalidArgumentError, NotAllocatedError } from '../common/errors.js';
import { hex } from '../common/format.js';
import type { AddressSpace } from '../vm/address-space.js';
import { ProtectionError } from '../vm/errors.js';
import { Protection, RegionFlag, RegionType } from '../vm/region-types.js';
import type { TransferKind } from './message.js';

const READABLE = Protection.Read | Protection.Write;

/** Refuses [start, end) unless `space` may send it by `kind`; `operation` names the send in messages. */
export function checkSource(
  space: AddressSpace,
  start: number,
  end: number,
  kind: TransferKind,
  operation: string,
): void {
  if (!(start >= space.start && end <= space.end)) {
    throw new AddressRangeError(
      `${operation}: ${hex(start)}..${hex(end)} is outside ${space.name}'s range ${hex(space.start)}..${hex(space.end)}`,
    );
  }
  const regions = space.regions;
  for (let at = start; at < end; ) {
    const i = regions.find(at);
    if (i < 0 || regions.type(i) === RegionType.Free)
      throw new NotAllocatedError(`${operation}: ${hex(at)} is not mapped in ${space.name}`);
    if (regions.type(i) !== RegionType.Anon || regions.flags(i) & RegionFlag.Shared) {
      throw new InvalidArgumentError(
        `${operation}: ${hex(at)} in ${space.name} is ${regions.type(i) === RegionType.Anon ? 'shared writable' : 'PHYS'} memory; only private anonymous memory can be sent`,
      );
    }
    const protection = regions.protection(i);
    if (!(protection & READABLE))
      throw new ProtectionError(`${operation}: ${hex(at)} in ${space.name} is not readable`);
    if (kind === 'move' && !(protection & Protection.Write)) {
      throw new ProtectionError(
        `${operation}: ${hex(at)} in ${space.name} is read-only${regions.flags(i) & RegionFlag.Sealed ? ' (sealed)' : ''}; moving it would hand out write access`,
      );
    }
    at = regions.ceiling(i);
  }
}

/** Whether every region over [start, end) is sealed. */
export function isSealed(space: AddressSpace, start: number, end: number): boolean {
  const regions = space.regions;
  for (let at = start; at < end; ) {
    const i = regions.find(at);
    if (!(regions.flags(i) & RegionFlag.Sealed)) return false;
    at = regions.ceiling(i);
  }
  return true;
}
