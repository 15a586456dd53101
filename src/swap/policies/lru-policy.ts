/**
 * Exact least-recently-used: every access moves its frame to the newest end of its rings (O(1),
 * a doubly linked list in typed arrays), and the victim is the oldest. Needs every access, so it
 * runs exactly only under trace replay; the VM alone tells it about faults.
 */
import type { PolicyName, ReferenceBits, ReplacementPolicy } from './replacement-policy.js';
import { ScopedRings } from './scoped-rings.js';

export class LruPolicy implements ReplacementPolicy {
  readonly name: PolicyName = 'lru';
  readonly wantsEveryAccess = true;
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

  touch(pfn: number, _nextUse: number): void {
    this.order.moveToNewest(pfn);
  }

  selectVictim(owner: number, _bits: ReferenceBits): number {
    return this.order.hand(owner);
  }

  clear(): void {
    this.order.clear();
  }
}
