/**
 * Finding large pages in a range, for the range operations that work a 4 KiB page at a time
 * (unmapRange must not split a large page; takeRange moves 4 KiB frames only). Reads only the
 * tables above the leaf tables.
 */
import type { TablePages } from './table-pages.js';

/**
 * The address of a large leaf overlapping [start, end) that straddles one of its ends (or, when
 * `any`, of any large leaf overlapping it); NaN when there is none.
 */
export function largeLeafIn(
  tables: TablePages,
  root: number,
  start: number,
  end: number,
  any: boolean,
): number {
  const f = tables.format;
  const top = f.levels - 1;
  const rootSpan = tables.entrySpan[top];
  for (let va = start; va < end; ) {
    const index = f.indexOf(va, top);
    const base = f.rootIndexBase(index);
    const found = largeLeafUnder(tables, root, index, top, base, start, end, any);
    if (!Number.isNaN(found)) return found;
    va = base + rootSpan;
  }
  return Number.NaN;
}

/** largeLeafIn under entry `index` of `table` (at `level`, mapping from `base`). */
function largeLeafUnder(
  tables: TablePages,
  table: number,
  index: number,
  level: number,
  base: number,
  start: number,
  end: number,
  any: boolean,
): number {
  const f = tables.format;
  const at = table + index * f.entryBytes;
  const low = tables.memory.read32(at);
  const high = tables.wideEntries ? tables.memory.read32(at + 4) : 0;
  if (!f.isPresent(low, high)) return Number.NaN;
  if (f.isLeaf(low, high, level)) {
    const size = f.pageSizes[level];
    return any || base < start || base + size > end ? base : Number.NaN;
  }
  if (level === 1) return Number.NaN; // its entries are 4 KiB leaves
  const child = f.addressOf(low, high, level);
  const childSpan = tables.entrySpan[level - 1];
  const first = start > base ? Math.floor((start - base) / childSpan) : 0;
  for (let i = first; i < f.entriesPerTable; i++) {
    const childBase = base + i * childSpan;
    if (childBase >= end) break;
    const found = largeLeafUnder(tables, child, i, level - 1, childBase, start, end, any);
    if (!Number.isNaN(found)) return found;
  }
  return Number.NaN;
}
