/**
 * Argument checks shared by the AddressSpace operations: sizes, page-aligned ranges inside the
 * space, protections and buffers. Each throws a typed error naming the operation, before
 * anything changes.
 */
import { AddressRangeError, AlignmentError, InvalidArgumentError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { Mode } from '../mmu/flags.js';
import type { AddressSpace } from './address-space.js';
import { PAGE_SIZE } from './region-map.js';
import { Protection } from './region-types.js';

// A module-local copy for pageOffset, on the fault path: V8 does not fold an imported binding, and
// a modulo by a constant power of two is a mask where one by a loaded value is a division.
const PAGE_BYTES = PAGE_SIZE;

export function checkBytes(bytes: number, operation: string): void {
  if (!Number.isInteger(bytes) || bytes <= 0)
    throw new InvalidArgumentError(`${operation}: size ${bytes} must be a positive integer`);
  if (bytes % PAGE_SIZE !== 0)
    throw new AlignmentError(`${operation}: size ${bytes} is not a multiple of ${PAGE_SIZE}`);
}

export function checkPageAligned(va: number, operation: string): void {
  if (!Number.isInteger(va) || va % PAGE_SIZE !== 0)
    throw new AlignmentError(`${operation}: ${hex(va)} is not page-aligned`);
}

/** A page-aligned, non-empty range inside the space. */
export function checkRange(space: AddressSpace, va: number, bytes: number, operation: string): void {
  checkBytes(bytes, operation);
  checkPageAligned(va, operation);
  if (!(va >= space.start && va + bytes <= space.end)) {
    throw new AddressRangeError(
      `${operation}: ${hex(va)}..${hex(va + bytes)} is outside ${space.name}'s range ${hex(space.start)}..${hex(space.end)}`,
    );
  }
}

export function checkProtection(space: AddressSpace, protection: number): void {
  if (!Number.isInteger(protection) || protection < 0 || protection > Protection.All) {
    throw new InvalidArgumentError(`protection ${protection} is not a combination of read, write, execute`);
  }
  if (space.mode === Mode.Kernel && protection === Protection.None) {
    throw new InvalidArgumentError('kernel memory cannot be PROT_NONE');
  }
}

export function checkBuffer(buffer: Uint8Array, offset: number, length: number, operation: string): void {
  if (
    !Number.isInteger(offset) ||
    !Number.isInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > buffer.length
  ) {
    throw new InvalidArgumentError(
      `${operation}: offset ${offset} and length ${length} do not fit a buffer of ${buffer.length}`,
    );
  }
}

export function checkCount(length: number, operation: string): void {
  if (!Number.isInteger(length) || length < 0)
    throw new InvalidArgumentError(`${operation}: length ${length} is not a count`);
}

/** The page count of vpm_alloc, in bytes. */
export function pageCountBytes(count: number): number {
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError(`vpm_alloc: page count ${count} must be a positive integer`);
  }
  return count * PAGE_SIZE;
}

/** The offset of `va` in its page (also for the negative addresses of a sign-extended kernel half). */
export function pageOffset(va: number): number {
  return ((va % PAGE_BYTES) + PAGE_BYTES) % PAGE_BYTES;
}
