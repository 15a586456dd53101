/**
 * The region map's index of free space: a max segment tree over the map's slots holding each
 * FREE region's size (0 for a used one), so first fit finds the leftmost large-enough gap in
 * O(log n) without scanning regions. RegionMap refreshes it over the slots a splice shifted.
 */
/** What leftmost() returns when no gap is large enough. */
export const NO_GAP = -1;

export class GapTree {
  /** Leaves at [leaves, 2 * leaves), one per slot; node k holds the larger of 2k and 2k + 1. */
  private readonly tree: Float64Array;
  private readonly leaves: number;

  constructor(slots: number) {
    let leaves = 1;
    while (leaves < slots) leaves *= 2;
    this.leaves = leaves;
    this.tree = new Float64Array(2 * leaves);
  }

  /** The gap recorded for `slot`. */
  gap(slot: number): number {
    return this.tree[this.leaves + slot];
  }

  /** Records the gap of one slot; propagate() then brings the nodes above it up to date. */
  setGap(slot: number, size: number): void {
    this.tree[this.leaves + slot] = size;
  }

  /** Refreshes the nodes above slots [fromSlot, toSlot), level by level. */
  propagate(fromSlot: number, toSlot: number): void {
    const tree = this.tree;
    let first = (this.leaves + fromSlot) >>> 1;
    let last = (this.leaves + toSlot - 1) >>> 1;
    while (first >= 1) {
      for (let node = first; node <= last; node++) tree[node] = Math.max(tree[2 * node], tree[2 * node + 1]);
      if (first === 1) break;
      first >>>= 1;
      last >>>= 1;
    }
  }

  /** The leftmost slot >= from whose gap is at least `size`, or NO_GAP. */
  leftmost(from: number, size: number): number {
    return this.descend(1, 0, this.leaves, from, size);
  }

  /** Calls `fail` unless the slots from `count` on are empty and every node is the max of its children. */
  check(count: number, fail: (message: string) => never): void {
    for (let slot = count; slot < this.leaves; slot++) {
      if (this.gap(slot) !== 0) fail(`gap index slot ${slot} beyond the count is not empty`);
    }
    for (let node = this.leaves - 1; node >= 1; node--) {
      if (this.tree[node] !== Math.max(this.tree[2 * node], this.tree[2 * node + 1]))
        fail(`gap index node ${node} disagrees with its children`);
    }
  }

  private descend(node: number, first: number, end: number, from: number, size: number): number {
    if (end <= from || this.tree[node] < size) return NO_GAP;
    if (end - first === 1) return first;
    const middle = (first + end) >>> 1;
    const left = this.descend(2 * node, first, middle, from, size);
    return left !== NO_GAP ? left : this.descend(2 * node + 1, middle, end, from, size);
  }
}
