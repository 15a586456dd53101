/**
 * mprotect and seal: the regions change first (all or nothing under the region limit), then
 * the entries of the present pages are rewritten from their regions and invalidated.
 */
import { NotAllocatedError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { PERMISSION_FLAGS } from '../mmu/flags.js';
import type { AddressSpace } from './address-space.js';
import { ProtectionError } from './errors.js';
import { PAGE_SIZE } from './region-map.js';
import { Protection, RegionFlag, RegionType } from './region-types.js';
import { checkProtection, checkRange } from './space-arguments.js';

/** mprotect: every page of [va, va + bytes) must be mapped. Sealed ranges never regain Write. */
export function protectRange(space: AddressSpace, va: number, bytes: number, protection: number): void {
  checkRange(space, va, bytes, 'protect');
  checkProtection(space, protection);
  const end = va + bytes;
  const regions = space.regions;
  for (let i = regions.find(va); i < regions.count && regions.base(i) < end; i++) {
    const at = hex(Math.max(va, regions.base(i)));
    if (regions.type(i) === RegionType.Free)
      throw new NotAllocatedError(`protect ${hex(va)}..${hex(end)} in ${space.name}: ${at} is not mapped`);
    if (regions.flags(i) & RegionFlag.Sealed && protection & Protection.Write)
      throw new ProtectionError(
        `protect ${hex(va)}..${hex(end)} in ${space.name}: ${at} is sealed read-only`,
      );
  }
  regions.protect(va, end, protection); // LimitError: nothing changed
  refreshEntries(space, va, end);
}

/** Makes [va, va + bytes) irrevocably read-only: Write goes now and can never return. */
export function sealRange(space: AddressSpace, va: number, bytes: number): void {
  checkRange(space, va, bytes, 'seal');
  const end = va + bytes;
  if (!space.regions.isFullyUsed(va, end)) {
    throw new NotAllocatedError(
      `seal ${hex(va)}..${hex(end)} in ${space.name}: part of the range is not mapped`,
    );
  }
  space.regions.modify(va, end, RegionFlag.Sealed, Protection.Write); // LimitError: nothing changed
  refreshEntries(space, va, end);
}

/**
 * Rewrites the entries of the present pages of [start, end) from their regions. A private page
 * stays read-only while its frame has other holders (copy-on-write).
 */
function refreshEntries(space: AddressSpace, start: number, end: number): void {
  const pages = presentPages(space, start, end);
  const { pageTables, frameTable } = space.machine;
  const regions = space.regions;
  let i = regions.find(start);
  for (let k = 0; k < pages.length; k += 3) {
    const va = pages[k];
    while (regions.ceiling(i) <= va) i++;
    const writable =
      regions.type(i) === RegionType.Phys ||
      (regions.flags(i) & RegionFlag.Shared) !== 0 ||
      (frameTable.refCount[pages[k + 1] / PAGE_SIZE] === 1 &&
        !(space.swap?.isSlotShared(pages[k + 1] / PAGE_SIZE) ?? false));
    const flags = space.entryFlags.of(regions.protection(i), writable);
    if (flags !== pages[k + 2]) {
      pageTables.protect(space.root, va, flags);
      space.tlb.page(va);
    }
  }
}

/** (va, pa, permission flags) triples of the present pages of [start, end). */
function presentPages(space: AddressSpace, start: number, end: number): number[] {
  const out: number[] = [];
  space.machine.pageTables.walkRange(space.root, start, end, (va, pa, _size, flags) => {
    out.push(va, pa, flags & PERMISSION_FLAGS);
  });
  return out;
}
