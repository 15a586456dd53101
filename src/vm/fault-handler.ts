/**
 * The page-fault handler's work once the access is known to be allowed: a demand-zero frame, a
 * PHYS page, a swapped-out page brought back (swap-in.ts), or a copy-on-write break. Each path
 * records what it did in a FaultLog when given one, and throws OutOfMemoryError having changed
 * nothing. On a machine with swap, a space at its resident limit first gives up a page of its
 * own, and a frame in the handler's hands is held while an allocation may reclaim.
 */
import { InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import type { Mode } from '../mmu/flags.js';
import { Access, FaultCause, PageFlags } from '../mmu/flags.js';
import { NO_SLOT } from '../swap/swap-cache.js';
import type { AddressSpace } from './address-space.js';
import { FaultKind, type FaultLog } from './fault-log.js';
import { NO_TABLE } from './leaf-writer.js';
import { PAGE_SIZE } from './region-map.js';
import { RegionFlag, RegionType } from './region-types.js';
import { NOT_SWAPPED, pageInIfSwapped, recordMapping } from './swap-in.js';

/** resolveFault's answer when it cannot tell the leaf entry's address. */
export const NO_ENTRY = -1;

// Module-local copies of the imported constants the demand-zero path uses: V8 does not fold an
// imported binding into optimized code (docs/mmu.md, "Performance").
const NOT_PRESENT = FaultCause.NotPresent;
const ANON = RegionType.Anon;
const PHYS = RegionType.Phys;
const WRITE = Access.Write;
const YOUNG = PageFlags.Accessed;
const YOUNG_DIRTY = PageFlags.Accessed | PageFlags.Dirty;
const PAGE_BYTES = PAGE_SIZE;
const NO_LEAF_TABLE = NO_TABLE;

/**
 * Resolves the fault the MMU reported at `pageVa`, in region `i`, which checkAllowed accepted.
 * Returns the address of the 4 KiB leaf entry it wrote, for Mmu.preload, or NO_ENTRY when the
 * entry was made through PageTables.map.
 */
export function resolveFault(
  space: AddressSpace,
  pageVa: number,
  i: number,
  access: Access,
  cause: FaultCause,
  log: FaultLog | null,
): number {
  space.leaf.filledAt = NO_LEAF_TABLE; // names an entry only once this fault wrote it
  const swap = space.swap;
  if (swap !== null && cause === NOT_PRESENT && space.regions.type(i) === ANON) {
    const swapped = pageInIfSwapped(space, swap, pageVa, i, access, log);
    if (swapped !== NOT_SWAPPED) return swapped;
  }
  const regions = space.regions;
  if (cause === NOT_PRESENT) {
    if (regions.type(i) !== PHYS) return mapZeroPage(space, pageVa, i, access, log);
    mapPhysPage(space, pageVa, i, log);
    return NO_ENTRY;
  }
  if (cause === FaultCause.Protection && access === Access.Write)
    return breakCopyOnWrite(space, pageVa, i, log);
  throw new InvariantError(
    `${space.name}: unexpected fault at ${hex(pageVa)} (${space.machine.mmu.describeFault()}) in a region that allows it`,
  );
}

/**
 * The access retried after resolveFault returned `at`: the TLB filled from the entry it wrote
 * (Mmu.preloadFrame, from the template and frame of a demand-zero fill of this fault: nothing
 * read or decoded again), else from the entry at `at` (Mmu.preload), else by a walk. Returns
 * what translate() would.
 */
export function retryAfterFault(
  space: AddressSpace,
  va: number,
  access: Access,
  mode: Mode,
  at: number,
): number {
  const mmu = space.machine.mmu;
  const leaf = space.leaf;
  if (at >= 0 && at === leaf.filledAt) {
    return mmu.preloadFrame(
      va,
      access,
      mode,
      at,
      leaf.fillTemplateLow,
      leaf.fillTemplateHigh,
      leaf.filledFrame,
    );
  }
  return mmu.preload(va, access, mode, at);
}

/** A PHYS page maps the frame its region names. */
function mapPhysPage(space: AddressSpace, pageVa: number, region: number, log: FaultLog | null): void {
  const regions = space.regions;
  const pa = regions.physBase(region) + (pageVa - regions.base(region));
  space.machine.pageTables.map(
    space.root,
    pageVa,
    pa,
    PAGE_SIZE,
    space.entryFlags.of(regions.protection(region), true),
  );
  space.faults.phys++;
  log?.record(pageVa, FaultKind.DemandPhys, -1);
}

/** A demand-zero page: a zeroed frame, one reference, mapped writable as its region allows. */
function mapZeroPage(
  space: AddressSpace,
  pageVa: number,
  region: number,
  access: Access,
  log: FaultLog | null,
): number {
  const { frames, pageTables, memory } = space.machine;
  const flags = space.entryFlags.of(space.regions.protection(region), true);
  const leaf = space.leaf;
  const table = leaf.leafTableOf(space.root, pageVa);
  const pa = frames.allocFrame(space.frameUse, space.owner);
  if (!space.machine.framesArriveZeroed) memory.zeroFrame(pa / PAGE_BYTES);
  let at = NO_ENTRY;
  if (table !== NO_LEAF_TABLE) {
    // The leaf table exists, so writing the entry cannot fail. Young, and dirty for a write, as
    // Linux's do_anonymous_page makes it: the retried access need not write the bits back.
    const young = flags | (access === WRITE ? YOUNG_DIRTY : YOUNG);
    at = leaf.entryAddress(table, pageVa);
    leaf.fill(table, at, pa, young);
  } else {
    try {
      pageTables.map(space.root, pageVa, pa, PAGE_SIZE, flags);
    } catch (error) {
      frames.release(pa);
      throw error;
    }
  }
  if (space.swap !== null) recordMapping(space, space.swap, pa, pageVa, at);
  space.faults.demandZero++;
  log?.record(pageVa, FaultKind.DemandAnon, -1);
  return at;
}

/**
 * A write to a read-only page of a writable region: a shared page (PHYS, RegionFlag.Shared) or
 * a private one no one else holds becomes writable in place; a private one with other holders
 * is copied into a new frame.
 */
export function breakCopyOnWrite(
  space: AddressSpace,
  pageVa: number,
  region: number,
  log: FaultLog | null,
): number {
  const { frames, memory, frameTable } = space.machine;
  const regions = space.regions;
  const leaf = space.leaf;
  const writable = space.entryFlags.of(regions.protection(region), true);
  const table = leaf.leafTableOf(space.root, pageVa);
  if (table === NO_TABLE) throw new InvariantError(`${space.name}: no leaf table maps ${hex(pageVa)}`);
  const at = leaf.entryAddress(table, pageVa);
  const pa = leaf.frameAt(at);
  const shared =
    regions.type(region) === RegionType.Phys || (regions.flags(region) & RegionFlag.Shared) !== 0;
  const swap = space.swap;
  if (
    shared ||
    (frameTable.refCount[pa / PAGE_SIZE] === 1 && !(space.swap?.isSlotShared(pa / PAGE_SIZE) ?? false))
  ) {
    // The entry is the region's read-only one: the write bit is all it lacks.
    leaf.allowWrite(at);
    space.tlb.page(pageVa);
    // The swap cache's copy of a page its one holder now writes is stale (Linux's do_wp_page);
    // kept within a logged operation, whose undo must leave the slots as they were.
    if (log === null) swap?.dropStaleSlot(pa / PAGE_SIZE);
    space.faults.cowTakeover++;
    log?.record(pageVa, FaultKind.TakeOver, -1);
    return at;
  }
  // Held while the allocation may reclaim, so that the page being copied stays.
  frames.retain(pa);
  let copy: number;
  try {
    copy = frames.allocFrame(space.frameUse, space.owner);
  } finally {
    frames.release(pa);
  }
  memory.copy(copy, pa, PAGE_SIZE);
  // When this entry is the frame's last mapping, unmapping it ends the frame's place in the swap
  // cache: a logged operation's undo must give the slot back to it.
  const lostSlot =
    swap !== null && log !== null && swap.reverseMap.mapCount[pa / PAGE_SIZE] === 1
      ? swap.cache.slotOfFrame[pa / PAGE_SIZE]
      : NO_SLOT;
  swap?.unmapped(space.swapId, pa, pageVa);
  leaf.write(at, copy, writable);
  swap?.mapped(space.swapId, copy, pageVa, at);
  space.tlb.page(pageVa); // before the old frame loses this holder
  space.faults.cowCopy++;
  // A logged operation keeps this entry's reference to the old frame until it settles, so that
  // its undo can map the frame again even when no one else held it.
  if (log !== null) log.recordCopy(pageVa, pa, lostSlot);
  else frames.release(pa);
  return at;
}
