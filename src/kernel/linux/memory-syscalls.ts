/**
 * The memory system calls, served by the VM's address space: brk, mmap (anonymous, private or
 * shared, fixed or hinted, PROT_NONE), munmap and mprotect on any page range (regions split and
 * merge as Linux's VMAs do), mremap (shrink, grow in place, move), madvise(MADV_DONTNEED).
 * Each returns the result or a negated errno; a refused call changes nothing.
 */
import type { AddressSpace } from '../../vm/address-space.js';
import { PAGE_SIZE } from '../../vm/region-map.js';
import { RegionFlag, RegionType } from '../../vm/region-types.js';
import { Errno } from './errno.js';
import type { LinuxProcess } from './linux-process.js';
import { errnoOf } from './user-memory.js';

export const MapFlag = {
  Shared: 0x01,
  Private: 0x02,
  Fixed: 0x10,
  Anonymous: 0x20,
  FixedNoReplace: 0x100000,
} as const;
const PROT_ALL = 7;
const MREMAP_MAYMOVE = 1;
const MREMAP_FIXED = 2;
const MADV_DONTNEED = 4;
/** Where mmap looks for room when given no address: far above the break, far below the stack. */
export const MMAP_BASE = 0x20_0000_0000;

/** brk(2): moves the break; returns the new break, or the old one when it cannot move. */
export function brk(self: LinuxProcess, space: AddressSpace, requested: number): number {
  const current = self.breakEnd;
  if (requested < self.breakStart || requested === current) return current;
  const oldTop = pageUp(current);
  const newTop = pageUp(requested);
  if (!Number.isSafeInteger(newTop) || newTop > space.end) return current;
  try {
    if (newTop > oldTop) {
      if (!space.regions.isFree(oldTop, newTop)) return current;
      space.mapAnon(newTop - oldTop, { at: oldTop, name: '[heap]' });
    } else if (newTop < oldTop) {
      space.unmap(newTop, oldTop - newTop);
    }
  } catch (error) {
    errnoOf(error); // rethrows what is no refusal
    return current;
  }
  self.breakEnd = requested;
  return requested;
}

/** mmap(2) of anonymous memory. File mappings are refused with ENODEV (files are read with read). */
export function mmap(
  space: AddressSpace,
  address: number,
  length: number,
  protection: number,
  flags: number,
): number {
  if (length === 0 || !Number.isSafeInteger(length) || (protection & ~PROT_ALL) !== 0) return -Errno.EINVAL;
  const sharing = flags & (MapFlag.Shared | MapFlag.Private);
  if (sharing === 0 || sharing === (MapFlag.Shared | MapFlag.Private)) return -Errno.EINVAL;
  if (!(flags & MapFlag.Anonymous)) return -Errno.ENODEV;
  const bytes = pageUp(length);
  const options = {
    protection,
    flags: sharing === MapFlag.Shared ? RegionFlag.Shared : 0,
    name: '',
  };
  const fixed = (flags & (MapFlag.Fixed | MapFlag.FixedNoReplace)) !== 0;
  try {
    if (!fixed)
      return space.mapAnon(bytes, { ...options, hint: address !== 0 ? pageDown(address) : MMAP_BASE });
    if (address % PAGE_SIZE !== 0 || address + bytes > space.end || address < space.start)
      return -Errno.EINVAL;
    if (!space.regions.isFree(address, address + bytes)) {
      if (flags & MapFlag.FixedNoReplace) return -Errno.EEXIST;
      space.unmap(address, bytes); // MAP_FIXED replaces what was there
    }
    return space.mapAnon(bytes, { ...options, at: address });
  } catch (error) {
    return errnoOf(error);
  }
}

/** munmap(2): any page range; unmapped parts are allowed. */
export function munmap(space: AddressSpace, address: number, length: number): number {
  if (address % PAGE_SIZE !== 0 || length === 0) return -Errno.EINVAL;
  try {
    space.unmap(address, pageUp(length));
  } catch (error) {
    return errnoOf(error);
  }
  return 0;
}

/** mprotect(2): every page of the range must be mapped (else ENOMEM, as Linux answers). */
export function mprotect(space: AddressSpace, address: number, length: number, protection: number): number {
  if (address % PAGE_SIZE !== 0 || (protection & ~PROT_ALL) !== 0) return -Errno.EINVAL;
  if (length === 0) return 0;
  try {
    space.protect(address, pageUp(length), protection);
  } catch (error) {
    return errnoOf(error);
  }
  return 0;
}

/**
 * mremap(2): shrink in place, grow in place when the pages after are free, else (MREMAP_MAYMOVE)
 * move the pages without copying them (detach and attach their frames) and add the new tail.
 */
export function mremap(
  space: AddressSpace,
  oldAddress: number,
  oldLength: number,
  newLength: number,
  flags: number,
): number {
  if (oldAddress % PAGE_SIZE !== 0 || newLength === 0 || flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) {
    return -Errno.EINVAL;
  }
  if (flags & MREMAP_FIXED) return -Errno.EINVAL;
  const oldBytes = pageUp(oldLength);
  const newBytes = pageUp(newLength);
  const regions = space.regions;
  const index = regions.find(oldAddress);
  if (
    index < 0 ||
    regions.type(index) !== RegionType.Anon ||
    regions.ceiling(index) < oldAddress + oldBytes
  ) {
    return -Errno.EFAULT;
  }
  const attributes = {
    protection: regions.protection(index),
    flags: regions.flags(index),
    name: regions.name(index),
  };
  try {
    if (newBytes <= oldBytes) {
      if (newBytes < oldBytes) space.unmap(oldAddress + newBytes, oldBytes - newBytes);
      return oldAddress;
    }
    const tail = oldAddress + oldBytes;
    if (tail + newBytes - oldBytes <= space.end && regions.isFree(tail, oldAddress + newBytes)) {
      space.mapAnon(newBytes - oldBytes, { ...attributes, at: tail });
      return oldAddress;
    }
    if (!(flags & MREMAP_MAYMOVE)) return -Errno.ENOMEM;
    const target = regions.findFree(newBytes, PAGE_SIZE, MMAP_BASE);
    if (target < 0) return -Errno.ENOMEM;
    const pages = space.detachPages(oldAddress, oldBytes);
    try {
      space.attachPages(pages, { ...attributes, at: target });
    } catch (error) {
      space.attachPages(pages, { ...attributes, at: oldAddress });
      throw error;
    }
    space.mapAnon(newBytes - oldBytes, { ...attributes, at: target + oldBytes });
    return target;
  } catch (error) {
    return errnoOf(error);
  }
}

/**
 * madvise(2). MADV_DONTNEED drops the private pages of the range (the next touch finds zeros);
 * shared pages keep their contents, as Linux refetches them from the shared object. Other advice
 * is accepted and changes nothing.
 */
export function madvise(space: AddressSpace, address: number, length: number, advice: number): number {
  if (address % PAGE_SIZE !== 0) return -Errno.EINVAL;
  const end = address + pageUp(length);
  if (length === 0) return 0;
  if (!space.regions.isFullyUsed(address, end)) return -Errno.ENOMEM;
  if (advice !== MADV_DONTNEED) return 0;
  const regions = space.regions;
  const pieces: { base: number; ceiling: number; protection: number; flags: number; name: string }[] = [];
  for (let i = regions.find(address); i < regions.count && regions.base(i) < end; i++) {
    if (regions.type(i) !== RegionType.Anon || regions.flags(i) & RegionFlag.Shared) continue;
    pieces.push({
      base: Math.max(address, regions.base(i)),
      ceiling: Math.min(end, regions.ceiling(i)),
      protection: regions.protection(i),
      flags: regions.flags(i),
      name: regions.name(i),
    });
  }
  try {
    for (const piece of pieces) {
      const { base, ceiling, protection, flags, name } = piece;
      space.unmap(base, ceiling - base);
      space.mapAnon(ceiling - base, { at: base, protection, flags, name });
    }
  } catch (error) {
    return errnoOf(error);
  }
  return 0;
}

function pageUp(value: number): number {
  return Math.ceil(value / PAGE_SIZE) * PAGE_SIZE;
}

function pageDown(value: number): number {
  return Math.floor(value / PAGE_SIZE) * PAGE_SIZE;
}
