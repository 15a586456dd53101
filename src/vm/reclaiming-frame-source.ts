/**
 * The frame source of a machine with swap: an allocation that finds free frames below the low
 * watermark first reclaims up to the high watermark (ahead of need, as kswapd does), and one
 * that finds none reclaims a page and tries again (direct reclaim). Only when nothing can be
 * evicted does OutOfMemoryError reach the caller. Reclaim itself never allocates.
 */
import { OutOfMemoryError } from '../common/errors.js';
import { ForwardingFrameSource } from '../phys/forwarding-frame-source.js';
import type { FrameUse } from '../phys/frame-table.js';
import type { FrameSource } from '../phys/types.js';
import { reclaimPages } from './reclaim.js';
import type { VmSwap } from './vm-swap.js';

export class ReclaimingFrameSource extends ForwardingFrameSource {
  private readonly swap: VmSwap;
  private readonly freeFrames: () => number;

  constructor(inner: FrameSource, swap: VmSwap, freeFrames: () => number) {
    super(inner);
    this.swap = swap;
    this.freeFrames = freeFrames;
  }

  override allocFrame(use: FrameUse, owner: number): number {
    const swap = this.swap;
    const free = this.freeFrames();
    if (free < swap.lowWatermark && swap.residentFrames > 0) {
      swap.stats.aheadOfNeed++;
      reclaimPages(swap, this.inner, swap.highWatermark - free, -1);
    }
    try {
      return this.inner.allocFrame(use, owner);
    } catch (error) {
      if (!(error instanceof OutOfMemoryError)) throw error;
      swap.stats.onNeed++;
      if (reclaimPages(swap, this.inner, 1, -1) === 0) throw error;
      return this.inner.allocFrame(use, owner);
    }
  }

  override setOwner(pa: number, use: FrameUse, owner: number): void {
    this.inner.setOwner(pa, use, owner);
    const pfn = pa >>> 12;
    if (this.swap.reverseMap.mapCount[pfn] === 0) return;
    // A resident page changed hands: the policy charges it to its new owner (local replacement).
    this.swap.policy.remove(pfn);
    this.swap.policy.admit(pfn, owner);
  }
}
