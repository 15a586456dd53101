/**
 * The page tables' invariant checker (PageTables.check): every table reachable from a root is a
 * table page held as one, its present-entry count is right, no entry has reserved bits, no empty
 * table is kept except the kernel's tables under the roots, every root's kernel half equals the
 * kernel root's, and no table page is held without being reachable.
 */
import { InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { FRAME_SHIFT } from '../phys/physical-memory.js';
import { isSwapEntry } from './swap-entries.js';
import { FrameKind, type TablePages } from './table-pages.js';
import { TableWordViews } from './table-words.js';

/** Word views of RAM per machine, for one pass over each table page without a read call per entry. */
const views = new WeakMap<TablePages, TableWordViews>();

export function checkPageTables(tables: TablePages, kernelRoot: number): void {
  const f = tables.format;
  const seen = new Uint8Array(tables.memory.frameCount);
  let words = views.get(tables);
  if (words === undefined) {
    words = new TableWordViews(tables.memory);
    views.set(tables, words);
  }
  const ram = words;
  const wide = tables.wideEntries;
  const step = wide ? 2 : 1;
  let reached = 0;
  const visitTable = (table: number, level: number): void => {
    const frame = table >>> FRAME_SHIFT;
    if (seen[frame]) return; // a shared kernel table, already checked
    seen[frame] = 1;
    reached++;
    if (tables.kind[frame] === FrameKind.NotTable)
      throw new InvariantError(`${hex(table)} is used as a table but not held as one`);
    let present = 0;
    const entries = ram.of(table);
    const at = (table & (entries.length * 4 - 1)) >>> 2;
    for (let i = 0, w = at; i < f.entriesPerTable; i++, w += step) {
      const low = entries[w];
      const high = wide ? entries[w + 1] : 0;
      if ((low | high) === 0) continue;
      if (!f.isPresent(low, high)) {
        // A swap entry keeps its leaf table in use: it is counted like a present entry.
        if (level === 0 && isSwapEntry(low, high)) present++;
        continue;
      }
      present++;
      if (f.hasReservedBits(low, high, level)) {
        throw new InvariantError(`entry ${i} of table ${hex(table)} (level ${level}) has reserved bits set`);
      }
      if (!f.isLeaf(low, high, level)) visitTable(f.addressOf(low, high, level), level - 1);
    }
    if (present !== tables.presentCount[frame]) {
      throw new InvariantError(
        `table ${hex(table)} has ${present} present entries but its count says ${tables.presentCount[frame]}`,
      );
    }
    if (
      present === 0 &&
      tables.kind[frame] !== FrameKind.Root &&
      !isKernelTableUnderRoot(tables, kernelRoot, table, level)
    ) {
      throw new InvariantError(`empty table ${hex(table)} at level ${level} was not given back`);
    }
  };
  const entry = new Uint32Array(2);
  const kernelEntry = new Uint32Array(2);
  // The walker sets A (and D in a leaf) in whichever copy of a kernel entry it used, so they may differ.
  const hardwareBits = f.accessedBit | f.dirtyBit;
  for (const root of tables.rootOwners.keys()) {
    if (tables.kind[root >>> FRAME_SHIFT] !== FrameKind.Root)
      throw new InvariantError(`root ${hex(root)} is not marked`);
    visitTable(root, f.levels - 1);
    for (let i = f.kernelRootIndex; i < f.entriesPerTable; i++) {
      tables.readEntry(root, i, entry);
      tables.readEntry(kernelRoot, i, kernelEntry);
      if ((entry[0] | hardwareBits) !== (kernelEntry[0] | hardwareBits) || entry[1] !== kernelEntry[1]) {
        throw new InvariantError(`root ${hex(root)} kernel entry ${i} differs from the kernel root's`);
      }
    }
  }
  if (reached !== tables.count) {
    throw new InvariantError(`${tables.count} table pages are held but ${reached} are reachable`);
  }
}

/** Whether `table` (at `level`) hangs directly under a kernel-half root entry: kept even when empty. */
function isKernelTableUnderRoot(
  tables: TablePages,
  kernelRoot: number,
  table: number,
  level: number,
): boolean {
  const f = tables.format;
  if (level !== f.levels - 2) return false;
  const entry = new Uint32Array(2);
  for (let i = f.kernelRootIndex; i < f.entriesPerTable; i++) {
    tables.readEntry(kernelRoot, i, entry);
    if (f.isPresent(entry[0], entry[1]) && f.addressOf(entry[0], entry[1], level + 1) === table) return true;
  }
  return false;
}
