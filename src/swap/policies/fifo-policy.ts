/**
 * First in, first out: the victim is the frame resident longest, whatever its use. The baseline
 * every other policy is compared with, and the one that shows Belady's anomaly.
 */
import type { PolicyName } from './replacement-policy.js';
import { RingPolicy } from './ring-policy.js';

export class FifoPolicy extends RingPolicy {
  readonly name: PolicyName = 'fifo';
  readonly wantsEveryAccess = false;
}
