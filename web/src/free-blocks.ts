/**
 * The buddy allocator's free blocks, read from the frame table: the allocator marks a free
 * block's head frame with `0x80 | order` in `frames.order` and every other frame with 0
 * (src/phys/buddy-allocator.ts). Only meaningful when the allocator is the buddy.
 */
import type { FrameTable } from '../../src/index.js';

const HEAD = 0x80;
const ORDER_MASK = 0x7f;

export function forEachBuddyBlock(frames: FrameTable, visit: (pfn: number, order: number) => void): void {
  const order = frames.order;
  const n = frames.frameCount;
  for (let pfn = 0; pfn < n; ) {
    const mark = order[pfn];
    if ((mark & HEAD) !== 0) {
      const k = mark & ORDER_MASK;
      visit(pfn, k);
      pfn += 1 << k;
    } else pfn++;
  }
}
