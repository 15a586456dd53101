/**
 * The x86 page-table walkers, for 4-level paging (x86-64, SDM vol. 3, 4.5: X86Walker) and 32-bit
 * paging (i386, 4.3: I386Walker): entries of 8 or 4 bytes, PS marks a large page, rights are the
 * AND of R/W and U/S over every level (CR0.WP = 1, no SMEP / SMAP), XD at any level forbids
 * fetches, A is set in every entry used and D in the leaf on a store. Used by Mmu on every TLB miss.
 */
import { FaultCause } from './flags.js';
import type { PhysicalMemoryAccess } from './memory-access.js';
import type { PageTableFormat } from './page-table-format.js';
import { COMMON_GLOBAL, NOT_COMMON, PageWalker } from './page-walker.js';
import { Rights } from './rights.js';
import { STRUCTURE_CACHE_MASK } from './structure-cache.js';
import { A, D, G, P, PS, RW, US, XD_HIGH } from './x86-entry.js';

// Module-local copies of the imported constants this walk uses: V8 does not fold an imported
// binding into optimized code (see "Performance" in docs/mmu.md for the figure).
const PRESENT = P;
const WRITABLE = RW;
const USER = US;
const ACCESSED = A;
const DIRTY = D;
const LARGE = PS;
const GLOBAL = G;
const NO_EXECUTE_HIGH = XD_HIGH;
/** XD alone in a high word read as a signed int32. */
const XD_SIGNED = XD_HIGH | 0;
const KERNEL_READ = Rights.KernelRead;
const KERNEL_WRITE = Rights.KernelWrite;
const KERNEL_EXECUTE = Rights.KernelExecute;
const USER_READ = Rights.UserRead;
const USER_WRITE = Rights.UserWrite;
const USER_EXECUTE = Rights.UserExecute;
const NOT_PRESENT = FaultCause.NotPresent;
const RESERVED_BIT = FaultCause.ReservedBit;
const ACCESS_FAULT = FaultCause.AccessFault;
/** Bits 31:12 of an entry: a table's or a 4 KiB page's address. */
const SMALL_ADDRESS = 0xfffff000;
const TWO_32 = 2 ** 32;
const PAGE_SHIFT = 12;
const PAGE_BYTES = 4096;
/** log2 of the span a leaf table maps in 4-level paging (2 MiB). */
const SPAN_SHIFT_64 = 21;
const CACHE_MASK = STRUCTURE_CACHE_MASK;
const UNCOMMON = NOT_COMMON;
const GLOBAL_LEAF = COMMON_GLOBAL;
const CLEAN_PAGE_RIGHTS = ~(KERNEL_WRITE | USER_WRITE);
// Bit combinations of walkCommon, each one constant: V8 does not fold `A | B` in bytecode, and
// walkCommon's bytecode size decides whether V8 inlines it into the miss.
const PRESENT_ACCESSED = PRESENT | ACCESSED;
const PRESENT_ACCESSED_DIRTY = PRESENT | ACCESSED | DIRTY;
const PRESENT_LARGE_ACCESSED = PRESENT | LARGE | ACCESSED;
/** 32-bit paging: the directory index is address bits 31:22, the table index bits 21:12. */
const DIRECTORY_SHIFT = 22;
const TABLE_INDEX_MASK_32 = 0x3ff;
/** A 4 MiB page's address bits, and bits 21:13, reserved with MAXPHYADDR 32. */
const LARGE_PAGE_ADDRESS_32 = 0xffc00000;
const LARGE_PAGE_RESERVED_32 = 0x003fe000;
/** 32-bit paging's rights, indexed by R/W and U/S of the directory and table entries ANDed (bits 2:1). */
const RIGHTS_32 = Uint8Array.of(
  KERNEL_READ | KERNEL_EXECUTE,
  KERNEL_READ | KERNEL_EXECUTE | KERNEL_WRITE,
  KERNEL_READ | KERNEL_EXECUTE | USER_READ | USER_EXECUTE,
  KERNEL_READ | KERNEL_EXECUTE | KERNEL_WRITE | USER_READ | USER_EXECUTE | USER_WRITE,
);
/**
 * 4-level paging's rights, indexed by R/W and U/S of every level ANDed (bits 1:0) and XD of any
 * level (bit 2).
 */
const RIGHTS_X86 = Uint8Array.from({ length: 8 }, (_, bits) => {
  const writable = (bits & 1) !== 0;
  const user = (bits & 2) !== 0;
  const executable = (bits & 4) === 0;
  let rights = KERNEL_READ;
  if (writable) rights |= KERNEL_WRITE;
  if (executable) rights |= KERNEL_EXECUTE;
  if (user) rights |= USER_READ | (writable ? USER_WRITE : 0) | (executable ? USER_EXECUTE : 0);
  return rights;
});

export class X86Walker extends PageWalker {
  declare private readonly levels: number;
  declare private readonly wideEntries: boolean;
  declare private readonly entryBytes: number;
  /** Per level: the index's first address bit, and the index mask. */
  declare private readonly shift: Uint8Array;
  declare private readonly indexMask: number;
  /** Per level: the low-word bits of a large leaf's address, and its bits that must be 0 (alignment). */
  declare private readonly largeAddress: Uint32Array;
  declare private readonly largeReserved: Uint32Array;
  /** The lowest level at which PS is reserved (x86-64 PML4E), or `levels` when none is. */
  declare private readonly noLargeLevel: number;
  /** High-word bits reserved above MAXPHYADDR, and those that hold address bits. */
  declare private readonly highReserved: number;
  declare private readonly highAddress: number;
  /** Entry addresses read by the last walk, by level (for the A / D update). */
  declare private readonly entryAt: Float64Array;
  /**
   * The level the last walk started reading at (levels - 1, or 0 when the paging-structure cache
   * gave the leaf table), and for a walk from the root the upper entries' low words ANDed and
   * high words ORed (what the cache keeps).
   */
  protected walkTop = 0;
  protected upperLows = 0;
  protected upperHighs = 0;

  constructor(format: PageTableFormat) {
    super(format);
    this.levels = format.levels;
    this.wideEntries = format.entryBytes === 8;
    this.entryBytes = format.entryBytes;
    this.indexMask = format.entriesPerTable - 1;
    this.shift = new Uint8Array(format.levels);
    this.largeAddress = new Uint32Array(format.levels);
    this.largeReserved = new Uint32Array(format.levels);
    for (let level = 0; level < format.levels; level++) {
      const shift = format.levelShift(level);
      this.shift[level] = shift;
      this.largeAddress[level] = (SMALL_ADDRESS & ~(2 ** shift - 1)) >>> 0;
      // Bit 12 of a large leaf is PAT; the bits above it up to the page's size must be 0.
      this.largeReserved[level] = (2 ** shift - 1) & ~0x1fff;
    }
    this.noLargeLevel = format.pageSizes.length;
    const highBits = format.maxPhysicalBits - 32;
    this.highAddress = this.wideEntries ? 2 ** highBits - 1 : 0;
    this.highReserved = this.wideEntries ? (0xfffff & ~this.highAddress) >>> 0 : 0;
    this.entryAt = new Float64Array(format.levels);
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
    const high = this.wideEntries ? memory.read32(at + 4) : 0;
    return this.leafWords(memory, at, memory.read32(at), high, va, pair, write, update);
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
    if (at >= memory.size) return this.fail(ACCESS_FAULT, 0);
    if ((low & PRESENT) === 0) return this.fail(NOT_PRESENT, 0);
    if ((high & this.highReserved) !== 0) return this.fail(RESERVED_BIT, 0);
    let frame = (low & SMALL_ADDRESS) >>> 0;
    if ((high & this.highAddress) !== 0) frame += (high & this.highAddress) * TWO_32;
    this.pa = frame + ((va >>> 0) & ~SMALL_ADDRESS);
    const writable = (low & WRITABLE) !== 0;
    const executable = (high & NO_EXECUTE_HIGH) === 0;
    let rights = KERNEL_READ;
    if (writable) rights |= KERNEL_WRITE;
    if (executable) rights |= KERNEL_EXECUTE;
    if ((low & USER) !== 0) {
      rights |= USER_READ;
      if (writable) rights |= USER_WRITE;
      if (executable) rights |= USER_EXECUTE;
    }
    this.rights = rights;
    this.global = (low & GLOBAL) !== 0;
    this.level = 0;
    this.dirty = (low & DIRTY) !== 0;
    if (update && (rights & (1 << pair)) !== 0) {
      const wanted = (write ? low | ACCESSED | DIRTY : low | ACCESSED) >>> 0;
      if (wanted !== low) memory.write32(at, wanted);
      if (write) this.dirty = true;
    }
    return true;
  }

  /**
   * The common miss of 4-level paging: the leaf table from the paging-structure cache, one 8-byte
   * leaf whose high word holds no bit but XD (no address bit above 4 GiB, nothing reserved).
   */
  walkCommon(memory: PhysicalMemoryAccess, _root: number, va: number, pair: number, write: boolean): number {
    const cache = this.cache;
    const span = va >>> SPAN_SHIFT_64;
    const slot = span & CACHE_MASK;
    if (cache.span[slot] !== span || cache.freedStamp[slot] !== cache.freedTables[0]) return UNCOMMON;
    // The entry's words, signed (an empty array when the memory lends none: then nothing is present).
    const words = cache.words[slot];
    const at = cache.wordIndex[slot] + ((va >>> PAGE_SHIFT) & 511) * 2;
    const low = words[at] | 0;
    const high = words[at + 1] | 0;
    const frame = low & SMALL_ADDRESS; // negative from 2 GiB up
    const rights = cache.rights[slot] & RIGHTS_X86[((low >>> 1) & 3) | (high === 0 ? 0 : 4)];
    const wanted = write ? PRESENT_ACCESSED_DIRTY : PRESENT_ACCESSED;
    if (
      (rights & (1 << pair)) === 0 ||
      (low & PRESENT) === 0 ||
      (high !== 0 && high !== XD_SIGNED) ||
      frame < 0 ||
      frame >= memory.size
    )
      return (low & PRESENT) === 0 ? this.absentCachedLeaf(slot, va) : UNCOMMON;
    if ((low & wanted) !== wanted) words[at] = low | wanted;
    return (
      frame | (low & GLOBAL ? GLOBAL_LEAF : 0) | (write || low & DIRTY ? rights : rights & CLEAN_PAGE_RIGHTS)
    );
  }

  /**
   * The walk of 8-byte entries (4-level paging): the leaf table from the paging-structure cache
   * and the 4 KiB leaf here, small enough for V8 to inline into the miss path; a walk from the
   * root (walkFromRoot) out of line.
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
    const span = (vaLow >>> SPAN_SHIFT_64) | (vaHigh << (32 - SPAN_SHIFT_64));
    const slot = span & CACHE_MASK;
    if (!update || cache.span[slot] !== span || cache.freedStamp[slot] !== cache.freedTables[0])
      return this.walkFromRoot(memory, root, vaLow, vaHigh, span, pair, write, update);
    this.walkTop = 0;
    const at = cache.table[slot] + ((vaLow >>> PAGE_SHIFT) & this.indexMask) * 8;
    this.entryAt[0] = at;
    if (at >= memory.size) return this.failAt(ACCESS_FAULT, 0);
    const low = memory.read32(at);
    const high = memory.read32(at + 4);
    if ((low & PRESENT) === 0) return this.failAt(NOT_PRESENT, 0);
    if ((high & this.highReserved) !== 0) return this.failAt(RESERVED_BIT, 0);
    let frame = (low & SMALL_ADDRESS) >>> 0;
    if ((high & this.highAddress) !== 0) frame += (high & this.highAddress) * TWO_32;
    this.pa = frame + (vaLow & ~SMALL_ADDRESS);
    // found() for a 4 KiB leaf under cached upper entries (whose A bits are set), written out so
    // that V8's inlining budget covers the rest of the miss path too.
    const rights =
      cache.rights[slot] & RIGHTS_X86[((low >>> 1) & 3) | ((high & NO_EXECUTE_HIGH) !== 0 ? 4 : 0)];
    this.entry = at;
    this.rights = rights;
    this.global = (low & GLOBAL) !== 0;
    this.level = 0;
    this.dirty = (low & DIRTY) !== 0;
    const wanted = write ? ACCESSED | DIRTY : ACCESSED;
    if ((rights & (1 << pair)) !== 0 && (low & wanted) !== wanted) this.setAccessed(memory, 0, write);
    return true;
  }

  /**
   * walk() from the root over every level: the loop handles table pointers and the 4 KiB leaf;
   * anything else (an absent entry, a reserved bit, a large page) goes out of line. `span` is
   * the address's 2 MiB span number, kept for the paging-structure cache.
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
    this.walkTop = this.levels - 1;
    let table = root;
    let level = this.levels - 1;
    let lows = -1; // the low words ANDed over the levels: R/W, U/S and A of every entry used
    let highs = 0; // the high words ORed: XD of any entry used
    let low = 0;
    for (; ; level--) {
      const at = table + this.indexAt(vaLow, vaHigh, this.shift[level], this.indexMask) * 8;
      this.entryAt[level] = at;
      if (at >= memory.size) return this.failAt(ACCESS_FAULT, level);
      if (level === 0) {
        this.upperLows = lows;
        this.upperHighs = highs;
      }
      low = memory.read32(at);
      const high = memory.read32(at + 4);
      lows &= low;
      highs |= high;
      if ((low & PRESENT) === 0 || (high & this.highReserved) !== 0 || (level !== 0 && (low & LARGE) !== 0)) {
        return this.unusualEntry(memory, vaLow, level, low, high, lows, highs, pair, write, update);
      }
      // Integer arithmetic unless the address has bits above 31 (V8 then computes in doubles).
      let frame = (low & SMALL_ADDRESS) >>> 0;
      if ((high & this.highAddress) !== 0) frame += (high & this.highAddress) * TWO_32;
      if (level === 0) {
        this.pa = frame + (vaLow & ~SMALL_ADDRESS);
        break;
      }
      table = frame;
    }
    this.found(memory, 0, low, lows, highs, pair, write, update);
    // A walk to a 4 KiB leaf that set A in every upper entry: the span's leaf table is cached.
    if (update && (this.rights & (1 << pair)) !== 0) {
      const entryAt = this.entryAt[0];
      const upperXd = (this.upperHighs & NO_EXECUTE_HIGH) !== 0 ? 4 : 0;
      this.cache.put(
        span,
        entryAt - (entryAt % PAGE_BYTES),
        RIGHTS_X86[((this.upperLows >>> 1) & 3) | upperXd],
        memory,
      );
    }
    return true;
  }

  /** A fault at `level`, whose entry address the walk put in entryAt. */
  private failAt(cause: FaultCause, level: number): boolean {
    this.entry = this.entryAt[level];
    return this.fail(cause, level);
  }

  /** walk() for an entry that is absent, has a reserved bit set, or maps a large page. */
  private unusualEntry(
    memory: PhysicalMemoryAccess,
    vaLow: number,
    level: number,
    low: number,
    high: number,
    lows: number,
    highs: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean {
    if ((low & PRESENT) === 0) return this.failAt(NOT_PRESENT, level);
    if ((high & this.highReserved) !== 0) return this.failAt(RESERVED_BIT, level);
    // A large page: PS is reserved at the top level, and the bits below the page's size must be 0.
    if (level >= this.noLargeLevel || (low & this.largeReserved[level]) !== 0) {
      return this.failAt(RESERVED_BIT, level);
    }
    const addressMask = this.largeAddress[level];
    let frame = (low & addressMask) >>> 0;
    if ((high & this.highAddress) !== 0) frame += (high & this.highAddress) * TWO_32;
    this.pa = frame + (vaLow & ~addressMask);
    return this.found(memory, level, low, lows, highs, pair, write, update);
  }

  /**
   * The results of a walk whose leaf is at `level`: `leafLow` its low word, `lows` the low words
   * of every entry used ANDed, `highs` their high words ORed.
   */
  private found(
    memory: PhysicalMemoryAccess,
    level: number,
    leafLow: number,
    lows: number,
    highs: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean {
    this.entry = this.entryAt[level];
    const rights = RIGHTS_X86[((lows >>> 1) & 3) | ((highs & NO_EXECUTE_HIGH) !== 0 ? 4 : 0)];
    this.rights = rights;
    this.global = (leafLow & GLOBAL) !== 0;
    this.level = level;
    this.dirty = (leafLow & DIRTY) !== 0;
    // A in every entry used, D in the leaf on a store: written only when they change (rarely).
    const wanted = write ? ACCESSED | DIRTY : ACCESSED;
    if (
      update &&
      (rights & (1 << pair)) !== 0 &&
      ((lows & ACCESSED) === 0 || (leafLow & wanted) !== wanted)
    ) {
      this.setAccessed(memory, level, write);
    }
    return true;
  }

  /**
   * Sets A in every entry the last walk read down to `level` (from the root, or only the leaf
   * after the paging-structure cache gave the upper levels), and D in the leaf on a store.
   */
  private setAccessed(memory: PhysicalMemoryAccess, level: number, write: boolean): void {
    for (let l = this.walkTop; l >= level; l--) {
      const at = this.entryAt[l];
      const old = memory.read32(at);
      const wanted = (l === level && write ? old | ACCESSED | DIRTY : old | ACCESSED) >>> 0;
      if (wanted !== old) memory.write32(at, wanted);
    }
    if (write) this.dirty = true;
  }
}

/**
 * 32-bit paging (i386) written out, with the results of X86Walker's walk over levels: no loop,
 * no high words. A class of its own so that the MMU's call to walk() reaches it directly.
 */
export class I386Walker extends X86Walker {
  /**
   * The directory entry, then the table entry. Kept under V8's 460-byte bytecode limit for
   * inlining, a 4 MiB page and the A / D update out of line: inlined into the miss path, the
   * i386 TLB miss costs about 2/3 of what it cost with the walk called (measured on compiled
   * JavaScript; docs/mmu.md). No paging-structure cache here: it would save the read of one
   * directory entry, and looking it up costs as much (measured: a miss 29 to 30 ns with it, 28 to
   * 29 without).
   */
  override walk(
    memory: PhysicalMemoryAccess,
    root: number,
    va: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean {
    va >>>= 0; // a 32-bit linear address
    const directoryAt = root + ((va >>> DIRECTORY_SHIFT) << 2);
    const directory = memory.read32(directoryAt);
    if ((directory & (PRESENT | LARGE)) !== PRESENT)
      return this.largeOrAbsent(memory, directoryAt, directory, va, pair, write, update);
    const leafAt = ((directory & SMALL_ADDRESS) >>> 0) + (((va >>> PAGE_SHIFT) & TABLE_INDEX_MASK_32) << 2);
    this.entry = leafAt;
    if (leafAt >= memory.size) return this.fail(ACCESS_FAULT, 0);
    const leaf = memory.read32(leafAt);
    if ((leaf & PRESENT) === 0) return this.fail(NOT_PRESENT, 0);
    this.pa = ((leaf & SMALL_ADDRESS) >>> 0) + (va & ~SMALL_ADDRESS);
    const rights = RIGHTS_32[((directory & leaf) >>> 1) & 3];
    this.rights = rights;
    this.global = (leaf & GLOBAL) !== 0;
    this.level = 0;
    this.dirty = (leaf & DIRTY) !== 0;
    // A in both entries, D in the leaf on a store: written only when they change (rarely).
    const wanted = write ? ACCESSED | DIRTY : ACCESSED;
    if (
      update &&
      (rights & (1 << pair)) !== 0 &&
      ((directory & ACCESSED) === 0 || (leaf & wanted) !== wanted)
    )
      this.setAccessed32(memory, directoryAt, leafAt, 0, write);
    return true;
  }

  /**
   * The common miss of 32-bit paging: a directory entry that points to a table and has A set,
   * then a present 4 KiB leaf.
   */
  override walkCommon(
    memory: PhysicalMemoryAccess,
    root: number,
    va: number,
    pair: number,
    write: boolean,
  ): number {
    const directory = memory.read32(root + ((va >>> DIRECTORY_SHIFT) << 2));
    const leafAt = ((directory & SMALL_ADDRESS) >>> 0) + (((va >>> PAGE_SHIFT) & TABLE_INDEX_MASK_32) << 2);
    if ((directory & PRESENT_LARGE_ACCESSED) !== PRESENT_ACCESSED || leafAt >= memory.size) return UNCOMMON;
    const leaf = memory.read32(leafAt);
    const frame = leaf & SMALL_ADDRESS; // negative from 2 GiB up
    const rights = RIGHTS_32[((directory & leaf) >>> 1) & 3];
    const wanted = write ? PRESENT_ACCESSED_DIRTY : PRESENT_ACCESSED;
    if ((rights & (1 << pair)) === 0 || (leaf & PRESENT) === 0 || frame < 0 || frame >= memory.size)
      return (leaf & PRESENT) === 0 ? this.absentLeaf(leafAt) : UNCOMMON;
    if ((leaf & wanted) !== wanted) memory.write32(leafAt, (leaf | wanted) >>> 0);
    return (
      frame |
      (leaf & GLOBAL ? GLOBAL_LEAF : 0) |
      (write || leaf & DIRTY ? rights : rights & CLEAN_PAGE_RIGHTS)
    );
  }

  /** walk() for a directory entry that is absent or maps a 4 MiB page. */
  private largeOrAbsent(
    memory: PhysicalMemoryAccess,
    directoryAt: number,
    directory: number,
    va: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean {
    this.entry = directoryAt;
    if ((directory & PRESENT) === 0) return this.fail(NOT_PRESENT, 1);
    if ((directory & LARGE_PAGE_RESERVED_32) !== 0) return this.fail(RESERVED_BIT, 1);
    this.pa = ((directory & LARGE_PAGE_ADDRESS_32) >>> 0) + (va & ~LARGE_PAGE_ADDRESS_32);
    const rights = RIGHTS_32[(directory >>> 1) & 3];
    this.rights = rights;
    this.global = (directory & GLOBAL) !== 0;
    this.level = 1;
    this.dirty = (directory & DIRTY) !== 0;
    if (update && (rights & (1 << pair)) !== 0)
      this.setAccessed32(memory, directoryAt, directoryAt, 1, write);
    return true;
  }

  /**
   * Sets A in the directory entry and A (and D on a store) in the leaf, out of walk() so that
   * walk() stays small enough for V8 to inline into the miss path.
   */
  private setAccessed32(
    memory: PhysicalMemoryAccess,
    directoryAt: number,
    leafAt: number,
    level: number,
    write: boolean,
  ): void {
    const directory = memory.read32(directoryAt);
    if ((directory & ACCESSED) === 0) memory.write32(directoryAt, (directory | ACCESSED) >>> 0);
    const leaf = level === 1 ? (directory | ACCESSED) >>> 0 : memory.read32(leafAt);
    const wanted = (write ? leaf | ACCESSED | DIRTY : leaf | ACCESSED) >>> 0;
    if (wanted !== leaf) memory.write32(leafAt, wanted);
    if (write) this.dirty = true;
  }
}
