/**
 * Whether a region allows an access: the segmentation-fault check every fault and every
 * copy-in or copy-out makes before it changes anything.
 */
import { type Access, Mode } from '../mmu/flags.js';
import type { AddressSpace } from './address-space.js';
import { SegmentationFaultError } from './errors.js';
import { Protection, RegionType } from './region-types.js';

export const ACCESS_NAMES = ['read', 'write', 'execute'] as const;
const PROTECTION_OF_ACCESS = [Protection.Read, Protection.Write, Protection.Execute];
// Module-local copies for the fault path: V8 does not fold an imported binding into optimized code.
const FREE = RegionType.Free;
const READ = Protection.Read;
const WRITE = Protection.Write;

/** Throws SegmentationFaultError unless a region of `space` allows `access` at `va`; returns that region's index. */
export function checkAllowed(space: AddressSpace, va: number, access: Access): number {
  const regions = space.regions;
  const i = regions.find(va);
  if (i < 0) throw new SegmentationFaultError(va, ACCESS_NAMES[access], outsideCause(space, va), space.name);
  if (regions.type(i) === FREE)
    throw new SegmentationFaultError(va, ACCESS_NAMES[access], 'unmapped', space.name);
  let protection = regions.protection(i);
  if (protection & WRITE) protection |= READ;
  if (!(protection & PROTECTION_OF_ACCESS[access])) {
    throw new SegmentationFaultError(va, ACCESS_NAMES[access], 'protection', space.name);
  }
  return i;
}

/** Why an address outside the space's range faults. */
function outsideCause(space: AddressSpace, va: number): 'non-canonical' | 'kernel-only' | 'unmapped' {
  const format = space.machine.pageTables.format;
  if (!format.isCanonical(va)) return 'non-canonical';
  if (space.mode === Mode.User && !(va >= 0 && va < format.userEnd)) return 'kernel-only';
  return 'unmapped';
}
