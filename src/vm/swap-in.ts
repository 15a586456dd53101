/**
 * The fault on a swapped-out page: its entry holds a slot, and the page comes back.
 *
 * - Found in the swap cache (another space brought it back already, or it stayed in RAM since
 *   its last swap-in): a minor fault. The frame is mapped again, read-only for a private page
 *   (copy-on-write with the others that map it), or copied at once for a write.
 * - Else a frame is taken and the slot read into it: a major fault. The frame keeps its slot
 *   (the swap cache), so that evicting it again while clean costs no write, and so that the
 *   other entries naming the slot find it; a write to a private page that other entries still
 *   name takes a private copy instead.
 * A private page is writable only when this entry alone has it. A write by the page's only
 * holder frees the slot at once (its copy is stale), as Linux's do_swap_page does. All or
 * nothing: with no frame left the entry stays as it was.
 */
import { Access, PageFlags } from '../mmu/flags.js';
import { isSwapEntry } from '../mmu/swap-entries.js';
import { NO_FRAME } from '../swap/swap-cache.js';
import type { AddressSpace } from './address-space.js';
import { FaultKind, type FaultLog } from './fault-log.js';
import { NO_TABLE } from './leaf-writer.js';
import { reclaimPages } from './reclaim.js';
import { PAGE_SIZE } from './region-map.js';
import { RegionFlag } from './region-types.js';
import type { VmSwap } from './vm-swap.js';

/** pageInIfSwapped's answer when the page's entry is not a swap entry. */
export const NOT_SWAPPED = -2;

/**
 * The part of a not-present fault on an ANON page that only a machine with swap has: at its
 * resident limit the space first gives up a page of its own (local replacement), and a swap
 * entry is paged in. Returns the entry's address, or NOT_SWAPPED when the page was never
 * swapped out (a demand-zero fault follows). Kept out of the demand-zero path itself, which a
 * machine without swap runs alone.
 */
export function pageInIfSwapped(
  space: AddressSpace,
  swap: VmSwap,
  pageVa: number,
  region: number,
  access: Access,
  log: FaultLog | null,
): number {
  const limit = swap.limitOf(space.swapId);
  const resident = swap.reverseMap.residentOf(space.swapId);
  if (limit > 0 && resident >= limit) {
    swap.stats.local++;
    reclaimPages(swap, swap.frames, resident - limit + 1, space.owner);
  }
  const leaf = space.leaf;
  const table = leaf.leafTableOf(space.root, pageVa);
  if (table === NO_TABLE) return NOT_SWAPPED;
  const at = leaf.entryAddress(table, pageVa);
  const memory = space.machine.memory;
  const lo = memory.read32(at);
  const hi = space.machine.pageTables.format.entryBytes === 8 ? memory.read32(at + 4) : 0;
  if (!isSwapEntry(lo, hi)) return NOT_SWAPPED;
  return swapIn(space, swap, pageVa, region, access, at, lo, hi, log);
}

/** A demand-zero page's first mapping goes into the reverse map (`at`: its entry, or NO_ENTRY when made through PageTables.map). */
export function recordMapping(
  space: AddressSpace,
  swap: VmSwap,
  pa: number,
  pageVa: number,
  at: number,
): void {
  const leaf = space.leaf;
  const entry = at >= 0 ? at : leaf.entryAddress(leaf.leafTableOf(space.root, pageVa), pageVa);
  swap.mapped(space.swapId, pa, pageVa, entry);
}

/** Brings back the page whose swap entry (lo, hi) is at `at`, for `access` at `pageVa` in region `region`; returns `at`. */
export function swapIn(
  space: AddressSpace,
  swap: VmSwap,
  pageVa: number,
  region: number,
  access: Access,
  at: number,
  lo: number,
  hi: number,
  log: FaultLog | null,
): number {
  const { frames, memory } = space.machine;
  const { device, cache } = swap;
  const slot = swap.entries.slotOf(lo, hi);
  const shared = (space.regions.flags(region) & RegionFlag.Shared) !== 0;
  const write = access === Access.Write;
  const cached = cache.frameOfSlot[slot];
  let pa: number;
  let writable: boolean;
  if (cached === NO_FRAME) {
    const alone = device.refs[slot] === 1;
    pa = frames.allocFrame(space.frameUse, space.owner); // OutOfMemoryError: nothing changed
    device.readPage(slot, memory, pa);
    // A write to a page other entries still name takes it privately; otherwise the slot stays.
    if (shared || alone || !write) cache.associate(pa / PAGE_SIZE, slot);
    writable = shared || alone || write;
  } else if (shared || !write) {
    pa = cached * PAGE_SIZE;
    frames.retain(pa);
    writable = shared;
  } else {
    const original = cached * PAGE_SIZE;
    frames.retain(original); // held while the allocation may reclaim: it cannot be evicted
    try {
      pa = frames.allocFrame(space.frameUse, space.owner);
    } finally {
      frames.release(original);
    }
    memory.copy(pa, original, PAGE_SIZE);
    writable = true;
  }
  device.release(slot); // the entry's reference: the page is in RAM now
  const dirty = write && writable ? PageFlags.Dirty : 0;
  const flags = space.entryFlags.of(space.regions.protection(region), writable) | PageFlags.Accessed | dirty;
  space.leaf.write(at, pa, flags);
  swap.mapped(space.swapId, pa, pageVa, at);
  // A write by the one holder makes the slot's copy stale: it goes back to the device now.
  // Not within a logged operation (a user copy, a fork): its undo names the slot again.
  if (write && writable && log === null) swap.dropStaleSlot(pa / PAGE_SIZE);
  const major = cached === NO_FRAME;
  if (major) space.faults.swapIn++;
  else space.faults.swapCache++;
  log?.record(pageVa, major ? FaultKind.SwapIn : FaultKind.SwapCache, slot);
  return at;
}
