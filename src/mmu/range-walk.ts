/**
 * Visiting and removing every leaf of an address range: PageTables.walkRange and unmapRange.
 * Both recurse over present entries only, skip subtrees outside the range, and go in ascending
 * address order (on the sign-extended formats the kernel half, negative, first); a leaf is passed
 * as four numbers, so nothing is allocated per page.
 */
import { AlignmentError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { FRAME_SHIFT } from '../phys/physical-memory.js';
import type { PageFlags } from './flags.js';
import { largeLeafIn } from './large-pages.js';
import type { TablePages } from './table-pages.js';

/** Called for each present leaf by walkRange and unmapRange. Must not change the same root's mappings. */
export type LeafVisitor = (va: number, pa: number, pageSize: number, flags: PageFlags) => void;

/** Calls `visit` for every present leaf that overlaps [start, end). */
export function walkRange(
  tables: TablePages,
  root: number,
  start: number,
  end: number,
  visit: LeafVisitor,
): void {
  const f = tables.format;
  const top = f.levels - 1;
  const rootSpan = tables.entrySpan[top];
  for (let va = start; va < end; ) {
    const index = f.indexOf(va, top);
    const base = f.rootIndexBase(index);
    visitEntry(tables, root, index, top, base, start, end, visit);
    va = base + rootSpan;
  }
}

function visitEntry(
  tables: TablePages,
  table: number,
  index: number,
  level: number,
  base: number,
  start: number,
  end: number,
  visit: LeafVisitor,
): void {
  const f = tables.format;
  const span = tables.entrySpan[level];
  if (base + span <= start || base >= end) return;
  const at = table + index * f.entryBytes;
  const low = tables.memory.read32(at);
  const high = tables.wideEntries ? tables.memory.read32(at + 4) : 0;
  if (!f.isPresent(low, high)) return;
  if (f.isLeaf(low, high, level)) {
    visit(base, f.addressOf(low, high, level), span, f.flagsOf(low, high, level));
    return;
  }
  const child = f.addressOf(low, high, level);
  const childSpan = tables.entrySpan[level - 1];
  const first = start > base ? Math.floor((start - base) / childSpan) : 0;
  for (let i = first; i < f.entriesPerTable; i++) {
    const childBase = base + i * childSpan;
    if (childBase >= end) break;
    visitEntry(tables, child, i, level - 1, childBase, start, end, visit);
  }
}

/**
 * Removes every leaf in [start, end), calling `visit` (when given) with each before it goes, and
 * gives back emptied table pages. Throws AlignmentError and changes nothing when a large page
 * straddles either end. Clears each leaf table's entries in one pass (no walk from the root per page).
 */
export function unmapRange(
  tables: TablePages,
  root: number,
  start: number,
  end: number,
  visit: LeafVisitor | null,
): void {
  if (start >= end) return;
  const straddling = largeLeafIn(tables, root, start, end, false);
  if (!Number.isNaN(straddling)) {
    throw new AlignmentError(
      `unmapping ${hex(start)}..${hex(end)} would split the large page at ${hex(straddling)}`,
    );
  }
  const f = tables.format;
  const top = f.levels - 1;
  const rootSpan = tables.entrySpan[top];
  for (let va = start; va < end; ) {
    const index = f.indexOf(va, top);
    const base = f.rootIndexBase(index);
    clearEntry(tables, root, index, top, base, start, end, visit);
    va = base + rootSpan;
  }
}

/** unmapRange under entry `index` of `table` (at `level`, mapping from `base`); returns the leaves cleared. */
function clearEntry(
  tables: TablePages,
  table: number,
  index: number,
  level: number,
  base: number,
  start: number,
  end: number,
  visit: LeafVisitor | null,
): number {
  const f = tables.format;
  const memory = tables.memory;
  const wide = tables.wideEntries;
  const at = table + index * f.entryBytes;
  const low = tables.memory.read32(at);
  const high = tables.wideEntries ? tables.memory.read32(at + 4) : 0;
  if (!f.isPresent(low, high)) return 0;
  const top = f.levels - 1;
  const kernelHalf = tables.inKernelHalf(base);
  if (f.isLeaf(low, high, level)) {
    if (visit !== null)
      visit(base, f.addressOf(low, high, level), f.pageSizes[level], f.flagsOf(low, high, level));
    if (level === top && kernelHalf) {
      tables.clearKernelEntry(index); // a kernel leaf in the root itself is in every root
    } else {
      tables.writeEntry(table, index, 0, 0);
      tables.presentCount[table >>> FRAME_SHIFT]--;
    }
    return 1;
  }
  const child = f.addressOf(low, high, level);
  const childFrame = child >>> FRAME_SHIFT;
  const childSpan = tables.entrySpan[level - 1];
  const first = start > base ? Math.floor((start - base) / childSpan) : 0;
  let cleared = 0;
  if (level === 1) {
    // The leaf table: one pass over its entries in the range.
    const last = Math.min(f.entriesPerTable, Math.ceil((end - base) / childSpan));
    const entryBytes = f.entryBytes;
    for (let i = first, at = child + first * entryBytes; i < last; i++, at += entryBytes) {
      const entryLow = memory.read32(at);
      const entryHigh = wide ? memory.read32(at + 4) : 0;
      if (!f.isPresent(entryLow, entryHigh)) continue;
      if (visit !== null)
        visit(
          base + i * childSpan,
          f.addressOf(entryLow, entryHigh, 0),
          childSpan,
          f.flagsOf(entryLow, entryHigh, 0),
        );
      memory.write32(at, 0);
      if (wide) memory.write32(at + 4, 0);
      cleared++;
    }
    tables.presentCount[childFrame] -= cleared;
  } else {
    for (let i = first; i < f.entriesPerTable; i++) {
      const childBase = base + i * childSpan;
      if (childBase >= end) break;
      cleared += clearEntry(tables, child, i, level - 1, childBase, start, end, visit);
    }
  }
  // Tables right under the root stay in the kernel half: every root points to them.
  const highest = kernelHalf ? top - 2 : top - 1;
  if (cleared > 0 && level - 1 <= highest && tables.presentCount[childFrame] === 0) {
    tables.writeEntry(table, index, 0, 0);
    tables.presentCount[table >>> FRAME_SHIFT]--;
    tables.freeTable(child);
  }
  return cleared;
}
