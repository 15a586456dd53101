/**
 * Page tables that live in RAM: the machine-dependent half of address spaces (the seeds' Pmap,
 * "the interface to the MMU"). Every table page is a frame from the FrameSource; entries are
 * written into that frame's bytes in the format's own encoding. One PageTables instance serves
 * every address space of a machine: it owns the kernel's root, whose upper-half top-level entries
 * are copied into each new root so that all address spaces share the kernel's lower-level tables.
 *
 * Every operation checks first and changes nothing when it throws.
 */
import {
  AlignmentError,
  BusyError,
  InvalidArgumentError,
  InvariantError,
  NotAllocatedError,
} from '../common/errors.js';
import { hex } from '../common/format.js';
import { FrameUse, KERNEL_OWNER } from '../phys/frame-table.js';
import { FRAME_SHIFT, type PhysicalMemory } from '../phys/physical-memory.js';
import type { FrameSource } from '../phys/types.js';
import { NonCanonicalAddressError, NotInRamError } from './errors.js';
import { PageFlags, type PageFlags as PageFlagsType } from './flags.js';
import type { PageTableFormat } from './page-table-format.js';

/** What lookup() found for one virtual address. */
export interface LookupResult {
  /** Whether a present leaf maps the address. */
  present: boolean;
  /** Level of the last entry read: the leaf's level, or where the walk stopped (not present / reserved). */
  level: number;
  /** Raw halves of that entry (hi is 0 for i386). */
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
  flags: PageFlagsType;
  /** Physical addresses of the table pages walked, root first. */
  tables: number[];
}

/** Called for each present leaf by walkRange and unmapRange. Must not change the same root's mappings. */
export type LeafVisitor = (va: number, pa: number, pageSize: number, flags: PageFlagsType) => void;

const NOT_TABLE = 0;
const TABLE = 1;
const ROOT = 2;

export class PageTables {
  readonly format: PageTableFormat;
  readonly memory: PhysicalMemory;
  readonly frames: FrameSource;
  /** The kernel's root: owns the upper half; its top-level kernel entries are copied into every root. */
  readonly kernelRoot: number;
  /** Present entries in each table page, indexed by frame number (0 for frames that are not tables). */
  readonly presentCount: Uint16Array;
  /** Size in bytes of the page the last successful unmap() removed. */
  lastUnmappedSize = 0;

  /** NOT_TABLE, TABLE or ROOT for each frame number. */
  private readonly kind: Uint8Array;
  /** Owner id of each live root (user roots and the kernel root). */
  private readonly rootOwners = new Map<number, number>();
  private tablePages = 0;
  private readonly entry = new Uint32Array(2);
  /** Table addresses of the current walk, indexed by level; reused by every operation. */
  private readonly path: Float64Array;
  /** Word views of RAM chunks holding tables, by chunk, and the byte arrays they were made for (tableWords). */
  private readonly chunkWords: (Uint32Array | undefined)[] = [];
  private readonly chunkBytes: (Uint8Array | undefined)[] = [];

  constructor(format: PageTableFormat, memory: PhysicalMemory, frames: FrameSource) {
    this.format = format;
    this.memory = memory;
    this.frames = frames;
    this.presentCount = new Uint16Array(memory.frameCount);
    this.kind = new Uint8Array(memory.frameCount);
    this.path = new Float64Array(format.levels);
    this.kernelRoot = this.allocTable(KERNEL_OWNER);
    this.kind[this.kernelRoot >>> FRAME_SHIFT] = ROOT;
    this.rootOwners.set(this.kernelRoot, KERNEL_OWNER);
  }

  /** Table pages (roots included) currently held from the FrameSource. */
  get tablePageCount(): number {
    return this.tablePages;
  }

  /** Live roots, the kernel's first. */
  roots(): number[] {
    return [...this.rootOwners.keys()];
  }

  /** Whether `pa` is a live root. */
  isRoot(pa: number): boolean {
    return this.rootOwners.has(pa);
  }

  /**
   * A new root for an address space owned by `owner`: a table page whose kernel-half top-level
   * entries are copies of the kernel root's (so the kernel's lower tables are shared) and whose
   * user half is empty. Throws OutOfMemoryError and changes nothing when no frame is left.
   */
  createRoot(owner: number): number {
    const root = this.allocTable(owner);
    const f = this.format;
    for (let i = f.kernelRootIndex; i < f.entriesPerTable; i++) {
      this.readEntry(this.kernelRoot, i, this.entry);
      if (f.isPresent(this.entry[0], this.entry[1])) {
        this.writeEntry(root, i, this.entry[0], this.entry[1]);
        this.presentCount[root >>> FRAME_SHIFT]++;
      }
    }
    this.kind[root >>> FRAME_SHIFT] = ROOT;
    this.rootOwners.set(root, owner);
    return root;
  }

  /**
   * Frees a user root: drops every user mapping (the mapped frames are not released: that is the
   * caller's job, see walkRange), gives back its user-half table pages and the root page. The
   * shared kernel tables stay. The kernel root cannot be destroyed this way (see dispose).
   */
  destroyRoot(root: number): void {
    this.checkRoot(root);
    if (root === this.kernelRoot) throw new InvalidArgumentError('the kernel root is destroyed by dispose()');
    this.clearUserHalf(root);
    this.presentCount[root >>> FRAME_SHIFT] = 0;
    this.kind[root >>> FRAME_SHIFT] = NOT_TABLE;
    this.rootOwners.delete(root);
    this.freeTable(root);
  }

  /** Drops every user-half mapping of `root` and gives back its user table pages (not the mapped frames). */
  clearUserHalf(root: number): void {
    this.checkRoot(root);
    const f = this.format;
    const top = f.levels - 1;
    for (let i = 0; i < f.kernelRootIndex; i++) {
      this.readEntry(root, i, this.entry);
      const lo = this.entry[0];
      const hi = this.entry[1];
      if (!f.isPresent(lo, hi)) continue;
      if (!f.isLeaf(lo, hi, top)) this.freeSubtree(f.addressOf(lo, hi, top), top - 1);
      this.writeEntry(root, i, 0, 0);
      this.presentCount[root >>> FRAME_SHIFT]--;
    }
  }

  /**
   * Maps the page of `pageSize` bytes at `va` to the frame(s) at `pa` with `flags`. Throws
   * NonCanonicalAddressError, AlignmentError (va or pa not aligned to the page size),
   * AddressRangeError (pa not in RAM), InvalidArgumentError (page size or flags the format
   * lacks), BusyError (something already maps part of the page), OutOfMemoryError (no frame for
   * a table page); the tables are unchanged when it throws.
   */
  map(root: number, va: number, pa: number, pageSize: number, flags: PageFlagsType): void {
    this.checkRoot(root);
    const f = this.format;
    this.checkVa(va);
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
    if (!this.memory.contains(pa, pageSize)) {
      throw new NotInRamError(
        `physical range ${hex(pa)}+${pageSize} is outside RAM (${hex(this.memory.size)})`,
      );
    }
    const kernelHalf = f.indexOf(va, f.levels - 1) >= f.kernelRootIndex;
    // A kernel leaf in the root itself is copied into every root; the walker would set A and D in
    // one copy only, so they are preset (as Linux maps its kernel large pages, A and D set).
    const copied = kernelHalf && level === f.levels - 1;
    const effective = f.effectiveFlags(copied ? flags | PageFlags.Accessed | PageFlags.Dirty : flags);

    // Walk down as far as tables exist.
    let table = root;
    let l = f.levels - 1;
    for (; l > level; l--) {
      this.readEntry(table, f.indexOf(va, l), this.entry);
      const lo = this.entry[0];
      const hi = this.entry[1];
      if (!f.isPresent(lo, hi)) break;
      if (f.isLeaf(lo, hi, l)) {
        throw new BusyError(`${hex(va)} is already inside a ${f.pageSizes[l]}-byte page`);
      }
      table = f.addressOf(lo, hi, l);
    }
    if (l === level) {
      this.readEntry(table, f.indexOf(va, l), this.entry);
      if (f.isPresent(this.entry[0], this.entry[1])) {
        const what = f.isLeaf(this.entry[0], this.entry[1], l) ? 'a page' : 'a table of smaller pages';
        throw new BusyError(`${hex(va)} is already mapped (${what} is present at level ${l})`);
      }
    }
    // Reserve every missing table page before writing anything.
    const missing = l - level;
    const owner = kernelHalf ? KERNEL_OWNER : (this.rootOwners.get(root) ?? KERNEL_OWNER);
    const fresh: number[] = [];
    try {
      for (let k = 0; k < missing; k++) fresh.push(this.allocTable(owner));
    } catch (error) {
      for (const t of fresh) this.freeTable(t);
      throw error;
    }
    // Commit: link the new tables top-down, then write the leaf.
    for (let k = 0; k < missing; k++) {
      const child = fresh[k];
      const index = f.indexOf(va, l);
      f.encodeTable(child, l, this.entry);
      this.writeEntry(table, index, this.entry[0], this.entry[1]);
      this.presentCount[table >>> FRAME_SHIFT]++;
      if (l === f.levels - 1 && kernelHalf) this.shareKernelEntry(table, index);
      table = child;
      l--;
    }
    f.encodeLeaf(pa, effective, level, this.entry);
    this.writeEntry(table, f.indexOf(va, level), this.entry[0], this.entry[1]);
    this.presentCount[table >>> FRAME_SHIFT]++;
    // A kernel leaf in the root itself (a 4 MiB i386 page, a 1 GiB Sv39 page) goes into every root.
    if (level === f.levels - 1 && kernelHalf) this.shareKernelEntry(table, f.indexOf(va, level));
  }

  /**
   * Removes the mapping of the page starting at `va` and returns the physical address it mapped
   * (its size is in lastUnmappedSize). Table pages left empty are given back, except the kernel
   * half's tables directly under the roots (shared by every root). Throws NotAllocatedError when
   * nothing maps `va`, AlignmentError when `va` is inside a large page but not its start.
   */
  unmap(root: number, va: number): number {
    const level = this.findLeaf(root, va, 'unmap');
    const f = this.format;
    const table = this.path[level];
    const index = f.indexOf(va, level);
    this.readEntry(table, index, this.entry);
    const pa = f.addressOf(this.entry[0], this.entry[1], level);
    if (level === f.levels - 1 && index >= f.kernelRootIndex) {
      for (const r of this.rootOwners.keys()) {
        this.writeEntry(r, index, 0, 0);
        this.presentCount[r >>> FRAME_SHIFT]--;
      }
    } else {
      this.writeEntry(table, index, 0, 0);
      this.presentCount[table >>> FRAME_SHIFT]--;
      this.releaseEmptyTables(va, level);
    }
    this.lastUnmappedSize = f.pageSizes[level];
    return pa;
  }

  /**
   * Replaces the flags of the page starting at `va` (Accessed and Dirty are hardware state and
   * are kept). Throws NotAllocatedError, AlignmentError or InvalidArgumentError and changes nothing.
   */
  protect(root: number, va: number, flags: PageFlagsType): void {
    const level = this.findLeaf(root, va, 'protect');
    const f = this.format;
    const table = this.path[level];
    const index = f.indexOf(va, level);
    this.readEntry(table, index, this.entry);
    const old = f.flagsOf(this.entry[0], this.entry[1], level);
    const pa = f.addressOf(this.entry[0], this.entry[1], level);
    const kept = old & (PageFlags.Accessed | PageFlags.Dirty);
    const effective = f.effectiveFlags((flags & ~(PageFlags.Accessed | PageFlags.Dirty)) | kept);
    f.encodeLeaf(pa, effective, level, this.entry);
    if (level === f.levels - 1 && index >= f.kernelRootIndex) {
      for (const r of this.rootOwners.keys()) this.writeEntry(r, index, this.entry[0], this.entry[1]);
    } else {
      this.writeEntry(table, index, this.entry[0], this.entry[1]);
    }
  }

  /** The entry that maps `va` and the tables walked to reach it. Reads only; allocates a result. */
  lookup(root: number, va: number): LookupResult {
    this.checkRoot(root);
    this.checkVa(va);
    const f = this.format;
    const tables: number[] = [];
    let table = root;
    for (let level = f.levels - 1; level >= 0; level--) {
      tables.push(table);
      const index = f.indexOf(va, level);
      this.readEntry(table, index, this.entry);
      const lo = this.entry[0];
      const hi = this.entry[1];
      const entryAddress = table + index * f.entryBytes;
      const present = f.isPresent(lo, hi);
      const reserved = present && f.hasReservedBits(lo, hi, level);
      const result: LookupResult = {
        present: false,
        level,
        entryLo: lo,
        entryHi: hi,
        entryAddress,
        reserved,
        pageSize: 0,
        pageVa: -1,
        pagePa: -1,
        pa: -1,
        flags: 0,
        tables,
      };
      if (!present || reserved) return result;
      if (f.isLeaf(lo, hi, level)) {
        const size = f.pageSizes[level];
        const offset = (va >>> 0) & (size - 1);
        result.present = true;
        result.pageSize = size;
        result.pageVa = va - offset;
        result.pagePa = f.addressOf(lo, hi, level);
        result.pa = result.pagePa + offset;
        result.flags = f.flagsOf(lo, hi, level);
        return result;
      }
      table = f.addressOf(lo, hi, level);
    }
    throw new InvariantError(`${f.name} walk for ${hex(va)} ran below level 0`);
  }

  /**
   * Calls `visit(va, pa, pageSize, flags)` for every present leaf that overlaps [start, end), in
   * ascending address order, without allocating per page. `visit` must not change this root's
   * mappings (use unmapRange to remove while visiting).
   */
  walkRange(root: number, start: number, end: number, visit: LeafVisitor): void {
    this.checkRoot(root);
    this.checkRange(start, end);
    this.visitRoot(root, start, end, visit);
  }

  /**
   * Removes every leaf in [start, end), calling `visit` (when given) with each one before it
   * goes, and gives back emptied table pages. Throws AlignmentError and changes nothing when a
   * large page straddles either end of the range. Visits only the tables over the range, and
   * clears each leaf table's entries in one pass (no walk from the root per page).
   */
  unmapRange(root: number, start: number, end: number, visit?: LeafVisitor): void {
    this.checkRoot(root);
    this.checkRange(start, end);
    if (start >= end) return;
    const straddling = this.largeLeafIn(root, start, end, false);
    if (!Number.isNaN(straddling)) {
      throw new AlignmentError(
        `unmapping ${hex(start)}..${hex(end)} would split the large page at ${hex(straddling)}`,
      );
    }
    this.clearRange(root, start, end, visit ?? null, null);
  }

  /**
   * Removes the 4 KiB pages of [start, end) like unmapRange, writing the frame of each page
   * removed at frames[(va - start) / 4096] and -1 in the slots of pages that were not present;
   * returns how many pages it removed. For a caller that takes the frames over (a zero-copy
   * move): no visitor call per page. Throws AlignmentError and changes nothing when a large page
   * overlaps the range, InvalidArgumentError when `frames` is shorter than the range.
   */
  takeRange(root: number, start: number, end: number, frames: Float64Array): number {
    this.checkRoot(root);
    this.checkRange(start, end);
    if (start >= end) return 0;
    if (frames.length * 4096 < end - start)
      throw new InvalidArgumentError(`takeRange: ${frames.length} slots for ${(end - start) / 4096} pages`);
    const f = this.format;
    // Each leaf table's worth of the range is reached by one walk from the root; a range within
    // one leaf table (any small message) is checked for large pages by that walk itself.
    const span = f.pageSizes[1];
    const firstBase = Math.floor(start / span) * span;
    if (end > firstBase + span) {
      const large = this.largeLeafIn(root, start, end, true);
      if (!Number.isNaN(large)) throw this.largePageInTake(start, end, large);
    }
    let taken = 0;
    for (let lo = start, tableBase = firstBase; lo < end; tableBase += span) {
      const hi = Math.min(end, tableBase + span);
      taken += this.takeSpan(root, lo, hi, start, frames);
      lo = hi;
    }
    return taken;
  }

  /**
   * Makes the leaf table (level 0) of every 4 KiB page of [start, end) exist under `root`, so
   * that the entries can be written a table at a time (LeafWriter); with `pages`, only of the
   * pages whose slot pages[(va - start) / 4096] is >= 0 (a table no page will use would be an
   * empty table). All or nothing: every missing table is allocated before any is linked, so
   * OutOfMemoryError leaves the tables as they were. Throws BusyError (nothing changed) when a
   * large page covers part of the range, InvalidArgumentError when `pages` is too short.
   */
  prepareLeafTables(root: number, start: number, end: number, pages: Float64Array | null = null): void {
    this.checkRoot(root);
    this.checkRange(start, end);
    if (start >= end) return;
    if (pages !== null && pages.length * 4096 < end - start)
      throw new InvalidArgumentError(
        `prepareLeafTables: ${pages.length} slots for ${(end - start) / 4096} pages`,
      );
    const f = this.format;
    // A range within one leaf table (any small message): one walk.
    const span = f.pageSizes[1];
    const tableBase = Math.floor(start / span) * span;
    if (end <= tableBase + span) {
      if (anySelected(pages, tableBase, span, start, end)) this.prepareLeafTable(root, start);
      return;
    }
    const top = f.levels - 1;
    const rootSpan = 2 ** f.levelShift(top);
    let missing = 0;
    for (let va = start; va < end; ) {
      const index = f.indexOf(va, top);
      const base = f.rootIndexBase(index);
      missing += this.missingTables(root, index, top, base, start, end, pages);
      va = base + rootSpan;
    }
    if (missing === 0) return;
    // A table of the kernel half belongs to the kernel, as map() makes it.
    const owner = this.rootOwners.get(root) ?? KERNEL_OWNER;
    const fresh: number[] = [];
    try {
      for (let k = 0; k < missing; k++) {
        fresh.push(this.allocTable(f.indexOf(start, top) >= f.kernelRootIndex ? KERNEL_OWNER : owner));
      }
    } catch (error) {
      for (const t of fresh) this.freeTable(t);
      throw error;
    }
    for (let va = start; va < end; ) {
      const index = f.indexOf(va, top);
      const base = f.rootIndexBase(index);
      this.linkTables(root, index, top, base, start, end, pages, fresh);
      va = base + rootSpan;
    }
  }

  /**
   * The 32-bit words of the RAM chunk holding the table page `tablePa`, backed (written to once
   * if it never was), for loops over a whole leaf table that index entries directly instead of
   * calling read32 / write32 per word: the word of `pa` is at (pa & (length * 4 - 1)) >>> 2. A
   * view per chunk, made once and kept while the chunk's backing stays the same.
   */
  tableWords(tablePa: number): Uint32Array {
    const memory = this.memory;
    let bytes = memory.chunkOf(tablePa);
    const index = Math.floor(tablePa / bytes.length);
    if (this.chunkBytes[index] === bytes) return this.chunkWords[index] as Uint32Array;
    // A never-written chunk shares one buffer of zeros: back it first (the word keeps its value).
    memory.write32(tablePa, memory.read32(tablePa));
    bytes = memory.chunkOf(tablePa);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    this.chunkWords[index] = words;
    this.chunkBytes[index] = bytes;
    return words;
  }

  /** Reads entry `index` of the table page at `tablePa` into out[0] (lo) and out[1] (hi). */
  readEntry(tablePa: number, index: number, out: Uint32Array): void {
    const at = tablePa + index * this.format.entryBytes;
    out[0] = this.memory.read32(at);
    out[1] = this.format.entryBytes === 8 ? this.memory.read32(at + 4) : 0;
  }

  /**
   * Gives back the kernel root and every kernel table. Only when no user root is left.
   */
  dispose(): void {
    if (this.rootOwners.size !== 1) {
      throw new BusyError(`${this.rootOwners.size - 1} user page-table roots are still alive`);
    }
    const f = this.format;
    const top = f.levels - 1;
    const root = this.kernelRoot;
    for (let i = 0; i < f.entriesPerTable; i++) {
      this.readEntry(root, i, this.entry);
      const lo = this.entry[0];
      const hi = this.entry[1];
      if (f.isPresent(lo, hi) && !f.isLeaf(lo, hi, top)) this.freeSubtree(f.addressOf(lo, hi, top), top - 1);
      this.writeEntry(root, i, 0, 0);
    }
    this.presentCount[root >>> FRAME_SHIFT] = 0;
    this.kind[root >>> FRAME_SHIFT] = NOT_TABLE;
    this.rootOwners.delete(root);
    this.freeTable(root);
  }

  /**
   * The invariant checker: every table reachable from a root is a table page this instance
   * holds, its present-entry count is right, no entry has reserved bits, every root's kernel
   * half equals the kernel root's, and no table page is held without being reachable.
   */
  check(): void {
    const f = this.format;
    const seen = new Uint8Array(this.memory.frameCount);
    let reached = 0;
    const visitTable = (table: number, level: number): void => {
      const pfn = table >>> FRAME_SHIFT;
      if (seen[pfn]) return; // a shared kernel table, already checked
      seen[pfn] = 1;
      reached++;
      if (this.kind[pfn] === NOT_TABLE)
        throw new InvariantError(`${hex(table)} is used as a table but not held as one`);
      let present = 0;
      for (let i = 0; i < f.entriesPerTable; i++) {
        this.readEntry(table, i, this.entry);
        const lo = this.entry[0];
        const hi = this.entry[1];
        if (!f.isPresent(lo, hi)) continue;
        present++;
        if (f.hasReservedBits(lo, hi, level)) {
          throw new InvariantError(
            `entry ${i} of table ${hex(table)} (level ${level}) has reserved bits set`,
          );
        }
        if (!f.isLeaf(lo, hi, level)) visitTable(f.addressOf(lo, hi, level), level - 1);
      }
      if (present !== this.presentCount[pfn]) {
        throw new InvariantError(
          `table ${hex(table)} has ${present} present entries but its count says ${this.presentCount[pfn]}`,
        );
      }
      if (present === 0 && this.kind[pfn] !== ROOT && !this.isPinnedKernelTable(table, level)) {
        throw new InvariantError(`empty table ${hex(table)} at level ${level} was not given back`);
      }
    };
    const kernel = new Uint32Array(2);
    for (const root of this.rootOwners.keys()) {
      if (this.kind[root >>> FRAME_SHIFT] !== ROOT)
        throw new InvariantError(`root ${hex(root)} is not marked`);
      visitTable(root, f.levels - 1);
      for (let i = f.kernelRootIndex; i < f.entriesPerTable; i++) {
        this.readEntry(root, i, this.entry);
        this.readEntry(this.kernelRoot, i, kernel);
        // The walker sets A (and D in a leaf) in whichever copy it used, so they may differ.
        const a = f.accessedBit | f.dirtyBit;
        if ((this.entry[0] | a) !== (kernel[0] | a) || this.entry[1] !== kernel[1]) {
          throw new InvariantError(`root ${hex(root)} kernel entry ${i} differs from the kernel root's`);
        }
      }
    }
    if (reached !== this.tablePages) {
      throw new InvariantError(`${this.tablePages} table pages are held but ${reached} are reachable`);
    }
  }

  // --- internals ---

  private isPinnedKernelTable(table: number, level: number): boolean {
    if (level !== this.format.levels - 2) return false;
    const f = this.format;
    for (let i = f.kernelRootIndex; i < f.entriesPerTable; i++) {
      this.readEntry(this.kernelRoot, i, this.entry);
      if (
        f.isPresent(this.entry[0], this.entry[1]) &&
        f.addressOf(this.entry[0], this.entry[1], level + 1) === table
      )
        return true;
    }
    return false;
  }

  /** Walks to the leaf mapping `va`, leaving the tables in this.path; returns its level. */
  private findLeaf(root: number, va: number, what: string): number {
    this.checkRoot(root);
    this.checkVa(va);
    const f = this.format;
    let table = root;
    for (let level = f.levels - 1; level >= 0; level--) {
      this.path[level] = table;
      this.readEntry(table, f.indexOf(va, level), this.entry);
      const lo = this.entry[0];
      const hi = this.entry[1];
      if (!f.isPresent(lo, hi)) break;
      if (f.isLeaf(lo, hi, level)) {
        if (va % f.pageSizes[level] !== 0) {
          throw new AlignmentError(
            `cannot ${what} ${hex(va)}: it is inside a ${f.pageSizes[level]}-byte page, not at its start`,
          );
        }
        return level;
      }
      table = f.addressOf(lo, hi, level);
    }
    throw new NotAllocatedError(`cannot ${what} ${hex(va)}: no page is mapped there`);
  }

  /** After a leaf at `level` was cleared (tables in this.path), gives back tables that became empty. */
  private releaseEmptyTables(va: number, level: number): void {
    const f = this.format;
    const kernelHalf = f.indexOf(va, f.levels - 1) >= f.kernelRootIndex;
    // Tables right under the root stay in the kernel half: every root points to them.
    const highest = kernelHalf ? f.levels - 3 : f.levels - 2;
    for (let l = level; l <= highest; l++) {
      const table = this.path[l];
      if (this.presentCount[table >>> FRAME_SHIFT] !== 0) return;
      const parent = this.path[l + 1];
      this.writeEntry(parent, f.indexOf(va, l + 1), 0, 0);
      this.presentCount[parent >>> FRAME_SHIFT]--;
      this.kind[table >>> FRAME_SHIFT] = NOT_TABLE;
      this.freeTable(table);
    }
  }

  /** Gives back a table page and every table under it (leaves are just dropped). */
  private freeSubtree(table: number, level: number): void {
    const f = this.format;
    if (level > 0) {
      const entry = new Uint32Array(2);
      for (let i = 0; i < f.entriesPerTable; i++) {
        this.readEntry(table, i, entry);
        if (f.isPresent(entry[0], entry[1]) && !f.isLeaf(entry[0], entry[1], level)) {
          this.freeSubtree(f.addressOf(entry[0], entry[1], level), level - 1);
        }
      }
    }
    this.presentCount[table >>> FRAME_SHIFT] = 0;
    this.kind[table >>> FRAME_SHIFT] = NOT_TABLE;
    this.freeTable(table);
  }

  /** A new top-level kernel entry at `index` of `from` goes into every other root. */
  private shareKernelEntry(from: number, index: number): void {
    this.readEntry(from, index, this.entry);
    for (const root of this.rootOwners.keys()) {
      if (root === from) continue;
      this.writeEntry(root, index, this.entry[0], this.entry[1]);
      this.presentCount[root >>> FRAME_SHIFT]++;
    }
  }

  /** Visits the root entries over [start, end) only, in ascending address order. */
  private visitRoot(root: number, start: number, end: number, visit: LeafVisitor): void {
    const f = this.format;
    const top = f.levels - 1;
    const rootSpan = 2 ** f.levelShift(top);
    // By address, so that on sign-extended formats the kernel half (negative) comes first.
    for (let va = start; va < end; ) {
      const index = f.indexOf(va, top);
      const base = f.rootIndexBase(index);
      this.visitEntry(root, index, top, base, start, end, visit);
      va = base + rootSpan;
    }
  }

  /**
   * prepareLeafTables for the one leaf table of `va`: walks down once, allocates the missing
   * tables (giving them back on OutOfMemoryError), then links them top-down as map() does.
   */
  private prepareLeafTable(root: number, va: number): void {
    const f = this.format;
    const memory = this.memory;
    const top = f.levels - 1;
    let table = root;
    let level = top;
    for (; level > 0; level--) {
      const at = table + f.indexOf(va, level) * f.entryBytes;
      const lo = memory.read32(at);
      const hi = f.entryBytes === 8 ? memory.read32(at + 4) : 0;
      if (!f.isPresent(lo, hi)) break;
      if (f.isLeaf(lo, hi, level))
        throw new BusyError(`${hex(va)} is already inside a ${f.pageSizes[level]}-byte page`);
      table = f.addressOf(lo, hi, level);
    }
    if (level === 0) return;
    // The entry at `level` is empty: tables for levels level - 1 down to 0 are missing.
    const kernelHalf = f.indexOf(va, top) >= f.kernelRootIndex;
    const owner = kernelHalf ? KERNEL_OWNER : (this.rootOwners.get(root) ?? KERNEL_OWNER);
    const fresh = this.path;
    let made = 0;
    try {
      for (; made < level; made++) fresh[made] = this.allocTable(owner);
    } catch (error) {
      for (let k = 0; k < made; k++) this.freeTable(fresh[k]);
      throw error;
    }
    for (let k = 0, l = level; k < made; k++, l--) {
      const child = fresh[k];
      const index = f.indexOf(va, l);
      f.encodeTable(child, l, this.entry);
      this.writeEntry(table, index, this.entry[0], this.entry[1]);
      this.presentCount[table >>> FRAME_SHIFT]++;
      if (l === top && kernelHalf) this.shareKernelEntry(table, index);
      table = child;
    }
  }

  /**
   * takeRange within one leaf table's span [lo, hi): walks down once (the tables in this.path),
   * clears the present entries in one pass, gives back the tables it empties. Throws
   * AlignmentError before changing anything when a large page covers the span.
   */
  private takeSpan(root: number, lo: number, hi: number, start: number, frames: Float64Array): number {
    const f = this.format;
    const memory = this.memory;
    const eight = f.entryBytes === 8;
    const entryBytes = f.entryBytes;
    const path = this.path;
    let table = root;
    for (let level = f.levels - 1; level > 0; level--) {
      path[level] = table;
      const at = table + f.indexOf(lo, level) * entryBytes;
      const elo = memory.read32(at);
      const ehi = eight ? memory.read32(at + 4) : 0;
      if (!f.isPresent(elo, ehi)) {
        frames.fill(-1, (lo - start) / 4096, (hi - start) / 4096);
        return 0;
      }
      if (f.isLeaf(elo, ehi, level))
        throw this.largePageInTake(lo, hi, Math.floor(lo / f.pageSizes[level]) * f.pageSizes[level]);
      table = f.addressOf(elo, ehi, level);
    }
    path[0] = table;
    let taken = 0;
    const first = (lo - start) / 4096;
    const last = (hi - start) / 4096;
    // The leaf table's words, indexed directly (an entry is 1 or 2 words).
    const words = this.tableWords(table);
    const step = entryBytes >>> 2;
    let w = ((table & (words.length * 4 - 1)) + f.indexOf(lo, 0) * entryBytes) >>> 2;
    for (let k = first; k < last; k++, w += step) {
      const elo = words[w];
      const ehi = eight ? words[w + 1] : 0;
      if (!f.isPresent(elo, ehi)) {
        frames[k] = -1;
        continue;
      }
      frames[k] = f.addressOf(elo, ehi, 0);
      words[w] = 0;
      if (eight) words[w + 1] = 0;
      taken++;
    }
    if (taken > 0) {
      const pfn = table >>> FRAME_SHIFT;
      this.presentCount[pfn] -= taken;
      if (this.presentCount[pfn] === 0) this.releaseEmptyTables(lo, 0);
    }
    return taken;
  }

  private largePageInTake(start: number, end: number, page: number): AlignmentError {
    return new AlignmentError(`taking ${hex(start)}..${hex(end)}: a large page is mapped at ${hex(page)}`);
  }

  /**
   * The address of a large leaf overlapping [start, end) that straddles one of its ends (or,
   * when `any`, of any large leaf overlapping it); NaN when there is none. Reads only the tables
   * above the leaf tables.
   */
  private largeLeafIn(root: number, start: number, end: number, any: boolean): number {
    const f = this.format;
    const top = f.levels - 1;
    const rootSpan = 2 ** f.levelShift(top);
    for (let va = start; va < end; ) {
      const index = f.indexOf(va, top);
      const base = f.rootIndexBase(index);
      const found = this.largeLeafUnder(root, index, top, base, start, end, any);
      if (!Number.isNaN(found)) return found;
      va = base + rootSpan;
    }
    return Number.NaN;
  }

  private largeLeafUnder(
    table: number,
    index: number,
    level: number,
    base: number,
    start: number,
    end: number,
    any: boolean,
  ): number {
    const f = this.format;
    const at = table + index * f.entryBytes;
    const lo = this.memory.read32(at);
    const hi = f.entryBytes === 8 ? this.memory.read32(at + 4) : 0;
    if (!f.isPresent(lo, hi)) return Number.NaN;
    if (f.isLeaf(lo, hi, level)) {
      const size = f.pageSizes[level];
      return any || base < start || base + size > end ? base : Number.NaN;
    }
    if (level === 1) return Number.NaN; // its entries are 4 KiB leaves
    const child = f.addressOf(lo, hi, level);
    const childSpan = 2 ** f.levelShift(level - 1);
    const first = start > base ? Math.floor((start - base) / childSpan) : 0;
    for (let i = first; i < f.entriesPerTable; i++) {
      const childBase = base + i * childSpan;
      if (childBase >= end) break;
      const found = this.largeLeafUnder(child, i, level - 1, childBase, start, end, any);
      if (!Number.isNaN(found)) return found;
    }
    return Number.NaN;
  }

  /**
   * Clears every leaf in [start, end) (no large page may straddle it), table by table from the
   * root entries over the range, calling `visit` before each leaf goes or writing 4 KiB frames
   * into `frames`; gives back the tables it empties. Returns the leaves cleared.
   */
  private clearRange(
    root: number,
    start: number,
    end: number,
    visit: LeafVisitor | null,
    frames: Float64Array | null,
  ): number {
    const f = this.format;
    const top = f.levels - 1;
    const rootSpan = 2 ** f.levelShift(top);
    let cleared = 0;
    for (let va = start; va < end; ) {
      const index = f.indexOf(va, top);
      const base = f.rootIndexBase(index);
      cleared += this.clearEntry(root, root, index, top, base, start, end, visit, frames);
      va = base + rootSpan;
    }
    return cleared;
  }

  /** clearRange under entry `index` of `table` (at `level`, mapping from `base`). */
  private clearEntry(
    root: number,
    table: number,
    index: number,
    level: number,
    base: number,
    start: number,
    end: number,
    visit: LeafVisitor | null,
    frames: Float64Array | null,
  ): number {
    const f = this.format;
    const memory = this.memory;
    const eight = f.entryBytes === 8;
    const at = table + index * f.entryBytes;
    const lo = memory.read32(at);
    const hi = eight ? memory.read32(at + 4) : 0;
    if (!f.isPresent(lo, hi)) return 0;
    const top = f.levels - 1;
    const kernelHalf = f.indexOf(base, top) >= f.kernelRootIndex;
    if (f.isLeaf(lo, hi, level)) {
      if (visit !== null)
        visit(base, f.addressOf(lo, hi, level), f.pageSizes[level], f.flagsOf(lo, hi, level));
      if (level === top && kernelHalf) {
        // A kernel leaf in the root itself is in every root.
        for (const r of this.rootOwners.keys()) {
          this.writeEntry(r, index, 0, 0);
          this.presentCount[r >>> FRAME_SHIFT]--;
        }
      } else {
        this.writeEntry(table, index, 0, 0);
        this.presentCount[table >>> FRAME_SHIFT]--;
      }
      return 1;
    }
    const child = f.addressOf(lo, hi, level);
    const childPfn = child >>> FRAME_SHIFT;
    const childSpan = 2 ** f.levelShift(level - 1);
    const first = start > base ? Math.floor((start - base) / childSpan) : 0;
    const n = f.entriesPerTable;
    let cleared = 0;
    if (level === 1) {
      // The leaf table: one pass over its entries in the range.
      const last = Math.min(n, Math.ceil((end - base) / childSpan));
      const entryBytes = f.entryBytes;
      const counts = this.presentCount;
      for (let i = first, e = child + first * entryBytes; i < last; i++, e += entryBytes) {
        const elo = memory.read32(e);
        const ehi = eight ? memory.read32(e + 4) : 0;
        if (!f.isPresent(elo, ehi)) continue;
        const va = base + i * childSpan;
        const pa = f.addressOf(elo, ehi, 0);
        if (visit !== null) visit(va, pa, childSpan, f.flagsOf(elo, ehi, 0));
        if (frames !== null) frames[(va - start) / childSpan] = pa;
        memory.write32(e, 0);
        if (eight) memory.write32(e + 4, 0);
        cleared++;
      }
      counts[childPfn] -= cleared;
    } else {
      for (let i = first; i < n; i++) {
        const childBase = base + i * childSpan;
        if (childBase >= end) break;
        cleared += this.clearEntry(root, child, i, level - 1, childBase, start, end, visit, frames);
      }
    }
    // Tables right under the root stay in the kernel half: every root points to them.
    const highest = kernelHalf ? top - 2 : top - 1;
    if (cleared > 0 && level - 1 <= highest && this.presentCount[childPfn] === 0) {
      this.writeEntry(table, index, 0, 0);
      this.presentCount[table >>> FRAME_SHIFT]--;
      this.kind[childPfn] = NOT_TABLE;
      this.freeTable(child);
    }
    return cleared;
  }

  /**
   * The table pages missing under entry `index` of `table` (at `level`, mapping from `base`) for
   * the 4 KiB pages of [start, end) that `pages` selects to have a leaf table; `table` -1 is a
   * table not made yet. Throws BusyError when a large page covers part of the range.
   */
  private missingTables(
    table: number,
    index: number,
    level: number,
    base: number,
    start: number,
    end: number,
    pages: Float64Array | null,
  ): number {
    const f = this.format;
    let child = -1;
    if (table >= 0) {
      const at = table + index * f.entryBytes;
      const lo = this.memory.read32(at);
      const hi = f.entryBytes === 8 ? this.memory.read32(at + 4) : 0;
      if (f.isPresent(lo, hi)) {
        if (f.isLeaf(lo, hi, level))
          throw new BusyError(
            `${hex(Math.max(base, start))} is already inside a ${f.pageSizes[level]}-byte page`,
          );
        child = f.addressOf(lo, hi, level);
      }
    }
    if (level === 1) return child < 0 && anySelected(pages, base, f.pageSizes[1], start, end) ? 1 : 0;
    const childSpan = 2 ** f.levelShift(level - 1);
    const first = start > base ? Math.floor((start - base) / childSpan) : 0;
    let below = 0;
    for (let i = first; i < f.entriesPerTable; i++) {
      const childBase = base + i * childSpan;
      if (childBase >= end) break;
      below += this.missingTables(child, i, level - 1, childBase, start, end, pages);
    }
    return below + (child < 0 && below > 0 ? 1 : 0);
  }

  /** Links tables taken from `fresh` where missingTables counted them. */
  private linkTables(
    table: number,
    index: number,
    level: number,
    base: number,
    start: number,
    end: number,
    pages: Float64Array | null,
    fresh: number[],
  ): void {
    const f = this.format;
    const at = table + index * f.entryBytes;
    const lo = this.memory.read32(at);
    const hi = f.entryBytes === 8 ? this.memory.read32(at + 4) : 0;
    let child: number;
    if (f.isPresent(lo, hi)) {
      child = f.addressOf(lo, hi, level);
    } else {
      // A table only where a selected page will use it.
      if (!anySelected(pages, base, 2 ** f.levelShift(level), start, end)) return;
      child = fresh.pop() as number;
      f.encodeTable(child, level, this.entry);
      this.writeEntry(table, index, this.entry[0], this.entry[1]);
      this.presentCount[table >>> FRAME_SHIFT]++;
      if (level === f.levels - 1 && index >= f.kernelRootIndex) this.shareKernelEntry(table, index);
    }
    if (level === 1) return;
    const childSpan = 2 ** f.levelShift(level - 1);
    const first = start > base ? Math.floor((start - base) / childSpan) : 0;
    for (let i = first; i < f.entriesPerTable; i++) {
      const childBase = base + i * childSpan;
      if (childBase >= end) break;
      this.linkTables(child, i, level - 1, childBase, start, end, pages, fresh);
    }
  }

  private visitEntry(
    table: number,
    index: number,
    level: number,
    base: number,
    start: number,
    end: number,
    visit: LeafVisitor,
  ): void {
    const f = this.format;
    const span = f.pageSizes[level] ?? 2 ** f.levelShift(level);
    if (base + span <= start || base >= end) return;
    const at = table + index * f.entryBytes;
    const lo = this.memory.read32(at);
    const hi = f.entryBytes === 8 ? this.memory.read32(at + 4) : 0;
    if (!f.isPresent(lo, hi)) return;
    if (f.isLeaf(lo, hi, level)) {
      visit(base, f.addressOf(lo, hi, level), span, f.flagsOf(lo, hi, level));
      return;
    }
    const child = f.addressOf(lo, hi, level);
    const childSpan = 2 ** f.levelShift(level - 1);
    const firstIndex = start > base ? Math.floor((start - base) / childSpan) : 0;
    for (let i = firstIndex; i < f.entriesPerTable; i++) {
      const childBase = base + i * childSpan;
      if (childBase >= end) break;
      this.visitEntry(child, i, level - 1, childBase, start, end, visit);
    }
  }

  private allocTable(owner: number): number {
    const pa = this.frames.allocFrame(FrameUse.PageTable, owner);
    // The fill policy may be 'junk': a table page must start empty.
    this.memory.zeroFrame(pa >>> FRAME_SHIFT);
    this.kind[pa >>> FRAME_SHIFT] = TABLE;
    this.presentCount[pa >>> FRAME_SHIFT] = 0;
    this.tablePages++;
    return pa;
  }

  private freeTable(pa: number): void {
    this.kind[pa >>> FRAME_SHIFT] = NOT_TABLE;
    this.tablePages--;
    this.frames.release(pa);
  }

  private writeEntry(tablePa: number, index: number, lo: number, hi: number): void {
    const at = tablePa + index * this.format.entryBytes;
    this.memory.write32(at, lo);
    if (this.format.entryBytes === 8) this.memory.write32(at + 4, hi);
  }

  private checkRoot(root: number): void {
    if (!this.rootOwners.has(root))
      throw new InvalidArgumentError(`${hex(root)} is not a live page-table root`);
  }

  private checkVa(va: number): void {
    if (!this.format.isCanonical(va)) {
      throw new NonCanonicalAddressError(
        `virtual address ${hex(va)} is not canonical for ${this.format.name}`,
      );
    }
  }

  private checkRange(start: number, end: number): void {
    const f = this.format;
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(end) ||
      start < f.minVa ||
      end > f.endVa ||
      start > end
    ) {
      throw new NonCanonicalAddressError(
        `range ${hex(start)}..${hex(end)} is not inside ${f.name}'s addresses ${hex(f.minVa)}..${hex(f.endVa)}`,
      );
    }
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
  const first = (Math.max(base, start) - start) / 4096;
  const last = (Math.min(base + span, end) - start) / 4096;
  for (let k = first; k < last; k++) if (pages[k] >= 0) return true;
  return false;
}
