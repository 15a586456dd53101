/**
 * Aging: a history byte per frame, shifted right on each sweep with the frame's accessed bit
 * entering at the top (and A cleared), so recent use weighs most; the victim is the frame with
 * the smallest history, the oldest admitted among equals. An approximation of LRU from A bits alone.
 */
import type { PolicyName, ReferenceBits, ReplacementPolicy } from './replacement-policy.js';
import { ScopedRings } from './scoped-rings.js';

export class AgingPolicy implements ReplacementPolicy {
  readonly name: PolicyName = 'aging';
  readonly wantsEveryAccess = false;
  private readonly order: ScopedRings;
  /** The A-bit history of each frame, newest sweep in bit 7. */
  readonly history: Uint8Array;

  constructor(frameCount: number) {
    this.order = new ScopedRings(frameCount);
    this.history = new Uint8Array(frameCount);
  }

  admit(pfn: number, owner: number): void {
    this.order.insert(pfn, owner);
    this.history[pfn] = 0;
  }

  remove(pfn: number): void {
    this.order.remove(pfn);
  }

  touch(_pfn: number, _nextUse: number): void {}

  /** Sweeps `owner`'s frames (the machine's when negative): one shift of every history there. */
  sweep(owner: number, bits: ReferenceBits): void {
    let pfn = this.order.hand(owner);
    for (let left = this.order.size(owner); left > 0; left--) {
      const accessed = bits.testAndClearAccessed(pfn) ? 0x80 : 0;
      this.history[pfn] = (this.history[pfn] >>> 1) | accessed;
      pfn = this.order.after(owner, pfn);
    }
  }

  selectVictim(owner: number, bits: ReferenceBits): number {
    this.sweep(owner, bits);
    let victim = -1;
    let lowest = 0x100;
    let pfn = this.order.hand(owner);
    for (let left = this.order.size(owner); left > 0; left--) {
      if (this.history[pfn] < lowest) {
        lowest = this.history[pfn];
        victim = pfn;
      }
      pfn = this.order.after(owner, pfn);
    }
    return victim;
  }

  clear(): void {
    this.order.clear();
    this.history.fill(0);
  }
}
