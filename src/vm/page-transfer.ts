/**
 * Pages leaving and entering a space without a copy, for the IPC layer: a move's detach from
 * the sender and the attach of moved or shared frames in the receiver. One region operation and
 * a walk per leaf table each; per page only loops over typed arrays.
 */
import { InvalidArgumentError, NotAllocatedError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { FrameState } from '../phys/frame-table.js';
import type { AddressSpace } from './address-space.js';
import type { AttachOptions } from './address-space-options.js';
import { NO_TABLE } from './leaf-writer.js';
import { PAGE_SIZE } from './region-map.js';
import { LimitCheck, placeRegion, setRegions } from './region-placement.js';
import { Protection, type RegionAttributes, RegionType } from './region-types.js';
import { checkRange } from './space-arguments.js';

const FREE_REGION: RegionAttributes = { type: RegionType.Free };

/**
 * Takes the pages of the ANON range [va, va + bytes) out of `space`, which becomes FREE; fills
 * `out` (a new list when null) with each page's frame, whose reference passes to the caller, or
 * -1 for a page never touched; returns it.
 */
export function detachPages(
  space: AddressSpace,
  va: number,
  bytes: number,
  into: Float64Array | null,
): Float64Array {
  checkRange(space, va, bytes, 'detachPages');
  const pages = bytes / PAGE_SIZE;
  if (into !== null && into.length < pages)
    throw new InvalidArgumentError(`detachPages: ${into.length} slots for ${pages} pages`);
  const end = va + bytes;
  const regions = space.regions;
  for (let i = regions.find(va); i < regions.count && regions.base(i) < end; i++) {
    if (regions.type(i) !== RegionType.Anon) {
      throw new NotAllocatedError(
        `detachPages ${hex(va)}..${hex(end)} in ${space.name}: ${hex(Math.max(va, regions.base(i)))} is not anonymous memory`,
      );
    }
  }
  const swap = space.swap;
  if (swap !== null) {
    // Swapped-out pages come back first (OutOfMemoryError: nothing changed), so that every
    // page leaves as a frame; a refused region change sends them out again.
    space.swapInRange(va, bytes);
    try {
      setRegions(space, va, end, FREE_REGION);
    } catch (error) {
      space.faultLog.rollback(space);
      throw error;
    }
    space.machine.pageTables.walkRange(space.root, va, end, (page, pa) =>
      swap.unmapped(space.swapId, pa, page),
    );
  } else {
    // The region first: the only step that can be refused (LimitError, nothing changed).
    setRegions(space, va, end, FREE_REGION);
  }
  const out = into ?? new Float64Array(pages);
  if (space.machine.pageTables.takeRange(space.root, va, end, out) > 0) space.tlb.taken(va, out, pages);
  return out;
}

/**
 * Maps pages[0, count) as a new ANON region (-1: a demand-zero page); returns its address. The
 * caller's reference on each frame passes to the space. A frame with other holders is mapped
 * read-only (copy-on-write when the region is writable).
 */
export function attachPages(
  space: AddressSpace,
  pages: Float64Array,
  count: number,
  options: AttachOptions,
): number {
  const bytes = count * PAGE_SIZE;
  const va = placeRegion(space, RegionType.Anon, bytes, options, LimitCheck.AtSet);
  checkAttachable(space, pages, count);
  const end = va + bytes;
  const protection = options.protection ?? Protection.ReadWrite;
  // The region before the tables: its LimitError changes nothing; a failure to make the tables
  // sets the range FREE again.
  setRegions(space, va, end, {
    type: RegionType.Anon,
    protection,
    flags: options.flags ?? 0,
    name: options.name ?? '',
  });
  const leaf = space.leaf;
  const span = leaf.tableSpan;
  if (end <= (Math.floor(va / span) + 1) * span) {
    // Within one leaf table (any small message): one walk, unless the table must be made.
    let table = leaf.leafTableOf(space.root, va);
    if (table === NO_TABLE) {
      if (!hasFrame(pages, 0, count)) return va;
      prepareTables(space, va, end, pages);
      table = leaf.leafTableOf(space.root, va);
    }
    fillTable(space, table, va, va, end, pages, protection, options.adopt === true);
    return va;
  }
  if (needsTables(space, va, end, pages)) prepareTables(space, va, end, pages);
  for (let from = va; from < end; ) {
    const to = Math.min(end, (Math.floor(from / span) + 1) * span);
    const table = leaf.leafTableOf(space.root, from);
    // No table: no frame of this stretch is present (prepareLeafTables made the others).
    if (table !== NO_TABLE) fillTable(space, table, va, from, to, pages, protection, options.adopt === true);
    from = to;
  }
  return va;
}

/** Makes the leaf tables the frames of [va, end) need, all or nothing; on failure the range is FREE again. */
function prepareTables(space: AddressSpace, va: number, end: number, pages: Float64Array): void {
  try {
    space.machine.pageTables.prepareLeafTables(space.root, va, end, pages);
  } catch (error) {
    space.regions.set(va, end, FREE_REGION);
    throw error;
  }
}

/**
 * Writes the entries of [from, to), one leaf table's worth of an attach at `va`, in one pass;
 * with `adopt` the frames the space alone maps become its own in that pass.
 */
function fillTable(
  space: AddressSpace,
  table: number,
  va: number,
  from: number,
  to: number,
  pages: Float64Array,
  protection: number,
  adopt: boolean,
): void {
  const frameTable = space.machine.frameTable;
  const first = space.leaf.entryAddress(table, from);
  space.leaf.fillFrames(
    table,
    first,
    pages,
    (from - va) / PAGE_SIZE,
    (to - from) / PAGE_SIZE,
    frameTable.refCount,
    space.entryFlags.of(protection, true),
    space.entryFlags.of(protection, false),
    adopt ? space.machine.frames : null,
    space.frameUse,
    space.owner,
  );
  const swap = space.swap;
  if (swap === null) return;
  const step = space.machine.pageTables.format.entryBytes;
  for (
    let page = from, k = (from - va) / PAGE_SIZE, at = first;
    page < to;
    page += PAGE_SIZE, k++, at += step
  )
    if (pages[k] >= 0) swap.mapped(space.swapId, pages[k], page, at);
}

/** Every frame slot of pages[0, count) is -1 or an allocated frame of RAM; else NotAllocatedError. */
function checkAttachable(space: AddressSpace, pages: Float64Array, count: number): void {
  const state = space.machine.frameTable.state;
  const frameCount = space.machine.memory.frameCount;
  for (let k = 0; k < count; k++) {
    const pa = pages[k];
    if (pa < 0) continue;
    // Below 4 GiB and aligned exactly when the frame number gives the address back.
    const pfn = pa >>> 12;
    if (pfn * PAGE_SIZE !== pa || pfn >= frameCount || state[pfn] !== FrameState.Allocated)
      throw new NotAllocatedError(`attachPages: frame ${hex(pa)} is not allocated`);
  }
}

/** Whether some leaf table that a frame of [va, end) needs is missing (one walk per leaf table). */
function needsTables(space: AddressSpace, va: number, end: number, pages: Float64Array): boolean {
  const leaf = space.leaf;
  const span = leaf.tableSpan;
  for (let from = va; from < end; ) {
    const to = Math.min(end, (Math.floor(from / span) + 1) * span);
    if (
      hasFrame(pages, (from - va) / PAGE_SIZE, (to - va) / PAGE_SIZE) &&
      leaf.leafTableOf(space.root, from) === NO_TABLE
    )
      return true;
    from = to;
  }
  return false;
}

/** Whether pages[from, to) holds a frame (a slot >= 0). */
function hasFrame(pages: Float64Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (pages[k] >= 0) return true;
  return false;
}
