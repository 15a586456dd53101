/**
 * Mapping, unmapping and protecting one page: PageTables.map / unmap / protect. Each checks
 * everything first, then reserves the table pages it needs, and only then writes entries, so a
 * call that throws leaves every byte of the tables as it was.
 */
import { AlignmentError, BusyError, InvalidArgumentError, NotAllocatedError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { FRAME_SHIFT } from '../phys/physical-memory.js';
import { NotInRamError } from './errors.js';
import { PageFlags } from './flags.js';
import type { TablePages } from './table-pages.js';

const HARDWARE_FLAGS = PageFlags.Accessed | PageFlags.Dirty;

/** PageTables.map: maps the page of `pageSize` bytes at `va` to `pa`. */
export function mapPage(
  tables: TablePages,
  root: number,
  va: number,
  pa: number,
  pageSize: number,
  flags: PageFlags,
): void {
  tables.checkRoot(root);
  tables.checkVa(va);
  const f = tables.format;
  const level = f.levelOfPageSize(pageSize);
  if (level < 0) {
    throw new InvalidArgumentError(
      `${f.name} has no ${pageSize}-byte pages (sizes: ${f.pageSizes.join(', ')})`,
    );
  }
  if (va % pageSize !== 0)
    throw new AlignmentError(`virtual address ${hex(va)} is not aligned to ${pageSize}`);
  if (!Number.isInteger(pa) || pa % pageSize !== 0) {
    throw new AlignmentError(`physical address ${hex(pa)} is not aligned to ${pageSize}`);
  }
  if (!tables.memory.contains(pa, pageSize)) {
    throw new NotInRamError(
      `physical range ${hex(pa)}+${pageSize} is outside RAM (${hex(tables.memory.size)})`,
    );
  }
  const top = f.levels - 1;
  const kernelHalf = tables.inKernelHalf(va);
  // A kernel leaf in the root itself is copied into every root; the walker would set A and D in
  // one copy only, so they are preset (as Linux maps its kernel large pages, A and D set).
  const copied = kernelHalf && level === top;
  const effective = f.effectiveFlags(copied ? flags | HARDWARE_FLAGS : flags);

  // Walk down as far as tables exist.
  const entry = tables.entry;
  let table = root;
  let l = top;
  for (; l > level; l--) {
    tables.readEntry(table, f.indexOf(va, l), entry);
    if (!f.isPresent(entry[0], entry[1])) break;
    if (f.isLeaf(entry[0], entry[1], l)) {
      throw new BusyError(`${hex(va)} is already inside a ${f.pageSizes[l]}-byte page`);
    }
    table = f.addressOf(entry[0], entry[1], l);
  }
  if (l === level) {
    tables.readEntry(table, f.indexOf(va, l), entry);
    if (f.isPresent(entry[0], entry[1])) {
      const what = f.isLeaf(entry[0], entry[1], l) ? 'a page' : 'a table of smaller pages';
      throw new BusyError(`${hex(va)} is already mapped (${what} is present at level ${l})`);
    }
  }
  // Reserve every missing table page before writing anything (this.path is free scratch here).
  const missing = l - level;
  const fresh = tables.path;
  tables.allocTables(missing, tables.tableOwner(root, va), fresh);
  // Commit: link the new tables top-down, then write the leaf.
  for (let k = 0; k < missing; k++, l--) {
    tables.linkTable(table, f.indexOf(va, l), l, fresh[k]);
    table = fresh[k];
  }
  f.encodeLeaf(pa, effective, level, entry);
  const index = f.indexOf(va, level);
  tables.writeEntry(table, index, entry[0], entry[1]);
  tables.presentCount[table >>> FRAME_SHIFT]++;
  // A kernel leaf in the root itself (a 4 MiB i386 page, a 1 GiB Sv39 page) goes into every root.
  if (copied) tables.shareKernelEntry(table, index);
}

/**
 * PageTables.unmap: removes the page starting at `va` and returns the physical address it mapped
 * (its level is left in tables.leafLevel). Gives back the tables it empties.
 */
export function unmapPage(tables: TablePages, root: number, va: number): number {
  const level = findLeaf(tables, root, va, 'unmap');
  const f = tables.format;
  const table = tables.path[level];
  const index = f.indexOf(va, level);
  tables.readEntry(table, index, tables.entry);
  const pa = f.addressOf(tables.entry[0], tables.entry[1], level);
  if (level === f.levels - 1 && index >= f.kernelRootIndex) {
    tables.clearKernelEntry(index);
  } else {
    tables.writeEntry(table, index, 0, 0);
    tables.presentCount[table >>> FRAME_SHIFT]--;
    tables.releaseEmptyTables(va, level);
  }
  return pa;
}

/** PageTables.protect: replaces the permission flags of the page at `va`, keeping A and D. */
export function protectPage(tables: TablePages, root: number, va: number, flags: PageFlags): void {
  const level = findLeaf(tables, root, va, 'protect');
  const f = tables.format;
  const entry = tables.entry;
  const table = tables.path[level];
  const index = f.indexOf(va, level);
  tables.readEntry(table, index, entry);
  const kept = f.flagsOf(entry[0], entry[1], level) & HARDWARE_FLAGS;
  const pa = f.addressOf(entry[0], entry[1], level);
  const effective = f.effectiveFlags((flags & ~HARDWARE_FLAGS) | kept);
  f.encodeLeaf(pa, effective, level, entry);
  if (level === f.levels - 1 && index >= f.kernelRootIndex) {
    for (const r of tables.rootOwners.keys()) tables.writeEntry(r, index, entry[0], entry[1]);
  } else {
    tables.writeEntry(table, index, entry[0], entry[1]);
  }
}

/** Walks to the leaf mapping `va`, leaving the tables in tables.path; returns its level (also in tables.leafLevel). */
export function findLeaf(tables: TablePages, root: number, va: number, what: string): number {
  tables.checkRoot(root);
  tables.checkVa(va);
  const f = tables.format;
  const entry = tables.entry;
  let table = root;
  for (let level = f.levels - 1; level >= 0; level--) {
    tables.path[level] = table;
    tables.readEntry(table, f.indexOf(va, level), entry);
    if (!f.isPresent(entry[0], entry[1])) break;
    if (f.isLeaf(entry[0], entry[1], level)) {
      if (va % f.pageSizes[level] !== 0) {
        throw new AlignmentError(
          `cannot ${what} ${hex(va)}: it is inside a ${f.pageSizes[level]}-byte page, not at its start`,
        );
      }
      tables.leafLevel = level;
      return level;
    }
    table = f.addressOf(entry[0], entry[1], level);
  }
  throw new NotAllocatedError(`cannot ${what} ${hex(va)}: no page is mapped there`);
}
