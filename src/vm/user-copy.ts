/**
 * Copy-in and copy-out: the kernel reading and writing a space's memory through its MMU, page
 * by page, as hardware would. Every byte is checked first; the pages are then faulted in under
 * a FaultLog, so that running out of memory halfway undoes them.
 */

import { InvalidArgumentError, InvariantError } from '../common/errors.js';
import { Access, FaultCause } from '../mmu/flags.js';
import { reportAccess } from './access-report.js';
import { ACCESS_NAMES, checkAllowed } from './access-rights.js';
import type { AddressSpace } from './address-space.js';
import { resolveFault } from './fault-handler.js';
import { FaultKind, type FaultLog } from './fault-log.js';
import { PAGE_SIZE } from './region-map.js';
import { pageOffset } from './space-arguments.js';

/**
 * Faults in every page of [va, va + length) for `access`, recording each fault in `log`. On any
 * error every fault in `log` is undone (also those of an earlier call sharing it) and the error
 * is thrown.
 */
export function faultIn(
  space: AddressSpace,
  va: number,
  length: number,
  access: Access,
  log: FaultLog,
): void {
  try {
    if (!Number.isInteger(va))
      throw new InvalidArgumentError(`${ACCESS_NAMES[access]}: address ${va} is not an integer`);
    const end = va + length;
    const regions = space.regions;
    for (let at = va; at < end; at = regions.ceiling(regions.find(at))) checkAllowed(space, at, access);
    space.activate();
    const mmu = space.machine.mmu;
    const swap = space.swap;
    for (let page = va - pageOffset(va); page < end; page += PAGE_SIZE) {
      let pa = mmu.translate(page, access, space.mode);
      if (pa < 0) {
        if (lacksKernelTable(space, page)) log.record(page, FaultKind.KernelTable, -1);
        const cause = mmu.faultCause;
        // A copy-on-write break keeps the entry: its undo must give back the A and D it had.
        const before = cause === FaultCause.Protection ? hardwareFlags(space, page) : 0;
        const at = resolveFault(space, page, regions.find(page), access, cause, log);
        if (cause === FaultCause.Protection) log.keepHardwareBits(before);
        // The frame a copy-on-write copy replaced is still mapped elsewhere: reclaim must not
        // take it meanwhile, or the undo would map a frame given back.
        if (swap !== null && log.replacedFrame >= 0) swap.keep(log.replacedFrame);
        pa = mmu.preload(page, access, space.mode, at);
      }
      // With swap, the page stays in RAM until the copy that faulted it in is done.
      if (swap !== null && pa >= 0) {
        swap.keep(pa);
        reportAccess(swap, pa);
      }
    }
  } catch (error) {
    log.rollback(space);
    throw error;
  }
}

const rootEntry = new Uint32Array(2);

/**
 * Whether `page` is in the kernel half with no table under the roots yet: the fault would make
 * one, shared by every root, which unmap keeps, so the log must give it back itself.
 */
function lacksKernelTable(space: AddressSpace, page: number): boolean {
  const pageTables = space.machine.pageTables;
  const format = pageTables.format;
  const index = format.indexOf(page, format.levels - 1);
  if (index < format.kernelRootIndex) return false;
  pageTables.readEntry(space.root, index, rootEntry);
  return !format.isPresent(rootEntry[0], rootEntry[1]);
}

/** The neutral flags of the present 4 KiB entry mapping `page` (a copy-on-write page). */
function hardwareFlags(space: AddressSpace, page: number): number {
  const leaf = space.leaf;
  return leaf.flagsAt(leaf.entryAddress(leaf.leafTableOf(space.root, page), page));
}

/** The physical address of `va` for `access`, which faultIn made resolvable. */
function translated(space: AddressSpace, va: number, access: Access): number {
  const mmu = space.machine.mmu;
  const pa = mmu.translate(va, access, space.mode);
  if (pa < 0)
    throw new InvariantError(`${space.name}: ${mmu.describeFault()} after the range was faulted in`);
  return pa;
}

/** Copy-out: `length` bytes at `va` into target[offset...]. */
export function copyOut(
  space: AddressSpace,
  va: number,
  target: Uint8Array,
  offset: number,
  length: number,
): void {
  copyPages(space, va, target, offset, length, Access.Read);
}

/** Copy-in: source[offset...] into `length` bytes at `va`. */
export function copyIn(
  space: AddressSpace,
  va: number,
  source: Uint8Array,
  offset: number,
  length: number,
): void {
  copyPages(space, va, source, offset, length, Access.Write);
}

/** Faults the whole range in (all or nothing), then copies it a page piece at a time. */
function copyPages(
  space: AddressSpace,
  va: number,
  bytes: Uint8Array,
  offset: number,
  length: number,
  access: typeof Access.Read | typeof Access.Write,
): void {
  space.faultLog.clear();
  faultIn(space, va, length, access, space.faultLog);
  space.faultLog.settle(space.machine.frames);
  const memory = space.machine.memory;
  for (let done = 0; done < length; ) {
    const at = va + done;
    const piece = Math.min(length - done, PAGE_SIZE - pageOffset(at));
    const pa = translated(space, at, access);
    if (access === Access.Write) memory.write(pa, bytes, offset + done, piece);
    else memory.read(pa, bytes, offset + done, piece);
    done += piece;
  }
}

/** memset: `length` bytes at `va` set to `value`. */
export function fillRange(space: AddressSpace, va: number, length: number, value: number): void {
  space.faultLog.clear();
  faultIn(space, va, length, Access.Write, space.faultLog);
  space.faultLog.settle(space.machine.frames);
  const memory = space.machine.memory;
  for (let done = 0; done < length; ) {
    const at = va + done;
    const piece = Math.min(length - done, PAGE_SIZE - pageOffset(at));
    memory.fill(translated(space, at, Access.Write), piece, value & 0xff);
    done += piece;
  }
}

/** memmove inside the space. */
export function moveWithin(space: AddressSpace, dstVa: number, srcVa: number, length: number): void {
  const log = space.faultLog;
  log.clear();
  faultIn(space, srcVa, length, Access.Read, log);
  faultIn(space, dstVa, length, Access.Write, log);
  log.settle(space.machine.frames);
  if (dstVa < srcVa + length && srcVa < dstVa + length) {
    const temporary = new Uint8Array(length);
    copyOut(space, srcVa, temporary, 0, length);
    copyIn(space, dstVa, temporary, 0, length);
    return;
  }
  const memory = space.machine.memory;
  for (let done = 0; done < length; ) {
    const src = srcVa + done;
    const dst = dstVa + done;
    const piece = Math.min(length - done, PAGE_SIZE - pageOffset(src), PAGE_SIZE - pageOffset(dst));
    memory.copy(translated(space, dst, Access.Write), translated(space, src, Access.Read), piece);
    done += piece;
  }
}
