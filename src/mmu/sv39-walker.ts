/**
 * The RISC-V Sv39 page-table walker (privileged specification, "Virtual Address Translation
 * Process"): a leaf is any valid entry with R or X, its own R/W/X/U decide the rights (U pages
 * are the supervisor's only with SUM, and never executable by it; MXR = 0), and with Svadu the
 * walker sets A in the leaf, and D on a store. Used by Mmu on every TLB miss.
 */
import { FaultCause } from './flags.js';
import type { PhysicalMemoryAccess } from './memory-access.js';
import type { PageTableFormat } from './page-table-format.js';
import { COMMON_GLOBAL, NOT_COMMON, PageWalker } from './page-walker.js';
import { Rights } from './rights.js';
import { STRUCTURE_CACHE_MASK } from './structure-cache.js';
import {
  A,
  D,
  G,
  HIGH_RESERVED,
  PPN_HIGH_MASK,
  PPN_SHIFT,
  PPN0,
  PPN10,
  R,
  U,
  V,
  W,
  X,
} from './sv39-format.js';

// Module-local copies of the imported constants this walk uses: V8 does not fold an imported
// binding into optimized code (see "Performance" in docs/mmu.md for the figure).
const VALID = V;
const READ = R;
const WRITE = W;
const EXECUTE = X;
const USER = U;
const GLOBAL = G;
const ACCESSED = A;
const DIRTY = D;
const RESERVED_HIGH = HIGH_RESERVED;
const PPN_START = PPN_SHIFT;
const PPN_HIGH = PPN_HIGH_MASK;
const PPN_HIGH_SCALE = 1 << (32 - PPN_SHIFT);
/** Frame numbers below this give addresses below 2^31: int32 arithmetic. */
const SMALL_PPN = 1 << 19;
const TWO_32 = 2 ** 32;
const MISALIGNED_2M = PPN0;
const MISALIGNED_1G = PPN10;
const KERNEL_READ = Rights.KernelRead;
const KERNEL_WRITE = Rights.KernelWrite;
const KERNEL_EXECUTE = Rights.KernelExecute;
const USER_READ = Rights.UserRead;
const USER_WRITE = Rights.UserWrite;
const USER_EXECUTE = Rights.UserExecute;
const NOT_PRESENT = FaultCause.NotPresent;
const RESERVED_BIT = FaultCause.ReservedBit;
const ACCESS_FAULT = FaultCause.AccessFault;
const PAGE_SIZE = 4096;
const PAGE_SHIFT = 12;
/** log2 of the span a leaf table maps (2 MiB). */
const SPAN_SHIFT = 21;
const CACHE_MASK = STRUCTURE_CACHE_MASK;
const UNCOMMON = NOT_COMMON;
/** The low word's PPN bits that make a frame's address 2 GiB or more, and V. */
const VALID_HIGH_PPN = VALID | 0xe0000000;
// Bit combinations of walkCommon, each one constant: V8 does not fold `A | B` in bytecode, and
// walkCommon's bytecode size decides whether V8 inlines it into the miss.
const VALID_ACCESSED = VALID | ACCESSED;
const VALID_ACCESSED_DIRTY = VALID | ACCESSED | DIRTY;
const GLOBAL_LEAF = COMMON_GLOBAL;
const CLEAN_PAGE_RIGHTS = ~(KERNEL_WRITE | USER_WRITE);
const ALL_RIGHTS = KERNEL_READ | KERNEL_WRITE | KERNEL_EXECUTE | USER_READ | USER_WRITE | USER_EXECUTE;
/**
 * A leaf's rights by its R, W, X and U bits (entry bits 4:1), then the same with SUM in the
 * upper 16: 0 for the reserved W-without-R and for a pointer (R = W = X = 0).
 */
const LEAF_RIGHTS = Uint8Array.from({ length: 32 }, (_, bits) =>
  (bits & 0b0011) === 0b0010 ? 0 : leafRights(bits << 1, bits >= 16),
);

export class Sv39Walker extends PageWalker {
  /** sstatus.SUM: supervisor loads and stores may touch U pages. */
  sum = false;
  declare private readonly levels: number;
  /** Per level: the index's first address bit, and the mask of a page's offset. */
  declare private readonly shift: Uint8Array;
  declare private readonly offsetMask: Int32Array;
  declare private readonly indexMask: number;
  declare private readonly entryBytes: number;
  /**
   * Whether the last walk read the upper levels from the root (not when its leaf table came from
   * the paging-structure cache, or leaf() was given the entry), and then its span number.
   */
  private fromRoot = false;
  private walkSpan = 0;

  constructor(format: PageTableFormat) {
    super(format);
    this.levels = format.levels;
    this.indexMask = format.entriesPerTable - 1;
    this.entryBytes = format.entryBytes;
    this.shift = new Uint8Array(format.levels);
    this.offsetMask = new Int32Array(format.levels);
    for (let level = 0; level < format.levels; level++) {
      this.shift[level] = format.levelShift(level);
      this.offsetMask[level] = 2 ** format.levelShift(level) - 1;
    }
  }

  /**
   * The leaf table from the paging-structure cache and its entry here, small enough for V8 to
   * inline into the miss path; a walk from the root (walkFromRoot) out of line.
   */
  walk(
    memory: PhysicalMemoryAccess,
    root: number,
    va: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean {
    // The address as two int32 halves, so that each level's index is integer arithmetic.
    const vaLow = va >>> 0;
    const vaHigh = (va - vaLow) / TWO_32;
    const cache = this.cache;
    // The number of the 2 MiB span: an int32 for every canonical address.
    const span = (vaLow >>> SPAN_SHIFT) | (vaHigh << (32 - SPAN_SHIFT));
    const slot = span & CACHE_MASK;
    if (!update || cache.span[slot] !== span || cache.freedStamp[slot] !== cache.freedTables[0])
      return this.walkFromRoot(memory, root, vaLow, vaHigh, span, pair, write, update);
    this.fromRoot = false;
    const at = cache.table[slot] + ((vaLow >>> PAGE_SHIFT) & this.indexMask) * 8;
    this.entry = at;
    if (at >= memory.size) return this.fail(ACCESS_FAULT, 0);
    return this.leafEntry(
      memory,
      at,
      memory.read32(at),
      memory.read32(at + 4),
      vaLow,
      0,
      pair,
      write,
      update,
    );
  }

  /**
   * The common miss: the leaf table from the paging-structure cache, one leaf whose high word is
   * 0 (a frame below 2^32, no Svnapot or Svpbmt bit, nothing reserved).
   */
  walkCommon(memory: PhysicalMemoryAccess, _root: number, va: number, pair: number, write: boolean): number {
    const cache = this.cache;
    const span = va >>> SPAN_SHIFT;
    const slot = span & CACHE_MASK;
    if (cache.span[slot] !== span || cache.freedStamp[slot] !== cache.freedTables[0]) return UNCOMMON;
    // The entry's words, signed (an empty array when the memory lends none: then nothing is valid).
    const words = cache.words[slot];
    const at = cache.wordIndex[slot] + ((va >>> PAGE_SHIFT) & 511) * 2;
    const low = words[at] | 0;
    const frame = (low >>> PPN_START) << PAGE_SHIFT;
    const rights = LEAF_RIGHTS[((low >>> 1) & 15) | (this.sum ? 16 : 0)];
    const wanted = write ? VALID_ACCESSED_DIRTY : VALID_ACCESSED;
    // A frame below 2 GiB: PPN bits 53:19 clear (low bits 31:29 and the whole high word).
    if (
      (rights & (1 << pair)) === 0 ||
      (low & VALID_HIGH_PPN) !== VALID ||
      words[at + 1] !== 0 ||
      frame >= memory.size
    )
      return (low & VALID) === 0 ? this.absentCachedLeaf(slot, va) : UNCOMMON;
    if ((low & wanted) !== wanted) words[at] = low | wanted;
    return (
      frame | (low & GLOBAL ? GLOBAL_LEAF : 0) | (write || low & DIRTY ? rights : rights & CLEAN_PAGE_RIGHTS)
    );
  }

  /**
   * walk() from the root: the loop follows pointers (valid, R = W = X = 0); the entry it stops at
   * is decoded by leafEntry, out of line. `span` is the address's 2 MiB span number, kept for
   * the paging-structure cache.
   */
  private walkFromRoot(
    memory: PhysicalMemoryAccess,
    root: number,
    vaLow: number,
    vaHigh: number,
    span: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean {
    this.fromRoot = true;
    this.walkSpan = span;
    let table = root;
    let level = this.levels - 1;
    for (; ; level--) {
      const at = table + this.indexAt(vaLow, vaHigh, this.shift[level], this.indexMask) * 8;
      this.entry = at;
      if (at >= memory.size) return this.fail(ACCESS_FAULT, level);
      const low = memory.read32(at);
      const high = memory.read32(at + 4);
      if (level === 0 || (low & (VALID | READ | WRITE | EXECUTE)) !== VALID || (high & RESERVED_HIGH) !== 0) {
        return this.leafEntry(memory, at, low, high, vaLow, level, pair, write, update);
      }
      table = entryAddress(low, high);
    }
  }

  leaf(
    memory: PhysicalMemoryAccess,
    at: number,
    va: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean {
    if (at >= memory.size) {
      this.entry = at;
      return this.fail(ACCESS_FAULT, 0);
    }
    return this.leafWords(memory, at, memory.read32(at), memory.read32(at + 4), va, pair, write, update);
  }

  leafWords(
    memory: PhysicalMemoryAccess,
    at: number,
    low: number,
    high: number,
    va: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean {
    this.entry = at;
    this.fromRoot = false; // the entry is given: nothing to cache
    if (at >= memory.size) return this.fail(ACCESS_FAULT, 0);
    return this.leafEntry(memory, at, low, high, va >>> 0, 0, pair, write, update);
  }

  /**
   * The entry at `at` (words `low`, `high`) where a walk stopped at `level`: a leaf, or the
   * fault it causes (absent, reserved encodings, a pointer at level 0, a misaligned superpage).
   */
  private leafEntry(
    memory: PhysicalMemoryAccess,
    at: number,
    low: number,
    high: number,
    vaLow: number,
    level: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean {
    if ((low & VALID) === 0) return this.fail(NOT_PRESENT, level);
    if ((high & RESERVED_HIGH) !== 0 || (low & (READ | WRITE)) === WRITE || (low & (READ | EXECUTE)) === 0) {
      return this.fail(RESERVED_BIT, level); // reserved bits, W without R, or a pointer below level 0
    }
    // A superpage's PPN must be aligned to its size.
    if ((level === 1 && (low & MISALIGNED_2M) !== 0) || (level === 2 && (low & MISALIGNED_1G) !== 0)) {
      return this.fail(RESERVED_BIT, level);
    }
    this.pa = entryAddress(low, high) + (vaLow & this.offsetMask[level]);
    const rights = leafRights(low, this.sum);
    this.rights = rights;
    this.global = (low & GLOBAL) !== 0;
    this.level = level;
    this.dirty = (low & DIRTY) !== 0;
    if (update && (rights & (1 << pair)) !== 0) {
      const wanted = (write ? low | ACCESSED | DIRTY : low | ACCESSED) >>> 0;
      if (wanted !== low) memory.write32(at, wanted);
      if (write) this.dirty = true;
      // A walk from the root to a 4 KiB leaf: the span's leaf table is cached (pointers carry no
      // rights and no A bit in Sv39).
      if (level === 0 && this.fromRoot)
        this.cache.put(this.walkSpan, at - (at % PAGE_SIZE), ALL_RIGHTS, memory);
    }
    return true;
  }
}

/** The physical address an entry's PPN names (integer arithmetic unless it has bits above 30). */
function entryAddress(low: number, high: number): number {
  const ppn = low >>> PPN_START;
  return ppn < SMALL_PPN && (high & PPN_HIGH) === 0
    ? ppn * PAGE_SIZE
    : (ppn + (high & PPN_HIGH) * PPN_HIGH_SCALE) * PAGE_SIZE;
}

/** A leaf's rights from its R / W / X / U bits (U pages are the supervisor's only with SUM). */
function leafRights(low: number, sum: boolean): number {
  const readable = (low & READ) !== 0;
  const writable = (low & WRITE) !== 0;
  const executable = (low & EXECUTE) !== 0;
  let rights = 0;
  if ((low & USER) !== 0) {
    if (readable) rights |= USER_READ;
    if (writable) rights |= USER_WRITE;
    if (executable) rights |= USER_EXECUTE;
    if (sum) {
      if (readable) rights |= KERNEL_READ;
      if (writable) rights |= KERNEL_WRITE;
    }
  } else {
    if (readable) rights |= KERNEL_READ;
    if (writable) rights |= KERNEL_WRITE;
    if (executable) rights |= KERNEL_EXECUTE;
  }
  return rights;
}
