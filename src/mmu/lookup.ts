/**
 * PageTables.lookup: the entry that maps one virtual address and every table walked to reach it,
 * as an object. For debuggers, the browser's table view and tests; it allocates (the hot path is
 * the MMU's walker).
 */
import { InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import type { PageFlags } from './flags.js';
import type { TablePages } from './table-pages.js';

/** What lookup() found for one virtual address. */
export interface LookupResult {
  /** Whether a present leaf maps the address. */
  present: boolean;
  /** Level of the last entry read: the leaf's level, or where the walk stopped (not present / reserved). */
  level: number;
  /** Raw halves of that entry: bits 31:0 and bits 63:32 (0 for i386). */
  entryLo: number;
  entryHi: number;
  /** Physical address of that entry in its table page. */
  entryAddress: number;
  /** Whether that entry has a reserved bit set. */
  reserved: boolean;
  /** Size of the page mapping the address (0 when not present). */
  pageSize: number;
  /** Virtual base of that page, and the physical address it maps (-1 when not present). */
  pageVa: number;
  pagePa: number;
  /** Physical address of `va` itself (-1 when not present). */
  pa: number;
  /** Neutral flags of the leaf (with Accessed and Dirty), 0 when not present. */
  flags: PageFlags;
  /** Physical addresses of the table pages walked, root first. */
  tables: number[];
}

export function lookup(tables: TablePages, root: number, va: number): LookupResult {
  tables.checkRoot(root);
  tables.checkVa(va);
  const f = tables.format;
  const walked: number[] = [];
  let table = root;
  for (let level = f.levels - 1; level >= 0; level--) {
    walked.push(table);
    const index = f.indexOf(va, level);
    tables.readEntry(table, index, tables.entry);
    const low = tables.entry[0];
    const high = tables.entry[1];
    const present = f.isPresent(low, high);
    const reserved = present && f.hasReservedBits(low, high, level);
    const result: LookupResult = {
      present: false,
      level,
      entryLo: low,
      entryHi: high,
      entryAddress: table + index * f.entryBytes,
      reserved,
      pageSize: 0,
      pageVa: -1,
      pagePa: -1,
      pa: -1,
      flags: 0,
      tables: walked,
    };
    if (!present || reserved) return result;
    if (f.isLeaf(low, high, level)) {
      const size = f.pageSizes[level];
      const offset = (va >>> 0) & (size - 1);
      result.present = true;
      result.pageSize = size;
      result.pageVa = va - offset;
      result.pagePa = f.addressOf(low, high, level);
      result.pa = result.pagePa + offset;
      result.flags = f.flagsOf(low, high, level);
      return result;
    }
    table = f.addressOf(low, high, level);
  }
  throw new InvariantError(`${f.name} walk for ${hex(va)} ran below level 0`);
}
