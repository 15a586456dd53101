/**
 * The buddy allocator's invariant checker: each free frame on one list or in the cache, blocks
 * placed, marked, linked and counted right, free buddies merged. BuddyAllocator.check() runs it.
 */
import { InvariantError } from '../common/errors.js';
import { FrameState, type FrameTable, NO_FRAME } from './frame-table.js';

/** What the checker reads of a buddy allocator. */
export interface BuddyLists {
  readonly frames: FrameTable;
  readonly maxOrder: number;
  /** The first block of each order's free list. */
  readonly heads: Int32Array;
  /** Blocks on each order's list, as counted. */
  readonly blockCounts: Int32Array;
  /** Frames on the lists, as counted (the cache not included). */
  readonly listFrames: number;
  /** The single-frame cache: slots 0 to cacheCount - 1. */
  readonly cache: Int32Array;
  readonly cacheCount: number;
  /** The bit that marks a free block's head frame in `frames.order` (the order is in the low bits). */
  readonly blockHead: number;
}

export function checkBuddyLists(lists: BuddyLists): void {
  const { frames } = lists;
  // The frame table's arrays in locals: check() runs after every step of the tests.
  const { next, prev, order, state } = frames;
  const frameCount = frames.frameCount;
  const seen = new Uint8Array(frameCount);
  let listed = 0;
  for (let k = 0; k <= lists.maxOrder; k++) {
    let blocks = 0;
    let previous = NO_FRAME;
    for (let b = lists.heads[k]; b !== NO_FRAME; b = next[b]) {
      const size = 1 << k;
      if (b < 0 || b + size > frameCount || b % size !== 0) {
        throw new InvariantError(`buddy: block at frame ${b} of order ${k} is misplaced`);
      }
      if (order[b] !== (lists.blockHead | k)) {
        throw new InvariantError(`buddy: head frame ${b} on the order-${k} list is marked ${order[b]}`);
      }
      if (prev[b] !== previous) {
        throw new InvariantError(`buddy: frame ${b} on the order-${k} list has a wrong back link`);
      }
      for (let f = b; f < b + size; f++) {
        if (seen[f]) throw new InvariantError(`buddy: frame ${f} is on the free lists twice`);
        seen[f] = 1;
        if (state[f] !== FrameState.Free) {
          throw new InvariantError(`buddy: frame ${f} is on a free list but its state is ${state[f]}`);
        }
      }
      const buddy = b ^ size;
      if (k < lists.maxOrder && buddy < frameCount && order[buddy] === (lists.blockHead | k)) {
        throw new InvariantError(
          `buddy: free buddies at frames ${Math.min(b, buddy)} (order ${k}) are not merged`,
        );
      }
      blocks++;
      listed += size;
      previous = b;
      if (blocks > frameCount) throw new InvariantError(`buddy: order-${k} list has a cycle`);
    }
    if (blocks !== lists.blockCounts[k]) {
      throw new InvariantError(
        `buddy: order ${k} counts ${lists.blockCounts[k]} blocks but its list has ${blocks}`,
      );
    }
  }
  if (listed !== lists.listFrames) {
    throw new InvariantError(`buddy: ${lists.listFrames} frames counted on the lists but ${listed} found`);
  }
  for (let i = 0; i < lists.cacheCount; i++) {
    const f = lists.cache[i];
    if (f < 0 || f >= frameCount || seen[f]) {
      throw new InvariantError(`buddy: cached frame ${f} is out of range or also listed`);
    }
    if (state[f] !== FrameState.Free || order[f] !== 0) {
      throw new InvariantError(`buddy: cached frame ${f} is not free`);
    }
    seen[f] = 1;
  }
  for (let f = 0; f < frameCount; f++) {
    const isFree = state[f] === FrameState.Free;
    if (isFree !== (seen[f] === 1)) {
      throw new InvariantError(
        isFree ? `buddy: free frame ${f} is on no free list` : `buddy: frame ${f} is listed but not free`,
      );
    }
    if (!seen[f] && order[f] !== 0) {
      throw new InvariantError(`buddy: frame ${f} is not free but marked as a block head`);
    }
  }
}
