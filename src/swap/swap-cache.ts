/**
 * The swap cache: which resident frame still has an up-to-date copy in which swap slot. A page
 * swapped in keeps its slot, so evicting it again while it is clean costs no write; and every
 * space whose entry still names the slot finds the frame here instead of reading the device
 * again (a minor fault), so pages shared before eviction stay shared after. Linux keeps the same
 * association in its swap cache (mm/swap_state.c).
 *
 * The association holds one reference on the slot. `stale` marks a frame that may have been
 * written since its slot was written (it has a writable entry): it must be written again before
 * the frame goes. Typed arrays by frame and by slot; used by src/vm.
 */
import { InvariantError } from '../common/errors.js';
import type { SwapDevice } from './swap-device.js';

export const NO_SLOT = -1;
export const NO_FRAME = -1;

export class SwapCache {
  private readonly device: SwapDevice;
  /** The slot each frame's page is cached in, or NO_SLOT. */
  readonly slotOfFrame: Int32Array;
  /** The frame each slot's page is resident in, or NO_FRAME. */
  readonly frameOfSlot: Int32Array;
  /** 1 when a cached frame may differ from its slot. */
  readonly stale: Uint8Array;
  private count = 0;

  constructor(frameCount: number, device: SwapDevice) {
    this.device = device;
    this.slotOfFrame = new Int32Array(frameCount).fill(NO_SLOT);
    this.frameOfSlot = new Int32Array(device.slotCount).fill(NO_FRAME);
    this.stale = new Uint8Array(frameCount);
  }

  /** Frames with a cached slot. */
  get size(): number {
    return this.count;
  }

  /** Frame `pfn` now holds slot `slot`'s page; the association takes a reference on the slot. */
  associate(pfn: number, slot: number): void {
    if (this.slotOfFrame[pfn] !== NO_SLOT || this.frameOfSlot[slot] !== NO_FRAME)
      throw new InvariantError(`swap cache: frame ${pfn} or slot ${slot} is already cached`);
    this.device.retain(slot);
    this.slotOfFrame[pfn] = slot;
    this.frameOfSlot[slot] = pfn;
    this.stale[pfn] = 0;
    this.count++;
  }

  /** Drops frame `pfn`'s association, if any, and its reference on the slot. */
  forget(pfn: number): void {
    const slot = this.slotOfFrame[pfn];
    if (slot === NO_SLOT) return;
    this.slotOfFrame[pfn] = NO_SLOT;
    this.frameOfSlot[slot] = NO_FRAME;
    this.stale[pfn] = 0;
    this.count--;
    this.device.release(slot);
  }

  /** Adds the association's reference of every cached slot to `counts` (by slot), for the checker. */
  countHolders(counts: Uint32Array): void {
    for (let pfn = 0; pfn < this.slotOfFrame.length; pfn++) {
      const slot = this.slotOfFrame[pfn];
      if (slot === NO_SLOT) continue;
      if (this.frameOfSlot[slot] !== pfn)
        throw new InvariantError(
          `swap cache: frame ${pfn} names slot ${slot}, which names frame ${this.frameOfSlot[slot]}`,
        );
      counts[slot]++;
    }
  }
}
