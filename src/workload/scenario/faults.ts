/**
 * Page faults in the scenario's words: which failures are faults, and their cause.
 */
import type { PageframeError } from '../../common/errors.js';
import { NonCanonicalAddressError } from '../../mmu/errors.js';
import { SegmentationFaultError } from '../../vm/errors.js';
import type { FaultCauseName } from './ast.js';

/** The scenario's name of each cause the vm reports. */
const CAUSE_NAMES: Record<SegmentationFaultError['cause'], FaultCauseName> = {
  unmapped: 'not-mapped',
  protection: 'protection',
  'kernel-only': 'privilege',
  'non-canonical': 'non-canonical',
};

/** The cause of a fault, in the scenario's words; undefined for an error that is not a fault. */
export function faultCauseOf(error: PageframeError): FaultCauseName | undefined {
  if (error instanceof SegmentationFaultError) return CAUSE_NAMES[error.cause];
  if (error instanceof NonCanonicalAddressError) return 'non-canonical';
  return undefined;
}
