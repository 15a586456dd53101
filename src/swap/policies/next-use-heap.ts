/**
 * A binary max-heap of frames keyed by their next use, with each frame's position kept so a key
 * can change in O(log n): OPT's victim, the frame needed furthest in the future, is on top.
 */

const NONE = -1;

/**
 * The keys and positions are arrays indexed by frame number shared with the owner (a frame is in
 * at most one heap per positions array); the item array grows on demand, so a heap per owner
 * costs only what that owner holds.
 */
export class NextUseHeap {
  private items: Int32Array;
  private count = 0;
  private readonly keys: Float64Array;
  private readonly positions: Int32Array;

  constructor(keys: Float64Array, positions: Int32Array, capacity: number) {
    this.keys = keys;
    this.positions = positions;
    this.items = new Int32Array(Math.max(capacity, 4));
  }

  get size(): number {
    return this.count;
  }

  /** The frame with the largest key, or -1 when empty. */
  top(): number {
    return this.count > 0 ? this.items[0] : NONE;
  }

  insert(pfn: number): void {
    if (this.count === this.items.length) {
      const items = new Int32Array(this.items.length * 2);
      items.set(this.items);
      this.items = items;
    }
    this.place(pfn, this.count);
    this.count++;
    this.siftUp(this.count - 1);
  }

  /** Takes out frame `pfn`, which must be in this heap. */
  remove(pfn: number): void {
    const at = this.positions[pfn];
    this.positions[pfn] = NONE;
    this.count--;
    if (at === this.count) return;
    this.place(this.items[this.count], at);
    this.restore(at);
  }

  /** Frame `pfn`'s key changed: moves it to its place. */
  update(pfn: number): void {
    this.restore(this.positions[pfn]);
  }

  clear(): void {
    for (let i = 0; i < this.count; i++) this.positions[this.items[i]] = NONE;
    this.count = 0;
  }

  private restore(at: number): void {
    if (at > 0 && this.keys[this.items[at]] > this.keys[this.items[(at - 1) >> 1]]) this.siftUp(at);
    else this.siftDown(at);
  }

  private siftUp(start: number): void {
    const pfn = this.items[start];
    const key = this.keys[pfn];
    let at = start;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.keys[this.items[parent]] >= key) break;
      this.place(this.items[parent], at);
      at = parent;
    }
    this.place(pfn, at);
  }

  private siftDown(start: number): void {
    const pfn = this.items[start];
    const key = this.keys[pfn];
    let at = start;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= this.count) break;
      if (child + 1 < this.count && this.keys[this.items[child + 1]] > this.keys[this.items[child]]) child++;
      if (this.keys[this.items[child]] <= key) break;
      this.place(this.items[child], at);
      at = child;
    }
    this.place(pfn, at);
  }

  private place(pfn: number, at: number): void {
    this.items[at] = pfn;
    this.positions[pfn] = at;
  }
}
