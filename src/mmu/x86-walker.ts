/**
 * The x86 page-table walkers, for 4-level paging (x86-64, SDM vol. 3, 4.5: X86Walker) and 32-bit
 * paging (i386, 4.3: I386Walker): entries of 8 or 4 bytes, PS marks a large page, rights are the
 * AND of R/W and U/S over every level (CR0.WP = 1, no SMEP / SMAP), XD at any level forbids
 * fetches, A is set in every entry used and D in the leaf on a store. Used by Mmu on every TLB miss.
 */
import { FaultCause } from './flags.js';
import type { PhysicalMemoryAccess } from './memory-access.js';
import type { PageTableFormat } from './page-table-format.js';
import { PageWalker } from './page-walker.js';
import { Rights } from './rights.js';
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
  /** Entry addresses and low words read by the last walk, by level (for the A / D update). */
  declare private readonly entryAt: Float64Array;
  declare private readonly entryLow: Uint32Array;

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
    this.entryLow = new Uint32Array(format.levels);
  }

  leaf(
    memory: PhysicalMemoryAccess,
    at: number,
    va: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean {
    this.entry = at;
    if (at >= memory.size) return this.fail(ACCESS_FAULT, 0);
    const low = memory.read32(at);
    const high = this.wideEntries ? memory.read32(at + 4) : 0;
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

  /** The walk over the levels of 8-byte entries (4-level paging). */
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
    let table = root;
    let writable = true;
    let user = true;
    let executable = true;
    let level = this.levels - 1;
    let low = 0;
    let high = 0;
    for (; ; level--) {
      const at = table + this.indexAt(vaLow, vaHigh, this.shift[level], this.indexMask) * this.entryBytes;
      this.entry = at;
      if (at >= memory.size) return this.fail(ACCESS_FAULT, level);
      low = memory.read32(at);
      high = memory.read32(at + 4);
      if ((low & PRESENT) === 0) return this.fail(NOT_PRESENT, level);
      if ((high & this.highReserved) !== 0) return this.fail(RESERVED_BIT, level);
      const large = level > 0 && (low & LARGE) !== 0;
      if (large && (level >= this.noLargeLevel || (low & this.largeReserved[level]) !== 0)) {
        return this.fail(RESERVED_BIT, level);
      }
      this.entryAt[level] = at;
      this.entryLow[level] = low;
      if ((low & WRITABLE) === 0) writable = false;
      if ((low & USER) === 0) user = false;
      if ((high & NO_EXECUTE_HIGH) !== 0) executable = false;
      const addressMask = large ? this.largeAddress[level] : SMALL_ADDRESS;
      // Integer arithmetic unless the address has bits above 31 (V8 then computes in doubles).
      let frame = (low & addressMask) >>> 0;
      if ((high & this.highAddress) !== 0) frame += (high & this.highAddress) * TWO_32;
      if (level === 0 || large) {
        this.pa = frame + (vaLow & ~addressMask);
        break;
      }
      table = frame;
    }
    let rights = KERNEL_READ;
    if (writable) rights |= KERNEL_WRITE;
    if (executable) rights |= KERNEL_EXECUTE;
    if (user) {
      rights |= USER_READ;
      if (writable) rights |= USER_WRITE;
      if (executable) rights |= USER_EXECUTE;
    }
    this.rights = rights;
    this.global = (low & GLOBAL) !== 0;
    this.level = level;
    this.dirty = (low & DIRTY) !== 0;
    if (update && (rights & (1 << pair)) !== 0) {
      // A in every entry used, D in the leaf on a store, written only when they change.
      for (let l = this.levels - 1; l > level; l--) {
        const old = this.entryLow[l];
        if ((old & ACCESSED) === 0) memory.write32(this.entryAt[l], (old | ACCESSED) >>> 0);
      }
      const wanted = (write ? low | ACCESSED | DIRTY : low | ACCESSED) >>> 0;
      if (wanted !== low) memory.write32(this.entryAt[level], wanted);
      if (write) this.dirty = true;
    }
    return true;
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
   * JavaScript; docs/mmu.md).
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
      this.setAccessed(memory, directoryAt, leafAt, 0, write);
    return true;
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
    if (update && (rights & (1 << pair)) !== 0) this.setAccessed(memory, directoryAt, directoryAt, 1, write);
    return true;
  }

  /**
   * Sets A in the directory entry and A (and D on a store) in the leaf, out of walk() so that
   * walk() stays small enough for V8 to inline into the miss path.
   */
  private setAccessed(
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
