/**
 * Fork: a child's copy of a space's pages, a leaf table at a time as Linux's copy_pte_range
 * does. Three ways to copy a region: shared regions stay shared and writable, private ones go
 * copy-on-write (or are copied now, eagerly). The parent loses Write only once the child is
 * complete, so a failed fork leaves the parent as it was.
 */
import { Access, FaultCause, PageFlags, PERMISSION_FLAGS } from '../mmu/flags.js';
import type { AddressSpace } from './address-space.js';
import { resolveFault } from './fault-handler.js';
import type { FaultLog } from './fault-log.js';
import { NO_TABLE } from './leaf-writer.js';
import { PAGE_SIZE } from './region-map.js';
import { RegionFlag, RegionType } from './region-types.js';

/** How a region's pages reach the child. */
const ForkCopy = {
  /** The same frame, writable in both (RegionFlag.Shared). */
  Shared: 0,
  /** The same frame, read-only in both until a write copies it. */
  CopyOnWrite: 1,
  /** A new frame with a copy of the bytes. */
  Eager: 2,
} as const;
type ForkCopy = (typeof ForkCopy)[keyof typeof ForkCopy];

/**
 * MAP_SHARED: parent and child must see one frame for every page of a shared region, also for
 * pages first touched after the fork. With no shared memory object behind the region, the
 * parent's untouched pages of shared ANON regions get their zero frames now, before the child
 * is made, and the fork shares them. Recorded in `log`, so a failed fork undoes them; on
 * OutOfMemoryError here they are undone and the error thrown.
 */
export function populateSharedRegions(parent: AddressSpace, log: FaultLog): void {
  const regions = parent.regions;
  const leaf = parent.leaf;
  try {
    for (let i = 0; i < regions.count; i++) {
      if (regions.type(i) !== RegionType.Anon || (regions.flags(i) & RegionFlag.Shared) === 0) continue;
      for (let page = regions.base(i); page < regions.ceiling(i); page += PAGE_SIZE) {
        const table = leaf.leafTableOf(parent.root, page);
        // A swapped-out page has its slot, which the child's copy of the entry names too.
        if (
          table !== NO_TABLE &&
          (leaf.isPresentAt(leaf.entryAddress(table, page)) ||
            leaf.isSwapEntryAt(leaf.entryAddress(table, page)))
        )
          continue;
        resolveFault(parent, page, i, Access.Read, FaultCause.NotPresent, log);
        // Kept in RAM for the fork's length: undoing the fork unmaps it again.
        if (parent.swap !== null)
          parent.swap.keep(leaf.frameAt(leaf.entryAddress(leaf.leafTableOf(parent.root, page), page)));
      }
    }
  } catch (error) {
    log.rollback(parent);
    throw error;
  }
}

/**
 * Fills `child` (a fresh space with the parent's regions) with the parent's ANON pages. Throws
 * OutOfMemoryError or LimitError with the parent unchanged; the caller destroys the child.
 */
export function copyPagesForFork(parent: AddressSpace, child: AddressSpace, eager: boolean): void {
  const regions = parent.regions;
  const span = parent.leaf.tableSpan;
  /** Parent entries to write-protect once the child is complete. */
  const writeProtect: number[] = [];
  for (let i = 0; i < regions.count; i++) {
    if (regions.type(i) !== RegionType.Anon) continue;
    const how: ForkCopy =
      (regions.flags(i) & RegionFlag.Shared) !== 0
        ? ForkCopy.Shared
        : eager
          ? ForkCopy.Eager
          : ForkCopy.CopyOnWrite;
    const ownFlags = parent.entryFlags.of(regions.protection(i), true);
    const base = regions.base(i);
    const ceiling = regions.ceiling(i);
    for (let tableBase = Math.floor(base / span) * span; tableBase < ceiling; tableBase += span) {
      const from = Math.max(base, tableBase);
      const to = Math.min(ceiling, tableBase + span);
      copyLeafTable(parent, child, from, to, how, ownFlags, writeProtect);
    }
  }
  if (writeProtect.length > 0) {
    // Commit: the parent's private writable pages become copy-on-write too.
    for (const at of writeProtect) parent.leaf.writeProtect(at);
    parent.tlb.space();
  }
}

/** Copies the present entries of [from, to), which lie in one leaf table of the parent. */
function copyLeafTable(
  parent: AddressSpace,
  child: AddressSpace,
  from: number,
  to: number,
  how: ForkCopy,
  ownFlags: number,
  writeProtect: number[],
): void {
  const leaf = parent.leaf;
  const parentTable = leaf.leafTableOf(parent.root, from);
  if (parentTable === NO_TABLE) return;
  const entryBytes = parent.machine.pageTables.format.entryBytes;
  const frames = parent.machine.frames;
  const swap = child.swap;
  let childTable = NO_TABLE;
  let at = leaf.entryAddress(parentTable, from);
  for (let va = from; va < to; va += PAGE_SIZE, at += entryBytes) {
    if (!leaf.isPresentAt(at)) {
      if (swap !== null && leaf.isSwapEntryAt(at)) {
        // A swapped-out page: the child's entry names the same slot, which gains a holder.
        if (childTable === NO_TABLE) childTable = makeChildTable(child, va);
        swap.device.retain(leaf.slotAt(at, swap.entries));
        leaf.copyEntry(at, childTable, childTable + (at - parentTable), true);
      }
      continue;
    }
    const childPa = how === ForkCopy.Eager ? copyFrame(parent, child, leaf.frameAt(at)) : leaf.frameAt(at);
    if (how !== ForkCopy.Eager) {
      frames.retain(childPa);
      if (how === ForkCopy.CopyOnWrite && leaf.isWritableAt(at)) writeProtect.push(at);
    }
    try {
      if (childTable === NO_TABLE) {
        childTable = firstChildEntry(parent, child, va, at, childPa, how, ownFlags);
      } else if (how === ForkCopy.Eager) {
        leaf.fill(childTable, childTable + (at - parentTable), childPa, ownFlags);
      } else {
        leaf.copyEntry(at, childTable, childTable + (at - parentTable), how === ForkCopy.Shared);
      }
    } catch (error) {
      frames.release(childPa);
      throw error;
    }
    swap?.mapped(child.swapId, childPa, va, childTable + (at - parentTable));
  }
}

/** The child's leaf table for `va`, made (with the tables above it) when missing. */
function makeChildTable(child: AddressSpace, va: number): number {
  child.machine.pageTables.prepareLeafTables(child.root, va, va + PAGE_SIZE);
  return child.leaf.leafTableOf(child.root, va);
}

/** A new frame for the child holding a copy of the parent's page at `pa`. */
function copyFrame(parent: AddressSpace, child: AddressSpace, pa: number): number {
  const frames = parent.machine.frames;
  frames.retain(pa); // held while the allocation may reclaim, so that the page stays
  let copy: number;
  try {
    copy = frames.allocFrame(parent.frameUse, child.owner);
  } finally {
    frames.release(pa);
  }
  parent.machine.memory.copy(copy, pa, PAGE_SIZE);
  return copy;
}

/** Maps the child's first page of a leaf table through PageTables (which makes the table); returns the table. */
function firstChildEntry(
  parent: AddressSpace,
  child: AddressSpace,
  va: number,
  parentEntry: number,
  childPa: number,
  how: ForkCopy,
  ownFlags: number,
): number {
  const permissions = parent.leaf.flagsAt(parentEntry) & PERMISSION_FLAGS;
  const flags =
    how === ForkCopy.Eager
      ? ownFlags
      : how === ForkCopy.Shared
        ? permissions
        : permissions & ~PageFlags.Write;
  parent.machine.pageTables.map(child.root, va, childPa, PAGE_SIZE, flags);
  return parent.leaf.leafTableOf(child.root, va);
}
