/**
 * Bulk operations on leaf tables for zero-copy IPC: takeRange removes the 4 KiB pages of a range
 * into a frame list, a leaf table at a time; prepareLeafTables makes every leaf table a range
 * needs (all or nothing) so that a writer can fill a table's entries in one pass.
 */
import { AlignmentError, BusyError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { FRAME_SHIFT } from '../phys/physical-memory.js';
import { largeLeafIn } from './large-pages.js';
import { SMALL_PAGE, type TablePages } from './table-pages.js';
import type { TableWordViews } from './table-words.js';

/**
 * PageTables.takeRange: removes the 4 KiB pages of [start, end), writing the frame of each page
 * removed at frames[(va - start) / 4096] and -1 for pages not present; returns how many it removed.
 */
export function takeRange(
  tables: TablePages,
  words: TableWordViews,
  root: number,
  start: number,
  end: number,
  frames: Float64Array,
): number {
  if (start >= end) return 0;
  tables.checkPageSlots('takeRange', frames, start, end);
  // Each leaf table's worth of the range is reached by one walk from the root; a range within
  // one leaf table (any small message) is checked for large pages by that walk itself.
  const span = tables.format.pageSizes[1];
  const firstBase = Math.floor(start / span) * span;
  if (end > firstBase + span) {
    const large = largeLeafIn(tables, root, start, end, true);
    if (!Number.isNaN(large)) throw largePageInTake(start, end, large);
  }
  let taken = 0;
  for (let spanStart = start, tableBase = firstBase; spanStart < end; tableBase += span) {
    const spanEnd = Math.min(end, tableBase + span);
    taken += takeSpan(tables, words, root, spanStart, spanEnd, start, frames);
    spanStart = spanEnd;
  }
  return taken;
}

/**
 * takeRange within one leaf table's span [spanStart, spanEnd): walks down once (the tables in
 * tables.path), clears the present entries in one pass, gives back the tables it empties.
 * Throws AlignmentError before changing anything when a large page covers the span.
 */
function takeSpan(
  tables: TablePages,
  words: TableWordViews,
  root: number,
  spanStart: number,
  spanEnd: number,
  start: number,
  frames: Float64Array,
): number {
  const f = tables.format;
  const wide = tables.wideEntries;
  const path = tables.path;
  let table = root;
  for (let level = f.levels - 1; level > 0; level--) {
    path[level] = table;
    tables.readEntryAt(table + f.indexOf(spanStart, level) * f.entryBytes);
    const low = tables.entry[0];
    const high = tables.entry[1];
    if (!f.isPresent(low, high)) {
      frames.fill(-1, (spanStart - start) / SMALL_PAGE, (spanEnd - start) / SMALL_PAGE);
      return 0;
    }
    if (f.isLeaf(low, high, level)) {
      const size = f.pageSizes[level];
      throw largePageInTake(spanStart, spanEnd, Math.floor(spanStart / size) * size);
    }
    table = f.addressOf(low, high, level);
  }
  path[0] = table;
  let taken = 0;
  const first = (spanStart - start) / SMALL_PAGE;
  const last = (spanEnd - start) / SMALL_PAGE;
  // The leaf table's words, indexed directly (an entry is 1 or 2 words).
  const ram = words.of(table);
  const step = f.entryBytes >>> 2;
  let word = ((table & (ram.length * 4 - 1)) + f.indexOf(spanStart, 0) * f.entryBytes) >>> 2;
  for (let k = first; k < last; k++, word += step) {
    const low = ram[word];
    const high = wide ? ram[word + 1] : 0;
    if (!f.isPresent(low, high)) {
      frames[k] = -1;
      continue;
    }
    frames[k] = f.addressOf(low, high, 0);
    ram[word] = 0;
    if (wide) ram[word + 1] = 0;
    taken++;
  }
  if (taken > 0) {
    const frame = table >>> FRAME_SHIFT;
    tables.presentCount[frame] -= taken;
    if (tables.presentCount[frame] === 0) tables.releaseEmptyTables(spanStart, 0);
  }
  return taken;
}

function largePageInTake(start: number, end: number, page: number): AlignmentError {
  return new AlignmentError(`taking ${hex(start)}..${hex(end)}: a large page is mapped at ${hex(page)}`);
}

/**
 * PageTables.prepareLeafTables: makes the leaf table of every 4 KiB page of [start, end) exist
 * (with `pages`, only of the pages whose slot is >= 0). Every missing table is allocated before
 * any is linked.
 */
export function prepareLeafTables(
  tables: TablePages,
  root: number,
  start: number,
  end: number,
  pages: Float64Array | null,
): void {
  if (start >= end) return;
  if (pages !== null) tables.checkPageSlots('prepareLeafTables', pages, start, end);
  const f = tables.format;
  // A range within one leaf table (any small message): one walk.
  const span = f.pageSizes[1];
  const tableBase = Math.floor(start / span) * span;
  if (end <= tableBase + span) {
    if (anySelected(pages, tableBase, span, start, end)) prepareLeafTable(tables, root, start);
    return;
  }
  const top = f.levels - 1;
  const rootSpan = tables.entrySpan[top];
  let missing = 0;
  for (let va = start; va < end; ) {
    const index = f.indexOf(va, top);
    const base = f.rootIndexBase(index);
    missing += missingTables(tables, root, index, top, base, start, end, pages);
    va = base + rootSpan;
  }
  if (missing === 0) return;
  const fresh: number[] = [];
  tables.allocTables(missing, tables.tableOwner(root, start), fresh);
  for (let va = start; va < end; ) {
    const index = f.indexOf(va, top);
    const base = f.rootIndexBase(index);
    linkTables(tables, root, index, top, base, start, end, pages, fresh);
    va = base + rootSpan;
  }
}

/**
 * prepareLeafTables for the one leaf table of `va`: walks down once, allocates the missing
 * tables (all or none), then links them top-down as map() does.
 */
function prepareLeafTable(tables: TablePages, root: number, va: number): void {
  const f = tables.format;
  let table = root;
  let level = f.levels - 1;
  for (; level > 0; level--) {
    tables.readEntryAt(table + f.indexOf(va, level) * f.entryBytes);
    const low = tables.entry[0];
    const high = tables.entry[1];
    if (!f.isPresent(low, high)) break;
    if (f.isLeaf(low, high, level))
      throw new BusyError(`${hex(va)} is already inside a ${f.pageSizes[level]}-byte page`);
    table = f.addressOf(low, high, level);
  }
  if (level === 0) return;
  // The entry at `level` is empty: tables for levels level - 1 down to 0 are missing.
  const fresh = tables.path;
  tables.allocTables(level, tables.tableOwner(root, va), fresh);
  for (let k = 0, l = level; k < level; k++, l--) {
    tables.linkTable(table, f.indexOf(va, l), l, fresh[k]);
    table = fresh[k];
  }
}

/**
 * The table pages missing under entry `index` of `table` (at `level`, mapping from `base`) for
 * the 4 KiB pages of [start, end) that `pages` selects; `table` -1 is a table not made yet.
 * Throws BusyError when a large page covers part of the range.
 */
function missingTables(
  tables: TablePages,
  table: number,
  index: number,
  level: number,
  base: number,
  start: number,
  end: number,
  pages: Float64Array | null,
): number {
  const f = tables.format;
  let child = -1;
  if (table >= 0) {
    const at = table + index * f.entryBytes;
    const low = tables.memory.read32(at);
    const high = tables.wideEntries ? tables.memory.read32(at + 4) : 0;
    if (f.isPresent(low, high)) {
      if (f.isLeaf(low, high, level))
        throw new BusyError(
          `${hex(Math.max(base, start))} is already inside a ${f.pageSizes[level]}-byte page`,
        );
      child = f.addressOf(low, high, level);
    }
  }
  if (level === 1) return child < 0 && anySelected(pages, base, f.pageSizes[1], start, end) ? 1 : 0;
  const childSpan = tables.entrySpan[level - 1];
  const first = start > base ? Math.floor((start - base) / childSpan) : 0;
  let below = 0;
  for (let i = first; i < f.entriesPerTable; i++) {
    const childBase = base + i * childSpan;
    if (childBase >= end) break;
    below += missingTables(tables, child, i, level - 1, childBase, start, end, pages);
  }
  return below + (child < 0 && below > 0 ? 1 : 0);
}

/** Links tables taken from `fresh` where missingTables counted them. */
function linkTables(
  tables: TablePages,
  table: number,
  index: number,
  level: number,
  base: number,
  start: number,
  end: number,
  pages: Float64Array | null,
  fresh: number[],
): void {
  const f = tables.format;
  const at = table + index * f.entryBytes;
  const low = tables.memory.read32(at);
  const high = tables.wideEntries ? tables.memory.read32(at + 4) : 0;
  let child: number;
  if (f.isPresent(low, high)) {
    child = f.addressOf(low, high, level);
  } else {
    // A table only where a selected page will use it.
    if (!anySelected(pages, base, tables.entrySpan[level], start, end)) return;
    child = fresh.pop() as number;
    tables.linkTable(table, index, level, child);
  }
  if (level === 1) return;
  const childSpan = tables.entrySpan[level - 1];
  const first = start > base ? Math.floor((start - base) / childSpan) : 0;
  for (let i = first; i < f.entriesPerTable; i++) {
    const childBase = base + i * childSpan;
    if (childBase >= end) break;
    linkTables(tables, child, i, level - 1, childBase, start, end, pages, fresh);
  }
}

/** Whether some page of [base, base + span) ∩ [start, end) is selected (pages null: all are). */
function anySelected(
  pages: Float64Array | null,
  base: number,
  span: number,
  start: number,
  end: number,
): boolean {
  if (pages === null) return true;
  const first = (Math.max(base, start) - start) / SMALL_PAGE;
  const last = (Math.min(base + span, end) - start) / SMALL_PAGE;
  for (let k = first; k < last; k++) if (pages[k] >= 0) return true;
  return false;
}
