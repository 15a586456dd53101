/**
 * A binary buddy allocator over the frame table, with a per-CPU-style cache of single frames in
 * front of it (Linux's per-CPU page lists). See docs/phys.md for the design.
 *
 * A free block of order k is 2^k frames starting at a multiple of 2^k. Its head frame carries
 * `BLOCK_HEAD | k` in `frames.order` (every other frame carries 0) and links to the other free
 * blocks of its order through `frames.next` / `frames.prev`, so a buddy can be unlinked in O(1)
 * when it merges. Frames in the cache are free in the frame table but on no list. The invariants
 * are checked in buddy-allocator-checker.ts.
 */
import { InvariantError } from '../common/errors.js';
import { checkBuddyLists } from './buddy-allocator-checker.js';
import { FrameState, type FrameTable, NO_FRAME } from './frame-table.js';
import type { FrameAllocator } from './types.js';

/** Marks the head frame of a free block in `frames.order`; the low bits hold the order. */
const BLOCK_HEAD = 0x80;
const ORDER_MASK = 0x7f;
/** Frames the single-frame cache holds at most. */
export const FRAME_CACHE_SIZE = 64;
/** Frames moved between the cache and the buddy lists at once. */
export const FRAME_CACHE_BATCH = 16;

export class BuddyAllocator implements FrameAllocator {
  readonly kind = 'buddy' as const;
  /** Largest order: the biggest power of two of frames that fits in RAM. */
  // `declare`d: no `undefined` is stored first, so V8 keeps the exact field types (see the manager).
  declare readonly maxOrder: number;
  declare private readonly frames: FrameTable;
  declare private readonly heads: Int32Array;
  declare private readonly blockCounts: Int32Array;
  /** Frames on the buddy lists (not counting the cache). */
  private listFrames = 0;
  private readonly cache = new Int32Array(FRAME_CACHE_SIZE);
  private cacheCount = 0;

  constructor(frames: FrameTable) {
    this.frames = frames;
    this.maxOrder = Math.max(0, Math.floor(Math.log2(frames.frameCount)));
    this.heads = new Int32Array(this.maxOrder + 1).fill(NO_FRAME);
    this.blockCounts = new Int32Array(this.maxOrder + 1);
  }

  allocateOne(): number {
    if (this.cacheCount > 0) return this.cache[--this.cacheCount];
    return this.refillAndTake();
  }

  freeOne(pfn: number): void {
    if (this.cacheCount < 64 /* FRAME_CACHE_SIZE; a literal is cheaper than a module binding */) {
      this.cache[this.cacheCount++] = pfn;
      return;
    }
    this.drainBatch();
    this.cache[this.cacheCount++] = pfn;
  }

  allocate(count: number, alignFrames: number, minFrame: number, limitFrame: number): number {
    let pfn = this.allocateFromLists(count, alignFrames, minFrame, limitFrame);
    if (pfn === NO_FRAME && this.cacheCount > 0) {
      this.drainAll();
      pfn = this.allocateFromLists(count, alignFrames, minFrame, limitFrame);
    }
    // A fit that no naturally aligned block holds (3 free frames at an odd address): slow path.
    if (pfn === NO_FRAME) pfn = this.allocateByScan(count, alignFrames, minFrame, limitFrame);
    return pfn;
  }

  allocateAt(pfn: number, count: number): boolean {
    const end = pfn + count;
    const state = this.frames.state;
    for (let f = pfn; f < end; f++) if (state[f] !== FrameState.Free) return false;
    for (let i = 0; i < this.cacheCount; i++) {
      const cached = this.cache[i];
      if (cached >= pfn && cached < end) {
        this.drainAll();
        break;
      }
    }
    this.carveRange(pfn, end);
    return true;
  }

  free(pfn: number, count: number): void {
    this.addFreeRange(pfn, count);
  }

  addFreeRange(pfn: number, count: number): void {
    let at = pfn;
    const end = pfn + count;
    while (at < end) {
      const order = this.largestOrderAt(at, end);
      this.freeBlock(at, order);
      at += 1 << order;
    }
  }

  freeFrameCount(): number {
    return this.listFrames + this.cacheCount;
  }

  /** Longest run of free frames, from the frame table (allocate reaches any run by its slow path). */
  largestFreeRun(): number {
    const state = this.frames.state;
    let best = 0;
    let run = 0;
    for (let f = 0; f < this.frames.frameCount; f++) {
      if (state[f] === FrameState.Free) {
        run++;
        if (run > best) best = run;
      } else run = 0;
    }
    return best;
  }

  /**
   * Free blocks per order on the lists, with each frame of the single-frame cache counted as an
   * order-0 block (the cache holds them unmerged). Reading it changes nothing: draining the cache
   * here would make later allocations land elsewhere, so looking at the machine would change it.
   */
  freeBlocksByOrder(): number[] {
    const counts = Array.from(this.blockCounts);
    counts[0] += this.cacheCount;
    return counts;
  }

  /** Frames currently held in the single-frame cache. */
  get cachedFrames(): number {
    return this.cacheCount;
  }

  /** Gives every cached frame back to the buddy lists (where they merge with their buddies). */
  drainAll(): void {
    while (this.cacheCount > 0) {
      const pfn = this.cache[--this.cacheCount];
      this.freeBlock(pfn, 0);
    }
  }

  /** Throws InvariantError unless the lists, their counts, the cache and the frame table agree. */
  check(): void {
    checkBuddyLists({
      frames: this.frames,
      maxOrder: this.maxOrder,
      heads: this.heads,
      blockCounts: this.blockCounts,
      listFrames: this.listFrames,
      cache: this.cache,
      cacheCount: this.cacheCount,
      blockHead: BLOCK_HEAD,
    });
  }

  // --- the lists -------------------------------------------------------------------------------

  private push(pfn: number, order: number): void {
    const { next, prev } = this.frames;
    const head = this.heads[order];
    next[pfn] = head;
    prev[pfn] = NO_FRAME;
    if (head !== NO_FRAME) prev[head] = pfn;
    this.heads[order] = pfn;
    this.frames.order[pfn] = BLOCK_HEAD | order;
    this.blockCounts[order]++;
    this.listFrames += 1 << order;
  }

  private unlink(pfn: number, order: number): void {
    const { next, prev } = this.frames;
    const after = next[pfn];
    const before = prev[pfn];
    if (before === NO_FRAME) this.heads[order] = after;
    else next[before] = after;
    if (after !== NO_FRAME) prev[after] = before;
    next[pfn] = NO_FRAME;
    prev[pfn] = NO_FRAME;
    this.frames.order[pfn] = 0;
    this.blockCounts[order]--;
    this.listFrames -= 1 << order;
  }

  /** Frees a block, merging it with its buddy as long as the buddy is a free block of its order. */
  private freeBlock(pfn: number, order: number): void {
    const marks = this.frames.order;
    const frameCount = this.frames.frameCount;
    let at = pfn;
    let k = order;
    while (k < this.maxOrder) {
      const buddy = at ^ (1 << k);
      if (buddy >= frameCount || marks[buddy] !== (BLOCK_HEAD | k)) break;
      this.unlink(buddy, k);
      at = Math.min(at, buddy);
      k++;
    }
    this.push(at, k);
  }

  /** Largest order of an aligned block starting at `at` that ends at or before `end`. */
  private largestOrderAt(at: number, end: number): number {
    let k = 0;
    while (k < this.maxOrder && (at & ((2 << k) - 1)) === 0 && at + (2 << k) <= end) k++;
    return k;
  }

  // --- the single-frame cache ------------------------------------------------------------------

  private refillAndTake(): number {
    while (this.cacheCount < FRAME_CACHE_BATCH) {
      const pfn = this.takeSmallest();
      if (pfn === NO_FRAME) break;
      this.cache[this.cacheCount++] = pfn;
    }
    if (this.cacheCount === 0) return NO_FRAME;
    // Lowest address on top, so a fresh machine hands out frames in address order.
    this.cache.subarray(0, this.cacheCount).reverse();
    return this.cache[--this.cacheCount];
  }

  /** Gives the oldest (coldest) batch of cached frames back to the lists. */
  private drainBatch(): void {
    for (let i = 0; i < FRAME_CACHE_BATCH; i++) this.freeBlock(this.cache[i], 0);
    this.cache.copyWithin(0, FRAME_CACHE_BATCH, this.cacheCount);
    this.cacheCount -= FRAME_CACHE_BATCH;
  }

  /** One frame from the smallest non-empty order, splitting the block and listing the upper halves. */
  private takeSmallest(): number {
    let k = 0;
    while (k <= this.maxOrder && this.heads[k] === NO_FRAME) k++;
    if (k > this.maxOrder) return NO_FRAME;
    const pfn = this.heads[k];
    this.unlink(pfn, k);
    while (k > 0) {
      k--;
      this.push(pfn + (1 << k), k);
    }
    return pfn;
  }

  // --- contiguous allocation -------------------------------------------------------------------

  /**
   * The buddy way: the smallest listed block of at least `count` frames (rounded up to a power of
   * two) that holds a suitably aligned start inside the bounds; the unused tail goes back.
   */
  private allocateFromLists(
    count: number,
    alignFrames: number,
    minFrame: number,
    limitFrame: number,
  ): number {
    let order = 0;
    while (1 << order < count) order++;
    if (order > this.maxOrder) return NO_FRAME;
    const step = Math.max(alignFrames, 1 << order);
    const unconstrained = minFrame === 0 && limitFrame >= this.frames.frameCount;
    const next = this.frames.next;
    for (let k = order; k <= this.maxOrder; k++) {
      const size = 1 << k;
      if (unconstrained && size >= step) {
        const head = this.heads[k];
        if (head === NO_FRAME) continue;
        this.carveBlock(head, k, head, head + count);
        return head;
      }
      for (let b = this.heads[k]; b !== NO_FRAME; b = next[b]) {
        const from = Math.max(b, minFrame);
        const start = Math.ceil(from / step) * step;
        if (start + count <= Math.min(b + size, limitFrame)) {
          this.carveBlock(b, k, start, start + count);
          return start;
        }
      }
    }
    return NO_FRAME;
  }

  /**
   * A fit that no single listed block holds: a run of free frames spanning blocks that are not
   * buddies (3 free frames at an odd address). Any run of `count` free frames contains a
   * naturally aligned free block of order floor(log2(count + 1)) - 1, which lies inside some
   * listed block of at least that order; so only the neighbourhoods of those blocks are searched,
   * not the whole frame table.
   */
  private allocateByScan(count: number, alignFrames: number, minFrame: number, limitFrame: number): number {
    const state = this.frames.state;
    const next = this.frames.next;
    const lowest = Math.max(0, minFrame);
    const limit = Math.min(limitFrame, this.frames.frameCount);
    const anchorOrder = Math.max(0, Math.floor(Math.log2(count + 1)) - 1);
    for (let k = anchorOrder; k <= this.maxOrder; k++) {
      for (let b = this.heads[k]; b !== NO_FRAME; b = next[b]) {
        // The maximal free run around the block, looking no further than a run could reach.
        const floor = Math.max(lowest, b - count);
        const ceiling = Math.min(limit, b + (1 << k) + count);
        let from = b;
        while (from > floor && state[from - 1] === FrameState.Free) from--;
        let to = b + (1 << k);
        while (to < ceiling && state[to] === FrameState.Free) to++;
        const start = Math.ceil(Math.max(from, lowest) / alignFrames) * alignFrames;
        if (start + count <= Math.min(to, limit)) {
          this.carveRange(start, start + count);
          return start;
        }
      }
    }
    return NO_FRAME;
  }

  /** Takes [from, to) off the lists; every frame in it is on a list. */
  private carveRange(from: number, to: number): void {
    let at = from;
    while (at < to) {
      const head = this.blockHeadOf(at);
      const size = 1 << (this.frames.order[head] & ORDER_MASK);
      const end = Math.min(to, head + size);
      this.carveBlock(head, this.frames.order[head] & ORDER_MASK, at, end);
      at = end;
    }
  }

  /** The head of the listed block that holds frame `pfn`. */
  private blockHeadOf(pfn: number): number {
    const marks = this.frames.order;
    for (let k = 0; k <= this.maxOrder; k++) {
      const head = pfn & ~((1 << k) - 1);
      if (marks[head] === (BLOCK_HEAD | k)) return head;
    }
    throw new InvariantError(`buddy: frame ${pfn} should be free but no listed block holds it`);
  }

  /** Unlists block (head, order) and lists again the parts of it outside [from, to). */
  private carveBlock(head: number, order: number, from: number, to: number): void {
    this.unlink(head, order);
    this.listRange(head, from);
    this.listRange(to, head + (1 << order));
  }

  /** Lists [from, to) as maximal aligned blocks; used for the remains of a carved block, which cannot merge. */
  private listRange(from: number, to: number): void {
    let at = from;
    while (at < to) {
      const order = this.largestOrderAt(at, to);
      this.push(at, order);
      at += 1 << order;
    }
  }
}
