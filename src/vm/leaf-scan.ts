/**
 * One pass over the leaf tables of an address range, a table page at a time, reading entries as
 * words of RAM: for the address-space checker and test snapshots, which look at every entry.
 */
import { InvariantError } from '../common/errors.js';
import { PageFlags } from '../mmu/flags.js';
import type { PageTableFormat } from '../mmu/page-table-format.js';
import type { PageTables } from '../mmu/page-tables.js';

/** What LeafScan.scan reports. */
export interface LeafTableVisitor {
  /**
   * Entries [first, end) of a leaf table (level 0) lie in `words`; entry i's low word is at
   * words[at + i * wordsPerEntry] (its high word, on 8-byte formats, right after) and it maps
   * `va + i * 4096`. Empty entries are included: test `lo & LeafScan.PRESENT`.
   */
  leafTable(words: Uint32Array, at: number, first: number, end: number, va: number): void;
  /** A present leaf above level 0 (a large page) at `va`, mapping `pa`, of `size` bytes. */
  largePage(va: number, pa: number, size: number): void;
}

const PAGE = 4096;

/**
 * The leaf tables under a root, found by a walk over the present upper entries only, and the bit
 * positions a visitor needs to decode a 4 KiB entry without calling the format: all found once,
 * by encoding sample entries, and checked against the format's own decoder.
 */
export class LeafScan {
  /** The present bit (V on Sv39, P on x86): bit 0 of the low word on every format. */
  static readonly PRESENT = 1;
  readonly wordsPerEntry: number;
  /** The write-permission and user bits of a leaf's low word. */
  readonly writeBit: number;
  readonly userBit: number;
  private readonly format: PageTableFormat;
  private readonly pageTables: PageTables;
  /** Frame-number bits of the low and high words; the low ones start at bit `frameShift`. */
  private readonly lowFrameMask: number;
  private readonly highFrameMask: number;
  private readonly frameShift: number;
  private readonly spans: number[];

  constructor(pageTables: PageTables) {
    const f = pageTables.format;
    this.format = f;
    this.pageTables = pageTables;
    this.wordsPerEntry = f.entryBytes / 4;
    this.spans = Array.from({ length: f.levels }, (_, level) => 2 ** f.levelShift(level));
    const entry = new Uint32Array(2);
    const base = f.effectiveFlags(PageFlags.Read);
    f.encodeLeaf(0, base, 0, entry);
    const [baseLow, baseHigh] = entry;
    f.encodeLeaf(0, f.effectiveFlags(base | PageFlags.Write), 0, entry);
    this.writeBit = (entry[0] ^ baseLow) >>> 0;
    f.encodeLeaf(0, f.effectiveFlags(base | PageFlags.User), 0, entry);
    this.userBit = (entry[0] ^ baseLow) >>> 0;
    const highest = 2 ** Math.min(f.maxPhysicalBits, 52) - PAGE;
    f.encodeLeaf(highest, base, 0, entry);
    this.lowFrameMask = (entry[0] ^ baseLow) >>> 0;
    this.highFrameMask = (entry[1] ^ baseHigh) >>> 0;
    this.frameShift = 31 - Math.clz32(this.lowFrameMask & -this.lowFrameMask);
    this.verify(baseLow, baseHigh);
  }

  /** The physical address a present 4 KiB leaf maps. */
  frameOf(low: number, high: number): number {
    if ((high & this.highFrameMask) !== 0) return this.format.addressOf(low, high, 0);
    return ((low & this.lowFrameMask) >>> this.frameShift) * PAGE;
  }

  /** Reports every leaf table (and large page) under `root` that overlaps [start, end), in address order. */
  scan(root: number, start: number, end: number, visitor: LeafTableVisitor): void {
    const f = this.format;
    const top = f.levels - 1;
    const rootSpan = this.spans[top];
    const words = this.pageTables.tableWords(root);
    const at = (root & (words.length * 4 - 1)) >>> 2;
    for (let va = start; va < end; ) {
      const index = f.indexOf(va, top);
      const base = f.rootIndexBase(index);
      this.entry(words, at + index * this.wordsPerEntry, top, base, start, end, visitor);
      va = base + rootSpan;
    }
  }

  /** The present entry (or nothing) at words[w], at `level`, mapping from `base`. */
  private entry(
    words: Uint32Array,
    w: number,
    level: number,
    base: number,
    start: number,
    end: number,
    visitor: LeafTableVisitor,
  ): void {
    const low = words[w];
    if ((low & LeafScan.PRESENT) === 0) return;
    const f = this.format;
    const high = this.wordsPerEntry === 2 ? words[w + 1] : 0;
    const pa = f.addressOf(low, high, level);
    if (f.isLeaf(low, high, level)) {
      visitor.largePage(base, pa, this.spans[level]);
      return;
    }
    const child = level - 1;
    const span = this.spans[child];
    const childWords = this.pageTables.tableWords(pa);
    const at = (pa & (childWords.length * 4 - 1)) >>> 2;
    const first = start > base ? Math.floor((start - base) / span) : 0;
    const last = Math.min(f.entriesPerTable, Math.ceil((end - base) / span));
    if (child === 0) {
      visitor.leafTable(childWords, at, first, last, base);
      return;
    }
    for (let i = first; i < last; i++)
      this.entry(childWords, at + i * this.wordsPerEntry, child, base + i * span, start, end, visitor);
  }

  /** The bits found must decode as the format does; a format where they do not would be misread. */
  private verify(baseLow: number, baseHigh: number): void {
    const f = this.format;
    const frames = [0, PAGE, 0x12345000, 2 ** 31, 2 ** 32, 2 ** 40 - PAGE];
    const entry = new Uint32Array(2);
    const problems: string[] = [];
    if (!f.isPresent(baseLow, baseHigh) || f.isPresent(baseLow & ~1, baseHigh))
      problems.push('the present bit is not bit 0');
    for (const pa of frames) {
      if (pa >= 2 ** f.maxPhysicalBits) continue;
      f.encodeLeaf(pa, f.effectiveFlags(PageFlags.Read | PageFlags.Write | PageFlags.User), 0, entry);
      if (this.frameOf(entry[0], entry[1]) !== pa) problems.push(`frame ${pa} decodes differently`);
      if ((entry[0] & (this.writeBit | this.userBit)) !== (this.writeBit | this.userBit))
        problems.push('the write or user bit moved');
    }
    if (problems.length > 0) throw new InvariantError(`LeafScan on ${f.name}: ${problems.join('; ')}`);
  }
}
