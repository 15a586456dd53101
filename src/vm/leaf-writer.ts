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
import { isSwapEntry, type SwapEntryFormat } from '../mmu/swap-entries.js';
import type { FrameUse } from '../phys/frame-table.js';
import { FRAME_SHIFT } from '../phys/physical-memory.js';
import type { FrameSource } from '../phys/types.js';

export const NO_TABLE = -1;
const SHIFT = FRAME_SHIFT;

export class LeafWriter {
  private readonly tables: PageTables;
  private readonly entry = new Uint32Array(2);
  /**
   * Bits of an entry's low word, found once by encoding sample entries: the write permission,
   * and accessed plus dirty. Fork copies and write-protects entries with them, without decoding
   * and encoding every entry.
   */
  private readonly writeBit: number;
  private readonly youngDirtyBits: number;
  /**
   * Where a 4 KiB leaf keeps its frame number in the low word (12 on x86, 10 on Sv39), when every
   * frame of RAM below 4 GiB encodes as `frame number << shift` ORed into the entry of frame 0
   * (checked on sample frames); -1 when it does not, and fillFrames encodes each entry.
   */
  private readonly frameShift: number;
  /** fill()'s entry of frame 0 for `fillFlags`. */
  private readonly fillEntry = new Uint32Array(2);
  private fillFlags = -1;
  /**
   * The address of the entry the last fill() wrote as `fillEntry | frame`, and that frame, for
   * Mmu.preloadFrame (with fillTemplate); NO_TABLE when the last fill encoded its entry whole.
   * The fault handler sets it to NO_TABLE before it resolves a fault, so that it names an entry
   * only this fault wrote.
   */
  filledAt = NO_TABLE;
  filledFrame = 0;

  constructor(tables: PageTables) {
    this.tables = tables;
    const f = tables.format;
    const readOnly = f.effectiveFlags(PageFlags.Read | PageFlags.User);
    f.encodeLeaf(0, readOnly, 0, this.entry);
    const lo = this.entry[0];
    f.encodeLeaf(0, f.effectiveFlags(readOnly | PageFlags.Write), 0, this.entry);
    this.writeBit = (this.entry[0] ^ lo) >>> 0;
    this.youngDirtyBits = (f.accessedBit | f.dirtyBit) >>> 0;
    this.frameShift = this.linearFrameShift();
  }

  /** Bytes of address space one leaf table covers (4 MiB on i386, 2 MiB on x86-64 and Sv39). */
  get tableSpan(): number {
    const f = this.tables.format;
    return f.entriesPerTable * 4096;
  }

  /**
   * The leaf table (level 0) that would hold `va`'s entry under `root`, or NO_TABLE when a level
   * above is missing or `va` lies in a large page. Reads only. Walks the upper levels unless the
   * table is already known (PageTables.knownLeafTable: the MMU notes the table of a walk that
   * faulted at level 0, so a fault handler does not walk again).
   */
  leafTableOf(root: number, va: number): number {
    const known = this.tables.knownLeafTable(root, va);
    if (known >= 0) return known;
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
    this.tables.noteLeafTable(root, va, table);
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

  /** Whether the entry at `at` (in a leaf table) is a swap entry (mmu/swap-entries.ts). */
  isSwapEntryAt(at: number): boolean {
    const memory = this.tables.memory;
    return isSwapEntry(memory.read32(at), this.tables.format.entryBytes === 8 ? memory.read32(at + 4) : 0);
  }

  /** The slot of the swap entry at `at`. */
  slotAt(at: number, entries: SwapEntryFormat): number {
    const memory = this.tables.memory;
    return entries.slotOf(memory.read32(at), this.tables.format.entryBytes === 8 ? memory.read32(at + 4) : 0);
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

  /**
   * Fills the empty entry at `at` of leaf table `table` with a 4 KiB page (a demand-zero fault's
   * entry). `flags` must be valid for the format. With a linear frame field, the entry of frame 0
   * for the last flags used is kept and the frame number ORed in: no encoding per fault.
   */
  fill(table: number, at: number, pa: number, flags: number): void {
    if (this.frameShift < 0) {
      this.write(at, pa, flags);
      this.filledAt = NO_TABLE;
    } else {
      if (flags !== this.fillFlags) {
        this.tables.format.encodeLeaf(0, flags, 0, this.fillEntry);
        this.fillFlags = flags;
      }
      // One entry: written through RAM's word accessor (the table's word view is for whole-table loops).
      const memory = this.tables.memory;
      memory.write32(at, (this.fillEntry[0] | ((pa >>> SHIFT) << this.frameShift)) >>> 0);
      if (this.tables.format.entryBytes === 8) memory.write32(at + 4, this.fillEntry[1]);
      this.filledAt = at;
      this.filledFrame = pa;
    }
    this.tables.presentCount[table >>> SHIFT]++;
  }

  /** Bits 31:0 and 63:32 (0 on i386) of the last fill's entry for frame 0 (see filledAt). */
  get fillTemplateLow(): number {
    return this.fillEntry[0];
  }
  get fillTemplateHigh(): number {
    return this.tables.format.entryBytes === 8 ? this.fillEntry[1] : 0;
  }

  /** Whether the present entry at `at` allows writing. */
  isWritableAt(at: number): boolean {
    return (this.tables.memory.read32(at) & this.writeBit) !== 0;
  }

  /**
   * Copies the present entry at `from` into the empty entry `to` of leaf table `toTable`, as a
   * fork's child entry: neither accessed nor dirty, and read-only unless `keepWrite`. A swap
   * entry is copied as it is (those bits are clear in every format's swap entries).
   */
  copyEntry(from: number, toTable: number, to: number, keepWrite: boolean): void {
    const memory = this.tables.memory;
    const clear = keepWrite ? this.youngDirtyBits : this.youngDirtyBits | this.writeBit;
    memory.write32(to, (memory.read32(from) & ~clear) >>> 0);
    if (this.tables.format.entryBytes === 8) memory.write32(to + 4, memory.read32(from + 4));
    this.tables.presentCount[toTable >>> SHIFT]++;
  }

  /** Gives the present entry at `at` the write permission, keeping everything else (a copy-on-write takeover). */
  allowWrite(at: number): void {
    const memory = this.tables.memory;
    memory.write32(at, (memory.read32(at) | this.writeBit) >>> 0);
  }

  /** Takes the write permission from the entry at `at`, keeping accessed and dirty (a fork's parent). */
  writeProtect(at: number): void {
    const memory = this.tables.memory;
    memory.write32(at, (memory.read32(at) & ~this.writeBit) >>> 0);
  }

  /**
   * Fills the empty entries of leaf table `table` from `at` on with the frames
   * pages[from .. from + count) (a slot of -1 leaves its entry empty): a frame whose reference
   * count is 1 gets `ownFlags`, a frame with other holders `sharedFlags` (copy-on-write). The
   * entry of frame 0 is encoded once per flags and the frame number ORed in: no encoding, walk
   * or allocation per page. With `adopt` (the frame source), a frame of reference count 1 is
   * also handed to `use` and `owner` in the same pass (the space that alone maps it owns it).
   * Returns the entries filled. Flags must be valid for the format.
   */
  fillFrames(
    table: number,
    at: number,
    pages: Float64Array,
    from: number,
    count: number,
    refCount: Uint16Array,
    ownFlags: number,
    sharedFlags: number,
    adopt: FrameSource | null = null,
    use: FrameUse = 0,
    owner = 0,
  ): number {
    const shift = this.frameShift;
    const f = this.tables.format;
    const memory = this.tables.memory;
    const eight = f.entryBytes === 8;
    const step = f.entryBytes;
    const entry = this.entry;
    f.encodeLeaf(0, ownFlags, 0, entry);
    const ownLo = entry[0];
    const ownHi = entry[1];
    f.encodeLeaf(0, sharedFlags, 0, entry);
    const sharedLo = entry[0];
    const sharedHi = entry[1];
    let filled = 0;
    if (shift < 0) {
      for (let k = from, e = at; k < from + count; k++, e += step) {
        const pa = pages[k];
        if (pa < 0) continue;
        const pfn = pa >>> SHIFT;
        const own = refCount[pfn] === 1;
        f.encodeLeaf(pa, own ? ownFlags : sharedFlags, 0, entry);
        memory.write32(e, entry[0]);
        if (eight) memory.write32(e + 4, entry[1]);
        if (own && adopt !== null) adopt.setOwner(pa, use, owner);
        filled++;
      }
    } else {
      // The table's words, indexed directly (an entry is 1 or 2 words).
      const words = this.tables.tableWords(table);
      const wordStep = step >>> 2;
      let w = (at & (words.length * 4 - 1)) >>> 2;
      for (let k = from; k < from + count; k++, w += wordStep) {
        const pa = pages[k];
        if (pa < 0) continue;
        const pfn = pa >>> SHIFT;
        const own = refCount[pfn] === 1;
        words[w] = (own ? ownLo : sharedLo) | (pfn << shift);
        if (eight) words[w + 1] = own ? ownHi : sharedHi;
        if (own && adopt !== null) adopt.setOwner(pa, use, owner);
        filled++;
      }
    }
    this.tables.presentCount[table >>> SHIFT] += filled;
    return filled;
  }

  /**
   * Reads `count` entries of leaf table `table` from `at` on, in one pass over the table's words:
   * out[from + k] is the frame of a present entry or -1, writable[from + k] is 1 where the entry
   * allows writing, else 0. Reads only.
   */
  readFrames(
    table: number,
    at: number,
    count: number,
    out: Float64Array,
    writable: Uint8Array,
    from: number,
  ): void {
    const f = this.tables.format;
    const eight = f.entryBytes === 8;
    const words = this.tables.tableWords(table);
    const step = f.entryBytes >>> 2;
    const writeBit = this.writeBit;
    let w = (at & (words.length * 4 - 1)) >>> 2;
    for (let k = from; k < from + count; k++, w += step) {
      const lo = words[w];
      const hi = eight ? words[w + 1] : 0;
      if (!f.isPresent(lo, hi)) {
        out[k] = -1;
        writable[k] = 0;
        continue;
      }
      out[k] = f.addressOf(lo, hi, 0);
      writable[k] = (lo & writeBit) !== 0 ? 1 : 0;
    }
  }

  /** Rewrites the present entry at `at` (same table, so no count changes). */
  write(at: number, pa: number, flags: number): void {
    const f = this.tables.format;
    const memory = this.tables.memory;
    f.encodeLeaf(pa, flags, 0, this.entry);
    memory.write32(at, this.entry[0]);
    if (f.entryBytes === 8) memory.write32(at + 4, this.entry[1]);
  }

  /** See frameShift: the shift that makes `frame 0's entry | pfn << shift` every frame's entry, or -1. */
  private linearFrameShift(): number {
    const f = this.tables.format;
    const flags = f.effectiveFlags(PageFlags.Read | PageFlags.User | PageFlags.Write);
    const entry = this.entry;
    f.encodeLeaf(0, flags, 0, entry);
    const lo0 = entry[0];
    const hi0 = entry[1];
    f.encodeLeaf(4096, flags, 0, entry);
    const bit = (entry[0] ^ lo0) >>> 0;
    const shift = 31 - Math.clz32(bit);
    if (bit === 0 || bit !== (1 << shift) >>> 0) return -1;
    for (const pfn of [1, 0x5a5a5, 0xfffff]) {
      f.encodeLeaf(pfn * 4096, flags, 0, entry);
      if (entry[0] !== (lo0 | (pfn << shift)) >>> 0 || entry[1] !== hi0) return -1;
    }
    return shift;
  }
}
