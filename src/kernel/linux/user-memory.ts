/**
 * Copying system-call arguments in and out of a process's memory, as copy_from_user and
 * copy_to_user do: through the process's own page tables, faulting pages in, and answering
 * -EFAULT instead of throwing when the program passed a bad pointer. Also the mapping from the
 * VM's typed errors to the errno a system call returns.
 */
import {
  AddressRangeError,
  AlignmentError,
  InvalidArgumentError,
  LimitError,
  NotAllocatedError,
  OutOfMemoryError,
} from '../../common/errors.js';
import type { AddressSpace } from '../../vm/address-space.js';
import { ProtectionError, SegmentationFaultError } from '../../vm/errors.js';
import { Errno } from './errno.js';

/** Linux's PATH_MAX: the longest path a system call reads. */
export const PATH_MAX = 4096;

/** The bytes at [va, va + length), or undefined when the program may not read them all. */
export function readUser(space: AddressSpace, va: number, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  try {
    space.read(va, out);
  } catch (error) {
    if (isUserFault(error)) return undefined;
    throw error;
  }
  return out;
}

/** Writes `bytes` at `va`; false when the program may not write there. */
export function writeUser(space: AddressSpace, va: number, bytes: Uint8Array): boolean {
  try {
    space.write(va, bytes);
  } catch (error) {
    if (isUserFault(error)) return false;
    throw error;
  }
  return true;
}

/** A NUL-terminated string at `va` (at most PATH_MAX bytes), or undefined for a bad pointer. */
export function readUserString(space: AddressSpace, va: number): string | undefined {
  const collected: number[] = [];
  let at = va;
  while (collected.length < PATH_MAX) {
    const chunk = Math.min(PATH_MAX - collected.length, 4096 - (at % 4096));
    const bytes = readUser(space, at, chunk);
    if (!bytes) return undefined;
    const end = bytes.indexOf(0);
    if (end >= 0) {
      for (let k = 0; k < end; k++) collected.push(bytes[k]);
      return new TextDecoder().decode(Uint8Array.from(collected));
    }
    for (const b of bytes) collected.push(b);
    at += chunk;
  }
  return undefined;
}

/** Whether an error is a bad user pointer (the call answers -EFAULT). */
function isUserFault(error: unknown): boolean {
  return (
    error instanceof SegmentationFaultError ||
    error instanceof AddressRangeError ||
    error instanceof AlignmentError
  );
}

/** The negated errno a VM error becomes in a system call's result; rethrows anything else. */
export function errnoOf(error: unknown): number {
  if (error instanceof OutOfMemoryError || error instanceof LimitError) return -Errno.ENOMEM;
  if (error instanceof NotAllocatedError) return -Errno.ENOMEM;
  if (error instanceof ProtectionError) return -Errno.EACCES;
  if (error instanceof SegmentationFaultError) return -Errno.EFAULT;
  if (
    error instanceof AddressRangeError ||
    error instanceof AlignmentError ||
    error instanceof InvalidArgumentError
  ) {
    return -Errno.EINVAL;
  }
  throw error;
}
