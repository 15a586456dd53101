/**
 * The rollback log of a multi-page operation: each fault it resolved, so that when a later page
 * runs out of memory the earlier ones are undone, newest first, and the space is as it was.
 */
import { InvariantError } from '../common/errors.js';
import { PageFlags } from '../mmu/flags.js';
import type { FrameSource } from '../phys/types.js';
import { NO_SLOT } from '../swap/swap-cache.js';
import type { AddressSpace } from './address-space.js';
import { PAGE_SIZE } from './region-map.js';
import type { VmSwap } from './vm-swap.js';

/** The bits hardware sets in a leaf entry, which an undone copy-on-write break must restore. */
const HARDWARE_BITS = PageFlags.Accessed | PageFlags.Dirty;

/** What resolving one fault did. */
export const FaultKind = {
  /** A demand-zero frame was mapped. */
  DemandAnon: 0,
  /** A PHYS page was mapped. */
  DemandPhys: 1,
  /** A copy-on-write page with no other holder was made writable in place. */
  TakeOver: 2,
  /** A copy-on-write page was copied; the log keeps the frame it replaced. */
  CowCopy: 3,
  /** A swapped page was read back from the device; the log keeps its slot. */
  SwapIn: 4,
  /** A swapped page was found in the swap cache; the log keeps its slot. */
  SwapCache: 5,
  /**
   * The kernel-half table right under the roots that a fault at this page was about to make
   * (recorded before the fault, so undone after it; nothing when the fault made none).
   */
  KernelTable: 6,
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

export class FaultLog {
  private pages = new Float64Array(16);
  private kinds = new Uint8Array(16);
  /** For a CowCopy: the physical address of the frame the copy replaced; for a swap-in, the slot. */
  private replaced = new Float64Array(16);
  /**
   * For a CowCopy: the swap slot the replaced frame lost its place in the swap cache for, when
   * the copy unmapped its last mapping (NO_SLOT otherwise); the undo gives it back.
   */
  private lostSlots = new Float64Array(16);
  /** For a TakeOver or CowCopy: the Accessed and Dirty bits of the entry before the fault. */
  private hardware = new Uint8Array(16);
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Starts a new operation. The last one must have settled or rolled back: a copy holds a frame. */
  clear(): void {
    for (let k = 0; k < this.count; k++) {
      if (this.kinds[k] === FaultKind.CowCopy)
        throw new InvariantError('fault log: a copy-on-write copy was neither settled nor undone');
    }
    this.count = 0;
  }

  /**
   * The operation succeeded: lets go of the frames its copy-on-write copies replaced (each held
   * since its copy, for the undo) and empties the log.
   */
  settle(frames: FrameSource): void {
    for (let k = 0; k < this.count; k++) {
      if (this.kinds[k] === FaultKind.CowCopy) frames.release(this.replaced[k]);
    }
    this.count = 0;
  }

  record(page: number, kind: FaultKind, replacedFrame: number): void {
    if (this.count === this.pages.length) this.grow();
    this.pages[this.count] = page;
    this.kinds[this.count] = kind;
    this.replaced[this.count] = replacedFrame;
    this.lostSlots[this.count] = NO_SLOT;
    this.hardware[this.count] = 0;
    this.count++;
  }

  /**
   * A copy-on-write copy replaced frame `original` at `page`; the log takes over the entry's
   * reference to it until settle() or rollback(). `lostSlot`: the swap slot the frame left the
   * swap cache for, or NO_SLOT.
   */
  recordCopy(page: number, original: number, lostSlot: number): void {
    this.record(page, FaultKind.CowCopy, original);
    this.lostSlots[this.count - 1] = lostSlot;
  }

  /**
   * Gives the newest record the Accessed and Dirty bits the entry had before its fault (taken from
   * the entry's neutral flags), so that its undo writes the entry back exactly as it was.
   */
  keepHardwareBits(flags: number): void {
    if (this.count > 0) this.hardware[this.count - 1] = flags & HARDWARE_BITS;
  }

  /** The frame the newest record's copy-on-write copy replaced, or -1 when it is no CowCopy. */
  get replacedFrame(): number {
    const newest = this.count - 1;
    return newest >= 0 && this.kinds[newest] === FaultKind.CowCopy ? this.replaced[newest] : -1;
  }

  /** Undoes every recorded fault in `space`, newest first, and empties the log. */
  rollback(space: AddressSpace): void {
    const { frames, pageTables } = space.machine;
    const regions = space.regions;
    const leaf = space.leaf;
    const swap = space.swap;
    for (let k = this.count - 1; k >= 0; k--) {
      const page = this.pages[k];
      const kind = this.kinds[k];
      const readOnly = space.entryFlags.of(regions.protection(regions.find(page)), false);
      if (kind === FaultKind.KernelTable) {
        pageTables.releaseEmptyKernelTable(page);
      } else if (kind === FaultKind.SwapIn || kind === FaultKind.SwapCache) {
        if (swap !== null) unswap(space, swap, page, this.replaced[k]);
        if (kind === FaultKind.SwapIn) space.faults.swapIn--;
        else space.faults.swapCache--;
      } else if (kind === FaultKind.DemandAnon || kind === FaultKind.DemandPhys) {
        if (swap !== null && kind === FaultKind.DemandAnon) {
          const at = leaf.entryAddress(leaf.leafTableOf(space.root, page), page);
          swap.unmapped(space.swapId, leaf.frameAt(at), page);
        }
        space.tlb.page(page);
        const pa = pageTables.unmap(space.root, page);
        if (kind === FaultKind.DemandAnon) {
          frames.release(pa);
          space.faults.demandZero--;
        } else {
          space.faults.phys--;
        }
      } else if (kind === FaultKind.TakeOver) {
        const at = leaf.entryAddress(leaf.leafTableOf(space.root, page), page);
        leaf.write(at, leaf.frameAt(at), readOnly | this.hardware[k]);
        space.tlb.page(page);
        space.faults.cowTakeover--;
      } else {
        const original = this.replaced[k];
        const table = leaf.leafTableOf(space.root, page);
        const at = leaf.entryAddress(table, page);
        const copy = leaf.frameAt(at);
        // The log's reference to the original becomes the entry's again.
        swap?.unmapped(space.swapId, copy, page);
        leaf.write(at, original, readOnly | this.hardware[k]);
        swap?.mapped(space.swapId, original, page, at);
        const lostSlot = this.lostSlots[k];
        if (swap !== null && lostSlot !== NO_SLOT) swap.cache.associate(original / PAGE_SIZE, lostSlot);
        space.tlb.page(page);
        frames.release(copy);
        space.faults.cowCopy--;
      }
    }
    this.count = 0;
  }

  private grow(): void {
    const size = this.pages.length * 2;
    const pages = new Float64Array(size);
    const kinds = new Uint8Array(size);
    const replaced = new Float64Array(size);
    const lostSlots = new Float64Array(size);
    const hardware = new Uint8Array(size);
    pages.set(this.pages);
    kinds.set(this.kinds);
    replaced.set(this.replaced);
    lostSlots.set(this.lostSlots);
    hardware.set(this.hardware);
    this.pages = pages;
    this.kinds = kinds;
    this.replaced = replaced;
    this.lostSlots = lostSlots;
    this.hardware = hardware;
  }
}

/** Undoes a swap-in: the entry names `slot` again and the frame loses this mapping. */
function unswap(space: AddressSpace, swap: VmSwap, page: number, slot: number): void {
  const leaf = space.leaf;
  const at = leaf.entryAddress(leaf.leafTableOf(space.root, page), page);
  const pa = leaf.frameAt(at);
  swap.device.retain(slot); // the entry's reference, before the cache may let go of its own
  space.tlb.page(page);
  swap.unmapped(space.swapId, pa, page);
  const entry = swap.encodeSwapEntry(slot);
  const memory = space.machine.memory;
  memory.write32(at, entry[0]);
  if (space.machine.pageTables.format.entryBytes === 8) memory.write32(at + 4, entry[1]);
  space.machine.frames.release(pa);
}
