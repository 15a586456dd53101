/**
 * The RISC-V Sv39 page-table walker (privileged specification, "Virtual Address Translation
 * Process"): a leaf is any valid entry with R or X, its own R/W/X/U decide the rights (U pages
 * are the supervisor's only with SUM, and never executable by it; MXR = 0), and with Svadu the
 * walker sets A in the leaf, and D on a store. Used by Mmu on every TLB miss.
 */
import { FaultCause } from './flags.js';
import type { PhysicalMemoryAccess } from './memory-access.js';
import type { PageTableFormat } from './page-table-format.js';
import { PageWalker } from './page-walker.js';
import { Rights } from './rights.js';
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

export class Sv39Walker extends PageWalker {
  /** sstatus.SUM: supervisor loads and stores may touch U pages. */
  sum = false;
  declare private readonly levels: number;
  /** Per level: the index's first address bit, and the mask of a page's offset. */
  declare private readonly shift: Uint8Array;
  declare private readonly offsetMask: Int32Array;
  declare private readonly indexMask: number;
  declare private readonly entryBytes: number;

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
    let level = this.levels - 1;
    let at = 0;
    let low = 0;
    let high = 0;
    for (; ; level--) {
      at = table + this.indexAt(vaLow, vaHigh, this.shift[level], this.indexMask) * this.entryBytes;
      this.entry = at;
      if (at >= memory.size) return this.fail(ACCESS_FAULT, level);
      low = memory.read32(at);
      high = memory.read32(at + 4);
      if ((low & VALID) === 0) return this.fail(NOT_PRESENT, level);
      if ((high & RESERVED_HIGH) !== 0 || (low & (READ | WRITE)) === WRITE)
        return this.fail(RESERVED_BIT, level);
      const ppn = low >>> PPN_START;
      // Integer arithmetic unless the address has bits above 30 (V8 then computes in doubles).
      const address =
        ppn < SMALL_PPN && (high & PPN_HIGH) === 0
          ? ppn * PAGE_SIZE
          : (ppn + (high & PPN_HIGH) * PPN_HIGH_SCALE) * PAGE_SIZE;
      if ((low & (READ | EXECUTE)) !== 0) {
        // A superpage's PPN must be aligned to its size.
        if ((level === 1 && (low & MISALIGNED_2M) !== 0) || (level === 2 && (low & MISALIGNED_1G) !== 0)) {
          return this.fail(RESERVED_BIT, level);
        }
        this.pa = address + (vaLow & this.offsetMask[level]);
        break;
      }
      if (level === 0) return this.fail(RESERVED_BIT, level); // a pointer below level 0 does not exist
      table = address;
    }
    const rights = leafRights(low, this.sum);
    this.rights = rights;
    this.global = (low & GLOBAL) !== 0;
    this.level = level;
    this.dirty = (low & DIRTY) !== 0;
    if (update && (rights & (1 << pair)) !== 0) {
      const wanted = (write ? low | ACCESSED | DIRTY : low | ACCESSED) >>> 0;
      if (wanted !== low) memory.write32(at, wanted);
      if (write) this.dirty = true;
    }
    return true;
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
    const high = memory.read32(at + 4);
    if ((low & VALID) === 0) return this.fail(NOT_PRESENT, 0);
    if ((high & RESERVED_HIGH) !== 0 || (low & (READ | WRITE)) === WRITE || (low & (READ | EXECUTE)) === 0)
      return this.fail(RESERVED_BIT, 0);
    const ppn = low >>> PPN_START;
    const address =
      ppn < SMALL_PPN && (high & PPN_HIGH) === 0
        ? ppn * PAGE_SIZE
        : (ppn + (high & PPN_HIGH) * PPN_HIGH_SCALE) * PAGE_SIZE;
    this.pa = address + ((va >>> 0) & this.offsetMask[0]);
    const rights = leafRights(low, this.sum);
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
