/**
 * Sets of frames, one per set id, each a dense array with O(1) add, remove and i-th member (a
 * uniform draw). A frame is in at most one set of a FrameSets. Used by the random policy.
 */
import { InvalidArgumentError } from '../../common/errors.js';

const NONE = -1;

export class FrameSets {
  /** Index of each frame in its set's member array, or -1. */
  private readonly indexOf: Int32Array;
  private readonly setOf: Int32Array;
  private members: Int32Array[] = [];
  private sizes: number[] = [];

  constructor(frameCount: number) {
    this.indexOf = new Int32Array(frameCount).fill(NONE);
    this.setOf = new Int32Array(frameCount).fill(NONE);
  }

  size(set: number): number {
    return this.sizes[set] ?? 0;
  }

  /** The `index`-th member of `set` (order changes as frames leave). */
  member(set: number, index: number): number {
    return this.members[set][index];
  }

  add(set: number, pfn: number): void {
    if (this.setOf[pfn] !== NONE)
      throw new InvalidArgumentError(`frame ${pfn} is already tracked by the policy`);
    let members = this.members[set];
    const size = this.sizes[set] ?? 0;
    if (members === undefined || size === members.length) {
      const grown = new Int32Array(Math.max(16, size * 2));
      if (members !== undefined) grown.set(members);
      members = grown;
      this.members[set] = grown;
    }
    members[size] = pfn;
    this.sizes[set] = size + 1;
    this.indexOf[pfn] = size;
    this.setOf[pfn] = set;
  }

  remove(pfn: number): void {
    const set = this.setOf[pfn];
    if (set === NONE) return;
    const members = this.members[set];
    const last = this.sizes[set] - 1;
    const at = this.indexOf[pfn];
    const moved = members[last];
    members[at] = moved;
    this.indexOf[moved] = at;
    this.sizes[set] = last;
    this.indexOf[pfn] = NONE;
    this.setOf[pfn] = NONE;
  }

  clear(): void {
    this.indexOf.fill(NONE);
    this.setOf.fill(NONE);
    this.sizes = [];
  }
}
