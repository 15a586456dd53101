/**
 * The table pages of one machine's page tables and the bookkeeping every page-table operation
 * shares: which frames are tables or roots, their present-entry counts, who owns each root, the
 * reading and writing of entries in RAM, and the argument checks. Used by PageTables and the
 * files that implement its operations (page-mapping, range-walk, bulk-tables, the checker).
 */
import { InvalidArgumentError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { FrameUse, KERNEL_OWNER } from '../phys/frame-table.js';
import { FRAME_SHIFT, type PhysicalMemory } from '../phys/physical-memory.js';
import type { FrameSource } from '../phys/types.js';
import { NonCanonicalAddressError } from './errors.js';
import type { PageTableFormat } from './page-table-format.js';

/** What a frame is to the page tables (`TablePages.kind`). */
export const FrameKind = { NotTable: 0, Table: 1, Root: 2 } as const;

export class TablePages {
  readonly format: PageTableFormat;
  readonly memory: PhysicalMemory;
  readonly frames: FrameSource;
  /** Present entries in each table page, indexed by frame number (0 for frames that are not tables). */
  readonly presentCount: Uint16Array;
  /** FrameKind of each frame number. */
  readonly kind: Uint8Array;
  /** Owner id of each live root (user roots and the kernel root), the kernel's first. */
  readonly rootOwners = new Map<number, number>();
  /** Table pages (roots included) held from the FrameSource. */
  count = 0;
  /** Scratch for one entry's halves: entry[0] bits 31:0, entry[1] bits 63:32. */
  readonly entry = new Uint32Array(2);
  /** Table addresses of the current walk, indexed by level; reused by every operation. */
  readonly path: Float64Array;
  /** Level of the leaf the last findLeaf reached. */
  leafLevel = 0;
  /** Bytes an entry at each level maps (4 KiB at level 0), for the range walks. */
  readonly entrySpan: readonly number[];
  /** Whether an entry is two words (x86-64, Sv39) rather than one (i386). */
  readonly wideEntries: boolean;
  /**
   * The leaf table last noted (PageTables.noteLeafTable), the root it serves and the number of
   * the leaf-table span it covers (va / entrySpan[1]); -1 when none. A table only stops being a
   * root's leaf table for a span by being freed, so freeTable forgets it and nothing else must.
   */
  knownLeafTable = -1;
  knownLeafRoot = -1;
  knownLeafSpan = -1;
  /**
   * Table pages freed so far, in a cell the MMUs' paging-structure caches share: an entry they
   * made before a table was freed is not used (structure-cache.ts).
   */
  readonly freedTables: Float64Array = new Float64Array(1);
  /** log2 of the bytes a leaf table maps (22 on i386, 21 on x86-64 and Sv39). */
  private readonly leafSpanShift: number;

  constructor(format: PageTableFormat, memory: PhysicalMemory, frames: FrameSource) {
    this.format = format;
    this.memory = memory;
    this.frames = frames;
    this.presentCount = new Uint16Array(memory.frameCount);
    this.kind = new Uint8Array(memory.frameCount);
    this.path = new Float64Array(format.levels);
    this.wideEntries = format.entryBytes === 8;
    this.entrySpan = Array.from({ length: format.levels }, (_, level) => 2 ** format.levelShift(level));
    this.leafSpanShift = format.levelShift(1);
  }

  /** The number of the leaf-table span holding `va` (va / entrySpan[1], integer arithmetic below 4 GiB). */
  leafSpanOf(va: number): number {
    return va === va >>> 0 ? va >>> this.leafSpanShift : Math.floor(va / this.entrySpan[1]);
  }

  /** A zeroed table page from the FrameSource, owned by `owner`. */
  allocTable(owner: number): number {
    const pa = this.frames.allocFrame(FrameUse.PageTable, owner);
    // The fill policy may be 'junk': a table page must start empty.
    this.memory.zeroFrame(pa >>> FRAME_SHIFT);
    this.kind[pa >>> FRAME_SHIFT] = FrameKind.Table;
    this.presentCount[pa >>> FRAME_SHIFT] = 0;
    this.count++;
    return pa;
  }

  freeTable(pa: number): void {
    this.knownLeafTable = -1;
    this.freedTables[0]++;
    this.kind[pa >>> FRAME_SHIFT] = FrameKind.NotTable;
    this.presentCount[pa >>> FRAME_SHIFT] = 0;
    this.count--;
    this.frames.release(pa);
  }

  /** Allocates `count` table pages into `out` (from index 0), all or none: OutOfMemoryError gives back those taken. */
  allocTables(count: number, owner: number, out: Float64Array | number[]): void {
    let made = 0;
    try {
      for (; made < count; made++) out[made] = this.allocTable(owner);
    } catch (error) {
      for (let k = 0; k < made; k++) this.freeTable(out[k]);
      throw error;
    }
  }

  /** Reads the entry at physical address `at` into this.entry. */
  readEntryAt(at: number): void {
    this.entry[0] = this.memory.read32(at);
    this.entry[1] = this.wideEntries ? this.memory.read32(at + 4) : 0;
  }

  /** Reads entry `index` of the table page at `tablePa` into out[0] (bits 31:0) and out[1] (bits 63:32). */
  readEntry(tablePa: number, index: number, out: Uint32Array): void {
    const at = tablePa + index * this.format.entryBytes;
    out[0] = this.memory.read32(at);
    out[1] = this.wideEntries ? this.memory.read32(at + 4) : 0;
  }

  writeEntry(tablePa: number, index: number, low: number, high: number): void {
    const at = tablePa + index * this.format.entryBytes;
    this.memory.write32(at, low);
    if (this.wideEntries) this.memory.write32(at + 4, high);
  }

  /** Whether `va` lies in the kernel half (shared by every root). */
  inKernelHalf(va: number): boolean {
    return this.format.indexOf(va, this.format.levels - 1) >= this.format.kernelRootIndex;
  }

  /** The owner of table pages made under `root` for `va`: the kernel for the kernel half. */
  tableOwner(root: number, va: number): number {
    return this.inKernelHalf(va) ? KERNEL_OWNER : (this.rootOwners.get(root) ?? KERNEL_OWNER);
  }

  /** Writes a new entry into `table` at `index` pointing to the table page `child` (at `level`). */
  linkTable(table: number, index: number, level: number, child: number): void {
    this.format.encodeTable(child, level, this.entry);
    this.writeEntry(table, index, this.entry[0], this.entry[1]);
    this.presentCount[table >>> FRAME_SHIFT]++;
    if (level === this.format.levels - 1 && index >= this.format.kernelRootIndex)
      this.shareKernelEntry(table, index);
  }

  /** A new top-level kernel entry at `index` of `from` goes into every other root. */
  shareKernelEntry(from: number, index: number): void {
    this.readEntry(from, index, this.entry);
    for (const root of this.rootOwners.keys()) {
      if (root === from) continue;
      this.writeEntry(root, index, this.entry[0], this.entry[1]);
      this.presentCount[root >>> FRAME_SHIFT]++;
    }
  }

  /** Clears top-level kernel entry `index` in every root (a kernel leaf in the root itself). */
  clearKernelEntry(index: number): void {
    for (const root of this.rootOwners.keys()) {
      this.writeEntry(root, index, 0, 0);
      this.presentCount[root >>> FRAME_SHIFT]--;
    }
  }

  /**
   * After a leaf at `level` under `va` was cleared (the tables walked are in this.path), gives back
   * the tables that became empty, walking up. Tables right under the root stay in the kernel half:
   * every root points to them.
   */
  releaseEmptyTables(va: number, level: number): void {
    const f = this.format;
    const highest = this.inKernelHalf(va) ? f.levels - 3 : f.levels - 2;
    for (let l = level; l <= highest; l++) {
      const table = this.path[l];
      if (this.presentCount[table >>> FRAME_SHIFT] !== 0) return;
      const parent = this.path[l + 1];
      this.writeEntry(parent, f.indexOf(va, l + 1), 0, 0);
      this.presentCount[parent >>> FRAME_SHIFT]--;
      this.freeTable(table);
    }
  }

  /** Gives back a table page and every table under it (leaves are just dropped). */
  freeSubtree(table: number, level: number): void {
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
    this.freeTable(table);
  }

  checkRoot(root: number): void {
    if (!this.rootOwners.has(root))
      throw new InvalidArgumentError(`${hex(root)} is not a live page-table root`);
  }

  checkVa(va: number): void {
    if (!this.format.isCanonical(va)) {
      throw new NonCanonicalAddressError(
        `virtual address ${hex(va)} is not canonical for ${this.format.name}`,
      );
    }
  }

  checkRange(start: number, end: number): void {
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

  /** Checks that `frames` has a slot for each 4 KiB page of [start, end). */
  checkPageSlots(what: string, slots: Float64Array, start: number, end: number): void {
    if (slots.length * SMALL_PAGE < end - start)
      throw new InvalidArgumentError(
        `${what}: ${slots.length} slots for ${(end - start) / SMALL_PAGE} pages`,
      );
  }
}

/** The smallest page, which every format has at level 0. */
export const SMALL_PAGE = 4096;
