/**
 * What FIFO, LRU and clock share: resident frames kept in admission order on rings (one for the
 * machine, one per owner, `ScopedRings`), the victim taken at a ring's hand. Each policy is this
 * plus what it does on an access or at the hand.
 */
import type { PolicyName, ReferenceBits, ReplacementPolicy } from './replacement-policy.js';
import { ScopedRings } from './scoped-rings.js';

export abstract class RingPolicy implements ReplacementPolicy {
  abstract readonly name: PolicyName;
  abstract readonly wantsEveryAccess: boolean;
  protected readonly order: ScopedRings;

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
