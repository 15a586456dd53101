/**
 * The heap's own error kinds. Double free, an address never handed out and out of memory reuse
 * the shared kinds of src/common/errors.ts (DoubleFreeError, NotAllocatedError,
 * OutOfMemoryError, InvalidArgumentError); these two name mistakes only a heap can see.
 */
import { PageframeError } from '../common/errors.js';

/** An address inside a live block that is not the block's start (free or realloc of p + 8). */
export class InteriorPointerError extends PageframeError {
  constructor(message: string) {
    super('EINTERIOR', message);
  }
}

/** A block that was freed is used again: realloc or usableSize of a freed block. */
export class FreedBlockError extends PageframeError {
  constructor(message: string) {
    super('EFREED', message);
  }
}
