/**
 * Bulk work on 4 KiB leaf entries in leaf tables that PageTables already made: the fast paths of
 * a demand-zero fault (the leaf table exists: write one entry) and of fork (copy a whole leaf
 * table's worth of entries without walking from the root for each page).
 *
 * It writes entries in the format's own encoding and keeps PageTables.presentCount in step, so
 * PageTables.check() sees exactly what PageTables.map() would have made. Tables are never created
 * or freed here: that stays with PageTables (map, unmap, unmapRange, destroyRoot). Nothing here
 * allocates.
 */
import { PageFlags } from '../mmu/flags.js';
import type { PageTables } from '../mmu/page-tables.js';
import { FRAME_SHIFT } from '../phys/physical-memory.js';

export const NO_TABLE = -1;
/** A local copy: imported bindings are getters under the test and benchmark loaders. */
const SHIFT = FRAME_SHIFT;

export class LeafWriter {
  private readonly tables: PageTables;
  private readonly entry = new Uint32Array(2);
  /**
   * Bits of an entry's low word, found once by encoding sample entries: the write permission,
   * and accessed plus dirty. Fork copies and write-protects raw entries with them, without
   * decoding and encoding every entry.
   */
  readonly writeBit: number;
  readonly youngDirtyBits: number;

  constructor(tables: PageTables) {
    this.tables = tables;
    const f = tables.format;
    const readOnly = f.effectiveFlags(PageFlags.Read | PageFlags.User);
    f.encodeLeaf(0, readOnly, 0, this.entry);
    const lo = this.entry[0];
    f.encodeLeaf(0, f.effectiveFlags(readOnly | PageFlags.Write), 0, this.entry);
    this.writeBit = (this.entry[0] ^ lo) >>> 0;
    this.youngDirtyBits = (f.accessedBit | f.dirtyBit) >>> 0;
  }

  /** Bytes of address space one leaf table covers (4 MiB on i386, 2 MiB on x86-64 and Sv39). */
  get tableSpan(): number {
    const f = this.tables.format;
    return f.entriesPerTable * 4096;
  }

  /**
   * The leaf table (level 0) that would hold `va`'s entry under `root`, or NO_TABLE when a level
   * above is missing or `va` lies in a large page. Reads only.
   */
  leafTableOf(root: number, va: number): number {
    const f = this.tables.format;
    const memory = this.tables.memory;
    const eight = f.entryBytes === 8;
    let table = root;
    for (let level = f.levels - 1; level > 0; level--) {
      const at = table + f.indexOf(va, level) * f.entryBytes;
      const lo = memory.read32(at);
      const hi = eight ? memory.read32(at + 4) : 0;
      if (!f.isPresent(lo, hi) || f.isLeaf(lo, hi, level)) return NO_TABLE;
      table = f.addressOf(lo, hi, level);
    }
    return table;
  }

  /** Physical address of `va`'s entry in leaf table `table`. */
  entryAddress(table: number, va: number): number {
    const f = this.tables.format;
    return table + f.indexOf(va, 0) * f.entryBytes;
  }

  /** Whether the entry at `at` (in a leaf table) is present. */
  isPresentAt(at: number): boolean {
    const f = this.tables.format;
    const memory = this.tables.memory;
    return f.isPresent(memory.read32(at), f.entryBytes === 8 ? memory.read32(at + 4) : 0);
  }

  /** Frame address of the present leaf entry at `at`. */
  frameAt(at: number): number {
    const f = this.tables.format;
    const memory = this.tables.memory;
    return f.addressOf(memory.read32(at), f.entryBytes === 8 ? memory.read32(at + 4) : 0, 0);
  }

  /** Neutral flags (with Accessed / Dirty) of the present leaf entry at `at`. */
  flagsAt(at: number): number {
    const f = this.tables.format;
    const memory = this.tables.memory;
    return f.flagsOf(memory.read32(at), f.entryBytes === 8 ? memory.read32(at + 4) : 0, 0);
  }

  /** Fills the empty entry at `at` of leaf table `table` with a 4 KiB page. `flags` must be valid for the format. */
  fill(table: number, at: number, pa: number, flags: number): void {
    this.write(at, pa, flags);
    this.tables.presentCount[table >>> SHIFT]++;
  }

  /** The low word of the entry at `at`. */
  lowAt(at: number): number {
    return this.tables.memory.read32(at);
  }

  /**
   * Copies the present entry at `from` into the empty entry `to` of leaf table `toTable`, with
   * the low-word bits `clear` cleared (a fork's child entry: write permission, accessed, dirty).
   */
  copyEntry(from: number, toTable: number, to: number, clear: number): void {
    const memory = this.tables.memory;
    memory.write32(to, (memory.read32(from) & ~clear) >>> 0);
    if (this.tables.format.entryBytes === 8) memory.write32(to + 4, memory.read32(from + 4));
    this.tables.presentCount[toTable >>> SHIFT]++;
  }

  /** Clears low-word bits of the entry at `at` (write-protecting a fork's parent entry). */
  clearBits(at: number, clear: number): void {
    const memory = this.tables.memory;
    memory.write32(at, (memory.read32(at) & ~clear) >>> 0);
  }

  /** Rewrites the present entry at `at` (same table, so no count changes). */
  write(at: number, pa: number, flags: number): void {
    const f = this.tables.format;
    const memory = this.tables.memory;
    f.encodeLeaf(pa, flags, 0, this.entry);
    memory.write32(at, this.entry[0]);
    if (f.entryBytes === 8) memory.write32(at + 4, this.entry[1]);
  }
}
