/**
 * Which errors of a space mean "no memory" (the heap then returns 0 or keeps what it could not
 * give back) rather than a bug. Used by the area pool, the large blocks and calloc.
 */
import { OutOfMemoryError, PageframeError } from '../common/errors.js';

/** OutOfMemoryError, or a limit the space reached (the region limit: code ELIMIT). */
export function isOutOfMemory(error: unknown): boolean {
  return error instanceof OutOfMemoryError || (error instanceof PageframeError && error.code === 'ELIMIT');
}
