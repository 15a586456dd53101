/**
 * Circular doubly linked lists of frames in typed arrays, one per ring id, each with a hand: the
 * order FIFO, LRU, clock and aging keep. A frame is in at most one ring of a FrameRings.
 */
import { InvalidArgumentError } from '../../common/errors.js';

const NONE = -1;

/**
 * The hand of a ring points at its oldest frame; a frame inserted "behind the hand" becomes the
 * newest, the last one the hand reaches. Removing the frame under the hand moves the hand on.
 * Ring ids are small integers (0 for the machine-wide ring, owner ids for per-owner rings); the
 * per-ring arrays grow on demand so a policy pays nothing for owners that never show up.
 */
export class FrameRings {
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  /** Ring id of each frame, or -1 when the frame is in none. */
  private readonly ringOf: Int32Array;
  private hands: Int32Array;
  private sizes: Int32Array;

  constructor(frameCount: number) {
    this.next = new Int32Array(frameCount);
    this.prev = new Int32Array(frameCount);
    this.ringOf = new Int32Array(frameCount).fill(NONE);
    this.hands = new Int32Array(1).fill(NONE);
    this.sizes = new Int32Array(1);
  }

  /** Whether frame `pfn` is in some ring. */
  has(pfn: number): boolean {
    return this.ringOf[pfn] !== NONE;
  }

  /** The frame under ring `ring`'s hand (its oldest), or -1 when the ring is empty. */
  hand(ring: number): number {
    return ring < this.hands.length ? this.hands[ring] : NONE;
  }

  /** How many frames ring `ring` holds. */
  size(ring: number): number {
    return ring < this.sizes.length ? this.sizes[ring] : 0;
  }

  /** The frame after `pfn` in its ring (the next one the hand reaches). */
  after(pfn: number): number {
    return this.next[pfn];
  }

  /** Moves ring `ring`'s hand one frame on. */
  advance(ring: number): void {
    const hand = this.hands[ring];
    if (hand !== NONE) this.hands[ring] = this.next[hand];
  }

  /** Puts frame `pfn` into ring `ring` as its newest frame. */
  insert(ring: number, pfn: number): void {
    if (this.ringOf[pfn] !== NONE)
      throw new InvalidArgumentError(`frame ${pfn} is already tracked by the policy`);
    if (ring >= this.hands.length) this.grow(ring);
    this.ringOf[pfn] = ring;
    this.sizes[ring]++;
    const hand = this.hands[ring];
    if (hand === NONE) {
      this.next[pfn] = pfn;
      this.prev[pfn] = pfn;
      this.hands[ring] = pfn;
      return;
    }
    const newest = this.prev[hand];
    this.next[newest] = pfn;
    this.prev[pfn] = newest;
    this.next[pfn] = hand;
    this.prev[hand] = pfn;
  }

  /** Takes frame `pfn` out of its ring; a frame in no ring is left alone. */
  remove(pfn: number): void {
    const ring = this.ringOf[pfn];
    if (ring === NONE) return;
    this.ringOf[pfn] = NONE;
    this.sizes[ring]--;
    const after = this.next[pfn];
    if (after === pfn) {
      this.hands[ring] = NONE;
      return;
    }
    const before = this.prev[pfn];
    this.next[before] = after;
    this.prev[after] = before;
    if (this.hands[ring] === pfn) this.hands[ring] = after;
  }

  /** Makes frame `pfn` the newest of its ring (an LRU touch); O(1). */
  moveToNewest(pfn: number): void {
    const ring = this.ringOf[pfn];
    if (ring === NONE) return;
    const hand = this.hands[ring];
    if (pfn === hand) {
      // The oldest becomes the newest by moving the hand past it: the ring order is unchanged.
      this.hands[ring] = this.next[pfn];
      return;
    }
    if (this.prev[hand] === pfn) return;
    const before = this.prev[pfn];
    const after = this.next[pfn];
    this.next[before] = after;
    this.prev[after] = before;
    const newest = this.prev[hand];
    this.next[newest] = pfn;
    this.prev[pfn] = newest;
    this.next[pfn] = hand;
    this.prev[hand] = pfn;
  }

  /** Empties every ring. */
  clear(): void {
    this.ringOf.fill(NONE);
    this.hands.fill(NONE);
    this.sizes.fill(0);
  }

  private grow(ring: number): void {
    let length = this.hands.length;
    while (length <= ring) length *= 2;
    const hands = new Int32Array(length).fill(NONE);
    hands.set(this.hands);
    const sizes = new Int32Array(length);
    sizes.set(this.sizes);
    this.hands = hands;
    this.sizes = sizes;
  }
}
