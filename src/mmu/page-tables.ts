/**
 * Page tables that live in RAM: the machine-dependent half of address spaces (a Pmap, "the
 * interface to the MMU"). One PageTables serves every address space of a machine: it owns the
 * kernel's root, whose upper-half top-level entries are copied into each new root so that all
 * address spaces share the kernel's lower tables. This file is the API and the roots' lifecycle;
 * each operation lives in the file named after it. Used by src/vm, src/ipc, src/kernel and Mmu.
 *
 * Every operation checks first and changes nothing when it throws.
 */
import { BusyError, InvalidArgumentError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { KERNEL_OWNER } from '../phys/frame-table.js';
import { FRAME_SHIFT, type PhysicalMemory } from '../phys/physical-memory.js';
import type { FrameSource } from '../phys/types.js';
import { prepareLeafTables, takeRange } from './bulk-tables.js';
import type { PageFlags } from './flags.js';
import { type LookupResult, lookup } from './lookup.js';
import { mapPage, protectPage, unmapPage } from './page-mapping.js';
import { checkPageTables } from './page-table-checker.js';
import type { PageTableFormat } from './page-table-format.js';
import { type LeafVisitor, unmapRange, walkRange } from './range-walk.js';
import { FrameKind, TablePages } from './table-pages.js';
import { TableWordViews } from './table-words.js';

export type { LookupResult } from './lookup.js';
export type { LeafVisitor } from './range-walk.js';

export class PageTables {
  readonly format: PageTableFormat;
  readonly memory: PhysicalMemory;
  readonly frames: FrameSource;
  /** The kernel's root: owns the upper half; its top-level kernel entries are copied into every root. */
  readonly kernelRoot: number;
  /**
   * Entries in use in each table page, indexed by frame number (0 for frames that are not
   * tables): present entries, and in leaf tables the swap entries src/vm writes (swap-entries.ts).
   */
  readonly presentCount: Uint16Array;
  /** Size in bytes of the page the last successful unmap() removed. */
  lastUnmappedSize = 0;

  private readonly tables: TablePages;
  private readonly words: TableWordViews;

  constructor(format: PageTableFormat, memory: PhysicalMemory, frames: FrameSource) {
    this.format = format;
    this.memory = memory;
    this.frames = frames;
    this.tables = new TablePages(format, memory, frames);
    this.words = new TableWordViews(memory);
    this.presentCount = this.tables.presentCount;
    this.kernelRoot = this.tables.allocTable(KERNEL_OWNER);
    this.tables.kind[this.kernelRoot >>> FRAME_SHIFT] = FrameKind.Root;
    this.tables.rootOwners.set(this.kernelRoot, KERNEL_OWNER);
  }

  /** Table pages (roots included) currently held from the FrameSource. */
  get tablePageCount(): number {
    return this.tables.count;
  }

  /** Live roots, the kernel's first. */
  roots(): number[] {
    return [...this.tables.rootOwners.keys()];
  }

  /** Whether `pa` is a live root. */
  isRoot(pa: number): boolean {
    return this.tables.rootOwners.has(pa);
  }

  /**
   * A new root for an address space owned by `owner`: a table page whose kernel-half top-level
   * entries are copies of the kernel root's (so the kernel's lower tables are shared) and whose
   * user half is empty. Throws OutOfMemoryError and changes nothing when no frame is left.
   */
  createRoot(owner: number): number {
    const tables = this.tables;
    const f = this.format;
    const root = tables.allocTable(owner);
    const entry = tables.entry;
    for (let i = f.kernelRootIndex; i < f.entriesPerTable; i++) {
      tables.readEntry(this.kernelRoot, i, entry);
      if (f.isPresent(entry[0], entry[1])) {
        tables.writeEntry(root, i, entry[0], entry[1]);
        tables.presentCount[root >>> FRAME_SHIFT]++;
      }
    }
    tables.kind[root >>> FRAME_SHIFT] = FrameKind.Root;
    tables.rootOwners.set(root, owner);
    return root;
  }

  /**
   * Frees a user root: drops every user mapping (the mapped frames are not released: that is the
   * caller's job, see unmapRange), gives back its user-half table pages and the root page. The
   * shared kernel tables stay. The kernel root goes only with dispose().
   */
  destroyRoot(root: number): void {
    this.tables.checkRoot(root);
    if (root === this.kernelRoot) throw new InvalidArgumentError('the kernel root is destroyed by dispose()');
    this.clearUserHalf(root);
    this.tables.rootOwners.delete(root);
    this.tables.freeTable(root);
  }

  /** Drops every user-half mapping of `root` and gives back its user table pages (not the mapped frames). */
  clearUserHalf(root: number): void {
    this.tables.checkRoot(root);
    this.clearRootEntries(root, 0, this.format.kernelRootIndex);
  }

  /** Gives back the kernel root and every kernel table. Only when no user root is left. */
  dispose(): void {
    const owners = this.tables.rootOwners;
    if (owners.size !== 1) throw new BusyError(`${owners.size - 1} user page-table roots are still alive`);
    this.clearRootEntries(this.kernelRoot, 0, this.format.entriesPerTable);
    owners.delete(this.kernelRoot);
    this.tables.freeTable(this.kernelRoot);
  }

  /**
   * Maps the page of `pageSize` bytes at `va` to the frame(s) at `pa` with `flags`. Throws
   * NonCanonicalAddressError, AlignmentError (va or pa not aligned to the page size),
   * NotInRamError, InvalidArgumentError (page size or flags the format lacks), BusyError
   * (something already maps part of the page), OutOfMemoryError (no frame for a table page).
   */
  map(root: number, va: number, pa: number, pageSize: number, flags: PageFlags): void {
    mapPage(this.tables, root, va, pa, pageSize, flags);
  }

  /**
   * Removes the mapping of the page starting at `va` and returns the physical address it mapped
   * (its size is in lastUnmappedSize). Table pages left empty are given back, except the kernel
   * half's tables directly under the roots. Throws NotAllocatedError when nothing maps `va`,
   * AlignmentError when `va` is inside a large page but not at its start.
   */
  unmap(root: number, va: number): number {
    const pa = unmapPage(this.tables, root, va);
    this.lastUnmappedSize = this.format.pageSizes[this.tables.leafLevel];
    return pa;
  }

  /**
   * Gives back the kernel-half table right under the roots that holds `va` when it maps nothing,
   * clearing its entry in every root. unmap keeps these tables (every root points to them), so
   * this is how a multi-page kernel operation that made one and then failed undoes it. Returns
   * whether a table went; a present table that maps something, or no table, is left alone.
   */
  releaseEmptyKernelTable(va: number): boolean {
    const tables = this.tables;
    tables.checkVa(va);
    if (!tables.inKernelHalf(va)) throw new InvalidArgumentError(`${hex(va)} is not in the kernel half`);
    const f = this.format;
    const top = f.levels - 1;
    const index = f.indexOf(va, top);
    const entry = tables.entry;
    tables.readEntry(this.kernelRoot, index, entry);
    if (!f.isPresent(entry[0], entry[1]) || f.isLeaf(entry[0], entry[1], top)) return false;
    const table = f.addressOf(entry[0], entry[1], top);
    if (this.presentCount[table >>> FRAME_SHIFT] !== 0) return false;
    tables.clearKernelEntry(index);
    tables.freeTable(table);
    return true;
  }

  /**
   * Replaces the flags of the page starting at `va` (Accessed and Dirty are hardware state and
   * are kept). Throws NotAllocatedError, AlignmentError or InvalidArgumentError and changes nothing.
   */
  protect(root: number, va: number, flags: PageFlags): void {
    protectPage(this.tables, root, va, flags);
  }

  /** The entry that maps `va` and the tables walked to reach it. Reads only; allocates a result. */
  lookup(root: number, va: number): LookupResult {
    return lookup(this.tables, root, va);
  }

  /**
   * Calls `visit(va, pa, pageSize, flags)` for every present leaf that overlaps [start, end), in
   * ascending address order, without allocating per page. `visit` must not change this root's
   * mappings (use unmapRange to remove while visiting).
   */
  walkRange(root: number, start: number, end: number, visit: LeafVisitor): void {
    this.tables.checkRoot(root);
    this.tables.checkRange(start, end);
    walkRange(this.tables, root, start, end, visit);
  }

  /**
   * Removes every leaf in [start, end), calling `visit` (when given) with each one before it
   * goes, and gives back emptied table pages. Throws AlignmentError and changes nothing when a
   * large page straddles either end of the range.
   */
  unmapRange(root: number, start: number, end: number, visit?: LeafVisitor): void {
    this.tables.checkRoot(root);
    this.tables.checkRange(start, end);
    unmapRange(this.tables, root, start, end, visit ?? null);
  }

  /**
   * Removes the 4 KiB pages of [start, end) like unmapRange, writing the frame of each page
   * removed at frames[(va - start) / 4096] and -1 in the slots of pages that were not present;
   * returns how many pages it removed. For a caller that takes the frames over (a zero-copy
   * move): no visitor call per page. Throws AlignmentError and changes nothing when a large page
   * overlaps the range, InvalidArgumentError when `frames` is shorter than the range.
   */
  takeRange(root: number, start: number, end: number, frames: Float64Array): number {
    this.tables.checkRoot(root);
    this.tables.checkRange(start, end);
    return takeRange(this.tables, this.words, root, start, end, frames);
  }

  /**
   * Makes the leaf table (level 0) of every 4 KiB page of [start, end) exist under `root`, so
   * that the entries can be written a table at a time (LeafWriter); with `pages`, only of the
   * pages whose slot pages[(va - start) / 4096] is >= 0. All or nothing: OutOfMemoryError leaves
   * the tables as they were. Throws BusyError (nothing changed) when a large page covers part of
   * the range, InvalidArgumentError when `pages` is too short.
   */
  prepareLeafTables(root: number, start: number, end: number, pages: Float64Array | null = null): void {
    this.tables.checkRoot(root);
    this.tables.checkRange(start, end);
    prepareLeafTables(this.tables, root, start, end, pages);
  }

  /**
   * The 32-bit words of the RAM chunk holding the table page `tablePa`, for loops over a whole
   * leaf table: the word of `pa` is at (pa & (length * 4 - 1)) >>> 2.
   */
  tableWords(tablePa: number): Uint32Array {
    return this.words.of(tablePa);
  }

  /**
   * The leaf table (level 0) holding `va`'s entry under `root`, when it is the one last noted
   * (noteLeafTable) for the same root and leaf-table span and no table was freed since; else -1.
   * Lets a fault handler skip the upper levels the faulting walk just read.
   */
  /**
   * Table pages freed so far, in a cell the MMUs over these tables share: their
   * paging-structure caches use no entry made before the last free.
   */
  get freedTables(): Float64Array {
    return this.tables.freedTables;
  }

  knownLeafTable(root: number, va: number): number {
    const tables = this.tables;
    if (tables.knownLeafTable < 0 || tables.knownLeafRoot !== root) return -1;
    return tables.leafSpanOf(va) === tables.knownLeafSpan ? tables.knownLeafTable : -1;
  }

  /**
   * Notes that the table page `table` is the leaf table (level 0) holding `va`'s entry under
   * `root`, as a walk just found: the MMU when a walk faults at level 0, LeafWriter after its own
   * walks. Kept until any table page is freed.
   */
  noteLeafTable(root: number, va: number, table: number): void {
    const tables = this.tables;
    tables.knownLeafTable = table;
    tables.knownLeafRoot = root;
    tables.knownLeafSpan = tables.leafSpanOf(va);
  }

  /** Reads entry `index` of the table page at `tablePa` into out[0] (bits 31:0) and out[1] (bits 63:32). */
  readEntry(tablePa: number, index: number, out: Uint32Array): void {
    this.tables.readEntry(tablePa, index, out);
  }

  /**
   * Gives back the leaf table of `va` under `root`, and the tables above it that this empties,
   * when no entry of it is in use: for src/vm, which clears swap entries itself (the range
   * operations give back only the tables they empty of present entries).
   */
  releaseEmptyLeafTable(root: number, va: number): void {
    const tables = this.tables;
    const f = this.format;
    let table = root;
    for (let level = f.levels - 1; level > 0; level--) {
      tables.path[level] = table;
      tables.readEntryAt(table + f.indexOf(va, level) * f.entryBytes);
      const low = tables.entry[0];
      const high = tables.entry[1];
      if (!f.isPresent(low, high) || f.isLeaf(low, high, level)) return;
      table = f.addressOf(low, high, level);
    }
    tables.path[0] = table;
    if (tables.presentCount[table >>> FRAME_SHIFT] === 0) tables.releaseEmptyTables(va, 0);
  }

  /** The invariant checker (throws InvariantError); see page-table-checker.ts. */
  check(): void {
    checkPageTables(this.tables, this.kernelRoot);
  }

  /** Clears root entries [first, last) of `root`, giving back the tables under them. */
  private clearRootEntries(root: number, first: number, last: number): void {
    const tables = this.tables;
    const f = this.format;
    const top = f.levels - 1;
    const entry = tables.entry;
    for (let i = first; i < last; i++) {
      tables.readEntry(root, i, entry);
      if (!f.isPresent(entry[0], entry[1])) continue;
      if (!f.isLeaf(entry[0], entry[1], top))
        tables.freeSubtree(f.addressOf(entry[0], entry[1], top), top - 1);
      tables.writeEntry(root, i, 0, 0);
      tables.presentCount[root >>> FRAME_SHIFT]--;
    }
  }
}
