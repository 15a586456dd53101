/**
 * Second chance (the clock): the hand sweeps the frames in admission order; a frame whose
 * accessed bit is set gets it cleared (and its TLB entries dropped, so the next access sets it
 * again) and is passed over once; the first frame found with A clear is the victim.
 */
import type { PolicyName, ReferenceBits } from './replacement-policy.js';
import { RingPolicy } from './ring-policy.js';

export class ClockPolicy extends RingPolicy {
  readonly name: PolicyName = 'clock';
  readonly wantsEveryAccess = false;
  /** Frames passed over because their A bit was set, since creation (for reports). */
  secondChances = 0;

  /** The frame under the hand of `owner`'s ring (the machine's when negative): where the sweep starts. */
  hand(owner: number): number {
    return this.order.hand(owner);
  }

  override selectVictim(owner: number, bits: ReferenceBits): number {
    // One revolution clears every A bit, so the second one stops at the latest; the bound also
    // keeps a ReferenceBits that never clears from looping forever.
    const limit = 2 * this.order.size(owner);
    for (let step = 0; step < limit; step++) {
      const hand = this.order.hand(owner);
      if (!bits.testAndClearAccessed(hand)) return hand;
      this.secondChances++;
      this.order.advance(owner);
    }
    return this.order.hand(owner);
  }

  override clear(): void {
    super.clear();
    this.secondChances = 0;
  }
}
