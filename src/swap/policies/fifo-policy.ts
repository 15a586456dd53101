/**
 * First in, first out: the victim is the frame resident longest, whatever its use. The baseline
 * every other policy is compared with, and the one that shows Belady's anomaly.
 */
import type { PolicyName, ReferenceBits, ReplacementPolicy } from './replacement-policy.js';
import { ScopedRings } from './scoped-rings.js';

export class FifoPolicy implements ReplacementPolicy {
  readonly name: PolicyName = 'fifo';
  readonly wantsEveryAccess = false;
  private readonly order: ScopedRings;

  constructor(frameCount: number) {
    this.order = new ScopedRings(frameCount);
  }

  admit(pfn: number, owner: number): void {
    this.order.insert(pfn, owner);
  }

  remove(pfn: number): void {
    this.order.remove(pfn);
  }

  touch(_pfn: number, _nextUse: number): void {}

  selectVictim(owner: number, _bits: ReferenceBits): number {
    return this.order.hand(owner);
  }

  clear(): void {
    this.order.clear();
  }
}
