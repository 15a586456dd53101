/**
 * The virtual memory layer's own errors. A segmentation fault is what a user access gets when no
 * region allows it; the kernel would deliver SIGSEGV, the model throws it to the caller.
 */
import { PageframeError } from '../common/errors.js';
import { hex } from '../common/format.js';

/**
 * Why an access was refused: no region, the region's protection, the kernel half from user mode,
 * or an address the format cannot express (outside the canonical range: above 4 GiB on i386,
 * bits 63:47 not all equal on x86-64, bits 63:39 on Sv39).
 */
export type SegmentationCause = 'unmapped' | 'protection' | 'kernel-only' | 'non-canonical';

export class SegmentationFaultError extends PageframeError {
  readonly address: number;
  override readonly cause: SegmentationCause;
  readonly access: 'read' | 'write' | 'execute';

  constructor(
    address: number,
    access: 'read' | 'write' | 'execute',
    cause: SegmentationCause,
    where: string,
  ) {
    const reason =
      cause === 'unmapped'
        ? 'no region maps it'
        : cause === 'protection'
          ? 'the region does not allow it'
          : cause === 'kernel-only'
            ? 'it is kernel memory, unreachable from user mode'
            : 'it is not a canonical address of this paging format';
    super('ESEGV', `segmentation fault: ${access} at ${hex(address)} in ${where}: ${reason}`);
    this.address = address;
    this.cause = cause;
    this.access = access;
  }
}

/** A protection the region may not have (write on a sealed range, write on read-only PHYS). */
export class ProtectionError extends PageframeError {
  constructor(message: string) {
    super('EPROT', message);
  }
}
