/**
 * Typed errors shared by every layer. Each kernel operation checks before it changes anything,
 * so a thrown PageframeError always means "nothing happened": the machine is as it was.
 *
 * Layers add their own subclasses next to the code that throws them; these are the ones more
 * than one layer needs. `code` is stable and machine-readable (scenarios match on it).
 */
export class PageframeError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An argument is malformed: a count of 0, a size that overflows, an unknown option. */
export class InvalidArgumentError extends PageframeError {
  constructor(message: string) {
    super('EINVAL', message);
  }
}

/** An address is not aligned to what the operation needs. */
export class AlignmentError extends PageframeError {
  constructor(message: string) {
    super('EALIGN', message);
  }
}

/** An address or range lies outside what the operation may touch (outside RAM, outside user space). */
export class AddressRangeError extends PageframeError {
  constructor(message: string) {
    super('ERANGE', message);
  }
}

/** No memory (frames, virtual space, table entries) is left to satisfy the request. */
export class OutOfMemoryError extends PageframeError {
  constructor(message: string) {
    super('ENOMEM', message);
  }
}

/** Something is freed that is already free. */
export class DoubleFreeError extends PageframeError {
  constructor(message: string) {
    super('EDOUBLEFREE', message);
  }
}

/** Something is freed or used that was never handed out (or is reserved). */
export class NotAllocatedError extends PageframeError {
  constructor(message: string) {
    super('ENOTALLOC', message);
  }
}

/** The requested resource exists but is in use (allocAt over used frames, a map over a mapping). */
export class BusyError extends PageframeError {
  constructor(message: string) {
    super('EBUSY', message);
  }
}

/** A limit was reached: region table, process table, mailbox. */
export class LimitError extends PageframeError {
  constructor(message: string) {
    super('ELIMIT', message);
  }
}

/** The invariant checker found the machine in a state that must never happen: a bug in pageframe. */
export class InvariantError extends PageframeError {
  constructor(message: string) {
    super('EINVARIANT', message);
  }
}
