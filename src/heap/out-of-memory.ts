/**
 * Which errors of a space mean "no memory" (the heap then returns 0 or keeps what it could not
 * give back) rather than a bug, and a release that may be refused. Used by the area pool, the
 * large blocks and calloc.
 */
import { OutOfMemoryError, PageframeError } from '../common/errors.js';
import type { HeapSpace } from './heap-space.js';

/** OutOfMemoryError, or a limit the space reached (the region limit: code ELIMIT). */
export function isOutOfMemory(error: unknown): boolean {
  return error instanceof OutOfMemoryError || (error instanceof PageframeError && error.code === 'ELIMIT');
}

/**
 * Gives [va, va + bytes) back to the space; false, with nothing changed, when the space refuses
 * (releasing the middle of merged heap memory splits a region, which the region limit can forbid).
 */
export function tryRelease(space: HeapSpace, va: number, bytes: number): boolean {
  try {
    space.release(va, bytes);
    return true;
  } catch (error) {
    if (isOutOfMemory(error)) return false;
    throw error;
  }
}
