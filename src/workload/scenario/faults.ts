/**
 * Page faults in the scenario's words: which failures are faults, and their cause.
 */
import type { PageframeError } from '../../common/errors.js';
import { NonCanonicalAddressError } from '../../mmu/errors.js';
import { SegmentationFaultError } from '../../vm/errors.js';
import type { FaultCauseName } from './ast.js';

/** Half the virtual address space of each format: canonical addresses lie in [-half, half). */
const CANONICAL_HALF: Record<string, number> = { 'x86-64': 2 ** 47, sv39: 2 ** 38 };

export function isCanonical(address: number, paging: string): boolean {
  const half = CANONICAL_HALF[paging];
  return half === undefined ? address >= 0 && address < 2 ** 32 : address >= -half && address < half;
}

/**
 * The cause of a fault, in the scenario's words; undefined for an error that is not a fault.
 * The vm calls any address outside the user half kernel-only; one the format cannot even express
 * is named non-canonical here, as the hardware would.
 */
export function faultCauseOf(error: PageframeError, paging = 'i386'): FaultCauseName | undefined {
  if (error instanceof SegmentationFaultError) {
    if (error.cause === 'kernel-only' && !isCanonical(error.address, paging)) return 'non-canonical';
    if (error.cause === 'unmapped') return 'not-mapped';
    return error.cause === 'protection' ? 'protection' : 'privilege';
  }
  if (error instanceof NonCanonicalAddressError) return 'non-canonical';
  return undefined;
}
