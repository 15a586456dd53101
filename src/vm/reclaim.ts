/**
 * Reclaim: taking pages out of RAM. The policy names a victim; the reverse map gives every entry
 * that maps it; each entry becomes a swap entry for the page's slot (its TLB entry invalidated
 * first), the page is written to the slot when it has no copy there or changed since (a dirty
 * bit, or a stale swap-cache copy), else dropped, and the frame goes back. As Linux's
 * shrink_page_list and try_to_unmap do it, in one pass, with nothing to undo: a page that
 * cannot go (held elsewhere, mapped by a space mid-operation, no slot left) is passed over and
 * counted, and stays exactly as it was. A page without a copy that finds the device full first
 * has the swap cache give back the slots of resident pages no swap entry names, as Linux frees
 * swap cache when swap is getting full; only when none is left is it refused.
 */
import { InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { FrameState, FrameUse } from '../phys/frame-table.js';
import type { FrameSource } from '../phys/types.js';
import { NO_SLOT } from '../swap/swap-cache.js';
import { NO_NODE } from './reverse-map.js';
import type { VmSwap } from './vm-swap.js';

/** What evictFrame did. */
export const Eviction = {
  Evicted: 0,
  /** Held outside the page tables too (a message in flight, pinned, in a fault's hands). */
  Pinned: 1,
  /** Kept by an operation in progress (a user copy's pages). */
  Busy: 2,
  NoSlot: 3,
  NotResident: 4,
} as const;
export type Eviction = (typeof Eviction)[keyof typeof Eviction];

/** Takes frame `pfn`'s page out of RAM, from every space that maps it. */
export function evictFrame(swap: VmSwap, frames: FrameSource, pfn: number): Eviction {
  const map = swap.reverseMap;
  const table = swap.frameTable;
  const mappings = map.mapCount[pfn];
  if (mappings === 0 || table.state[pfn] !== FrameState.Allocated || table.use[pfn] !== FrameUse.User)
    return Eviction.NotResident;
  if (table.refCount[pfn] !== mappings) return Eviction.Pinned;
  if (swap.kept[pfn] !== 0) return Eviction.Busy;
  const pa = pfn * 4096;
  const device = swap.device;
  const cache = swap.cache;
  let slot = cache.slotOfFrame[pfn];
  const fresh = slot === NO_SLOT;
  if (fresh) {
    slot = device.allocSlot(); // our reference until the entries hold theirs
    // A full device first gives back the slots resident pages keep in the swap cache.
    if (slot < 0 && swap.releaseCachedSlots() > 0) slot = device.allocSlot();
    if (slot < 0) return Eviction.NoSlot;
    device.writePage(slot, swap.memory, pa);
  } else if (cache.stale[pfn] === 1 || swap.anyDirty(pfn)) {
    device.writePage(slot, swap.memory, pa);
  } else {
    swap.stats.cleanDrops++;
  }
  const entry = swap.encodeSwapEntry(slot);
  const lo = entry[0];
  const hi = entry[1];
  const memory = swap.memory;
  const wide = swap.entries.format !== 'i386';
  // Every entry first, each TLB entry with it; the frame goes back only once none can reach it.
  while (map.head[pfn] !== NO_NODE) {
    const node = map.head[pfn];
    const at = map.nodeEntry[node];
    const id = map.nodeSpace[node];
    const va = map.nodeVa[node];
    memory.write32(at, lo);
    if (wide) memory.write32(at + 4, hi);
    device.retain(slot);
    map.spaceOf(id).tlb.page(va);
    map.remove(pfn, id, va);
  }
  swap.policy.remove(pfn);
  swap.residentFrames--;
  if (fresh) device.release(slot);
  else cache.forget(pfn);
  for (let k = 0; k < mappings; k++) frames.release(pa);
  swap.stats.evictions++;
  return Eviction.Evicted;
}

/**
 * Evicts up to `pages` pages chosen by the policy: among every resident page (owner < 0) or
 * only those of frame owner `owner` (a resident limit). A victim that cannot go is counted and
 * moved to the back of the policy's order. Returns the frames freed.
 */
export function reclaimPages(swap: VmSwap, frames: FrameSource, pages: number, owner: number): number {
  const policy = swap.policy;
  const skipped = swap.stats.skipped;
  let freed = 0;
  // Each resident frame is offered at most once a pass, so a pass ends when all are pinned.
  for (let tries = swap.residentFrames; freed < pages && tries > 0; tries--) {
    const pfn = policy.selectVictim(owner, swap);
    if (pfn < 0) break;
    const result = evictFrame(swap, frames, pfn);
    if (result === Eviction.Evicted) {
      freed++;
      continue;
    }
    if (result === Eviction.NotResident)
      throw new InvariantError(
        `the ${policy.name} policy offered frame ${hex(pfn * 4096)}, which no user page maps`,
      );
    if (result === Eviction.Pinned) skipped.pinned++;
    else if (result === Eviction.Busy) skipped.busy++;
    else skipped.noSlot++;
    policy.remove(pfn);
    policy.admit(pfn, swap.frameTable.owner[pfn]);
  }
  return freed;
}
