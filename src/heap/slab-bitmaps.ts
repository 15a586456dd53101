/**
 * Every slab's object bitmap, in one shared word array: a slab takes a segment of a power of two
 * of words (sized for its class), and a freed segment is kept for the next slab of the same
 * order. Used by the slab cache; the checker verifies that segments never overlap.
 */
import { grown, resized } from './grown.js';

/** Segment orders kept apart (a segment of order k holds 2^k words). */
export const SEGMENT_ORDERS = 16;
const INITIAL_WORDS = 256;
const INITIAL_FREE_SEGMENTS = 16;

export class SlabBitmaps {
  words = new Uint32Array(INITIAL_WORDS);
  /** Words below this were handed out at least once. */
  top = 0;
  /** Freed segments by order (their first words), `freeCount[order]` of each in use. */
  freeSegments: Int32Array[] = [];
  freeCount = new Int32Array(SEGMENT_ORDERS);
  /** Whether the last take() cut a new segment at the top (rather than reusing a freed one). */
  private tookTop = false;
  /** Words there were room for before the last take(). */
  private wordsBefore = INITIAL_WORDS;

  constructor() {
    for (let order = 0; order < SEGMENT_ORDERS; order++) this.freeSegments.push(new Int32Array(0));
  }

  /** A segment of 2^order words: a freed one of that size, or a new one at the top. */
  take(order: number): number {
    this.tookTop = this.freeCount[order] === 0;
    if (!this.tookTop) return this.freeSegments[order][--this.freeCount[order]];
    const size = 1 << order;
    this.wordsBefore = this.words.length;
    if (this.top + size > this.words.length)
      this.words = grown(this.words, Math.max(this.words.length * 2, this.top + size));
    const at = this.top;
    this.top += size;
    return at;
  }

  give(order: number, at: number): void {
    const count = this.freeCount[order];
    if (count === this.freeSegments[order].length)
      this.freeSegments[order] = grown(this.freeSegments[order], Math.max(INITIAL_FREE_SEGMENTS, count * 2));
    this.freeSegments[order][count] = at;
    this.freeCount[order] = count + 1;
  }

  /** Takes back the segment the last take() returned, exactly as it was before (an allocation undone). */
  untake(order: number, at: number): void {
    if (this.tookTop) {
      this.top = at;
      if (this.words.length !== this.wordsBefore) this.words = resized(this.words, this.wordsBefore);
    } else this.freeSegments[order][this.freeCount[order]++] = at;
  }

  get byteLength(): number {
    let total = this.words.byteLength + this.freeCount.byteLength;
    for (const segments of this.freeSegments) total += segments.byteLength;
    return total;
  }

  copyFrom(other: SlabBitmaps): void {
    this.words = other.words.slice();
    this.top = other.top;
    this.freeSegments = other.freeSegments.map((segments) => segments.slice());
    this.freeCount = other.freeCount.slice();
  }
}
