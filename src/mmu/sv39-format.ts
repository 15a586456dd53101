/**
 * RISC-V Sv39 (privileged specification, "Sv39: Page-Based 39-bit Virtual-Memory System"),
 * without Svpbmt and Svnapot, so PTE bits 63:54 are all reserved. The walker sets A and D
 * itself (Svadu behaviour, see docs/mmu.md).
 */
import { InvalidArgumentError } from '../common/errors.js';
import { describeEntry, field, flag } from './entry-fields.js';
import { ALL_FLAGS, PageFlags } from './flags.js';
import { fixedMaxPhysicalBits } from './formats-options.js';
import type { DecodedEntry, EntryField, FormatOptions, PageTableFormat } from './page-table-format.js';
import { SignExtendedFormat } from './sign-extended-format.js';

/** The PTE bits (privileged specification, "Sv32/Sv39 page table entry"). */
export const V = 1 << 0;
export const R = 1 << 1;
export const W = 1 << 2;
export const X = 1 << 3;
export const U = 1 << 4;
export const G = 1 << 5;
export const A = 1 << 6;
export const D = 1 << 7;
/** Bits 63:54 (high half 31:22): reserved, PBMT and N without their extensions. */
export const HIGH_RESERVED = 0xffc00000;
/** PPN[0] (bits 18:10) and PPN[1:0] (bits 27:10): must be 0 in a 2 MiB or 1 GiB leaf. */
export const PPN0 = 0x0007fc00;
export const PPN10 = 0x0ffffc00;
/** Where the PPN starts in the low word, and how many of its bits the high word holds. */
export const PPN_SHIFT = 10;
export const PPN_HIGH_MASK = 0x3fffff;

export class Sv39Format extends SignExtendedFormat implements PageTableFormat {
  readonly name = 'sv39';
  readonly family = 'riscv';
  readonly asidCount = 65536;
  readonly maxPhysicalBits = 56;

  readonly supportedFlags = ALL_FLAGS & ~PageFlags.Soft2;
  readonly accessedBit = A;
  readonly dirtyBit = D;

  constructor(options: FormatOptions = {}) {
    super(3);
    fixedMaxPhysicalBits('Sv39', 56, options);
  }

  effectiveFlags(flags: number): number {
    if ((flags & ~ALL_FLAGS) !== 0) throw new InvalidArgumentError(`unknown page flags ${flags}`);
    if (flags & PageFlags.Soft2) {
      throw new InvalidArgumentError('Sv39 has two software bits (RSW): flag Soft2 cannot be stored');
    }
    if ((flags & (PageFlags.Read | PageFlags.Write | PageFlags.Execute)) === 0) {
      throw new InvalidArgumentError(
        'an Sv39 leaf needs one of R, W, X (R = W = X = 0 marks a table pointer)',
      );
    }
    if (flags & PageFlags.Write && !(flags & PageFlags.Read)) {
      throw new InvalidArgumentError('Sv39 reserves W = 1 with R = 0: a writable page must be readable');
    }
    return flags;
  }

  encodeLeaf(pa: number, flags: number, _level: number, out: Uint32Array): void {
    const pfn = pa / 4096;
    let lo = (pfn << 10) | V;
    if (flags & PageFlags.Read) lo |= R;
    if (flags & PageFlags.Write) lo |= W;
    if (flags & PageFlags.Execute) lo |= X;
    if (flags & PageFlags.User) lo |= U;
    if (flags & PageFlags.Global) lo |= G;
    if (flags & PageFlags.Accessed) lo |= A;
    if (flags & PageFlags.Dirty) lo |= D;
    if (flags & PageFlags.Soft0) lo |= 1 << 8;
    if (flags & PageFlags.Soft1) lo |= 1 << 9;
    out[0] = lo;
    out[1] = highPpn(pfn);
  }

  encodeTable(tablePa: number, _level: number, out: Uint32Array): void {
    // A pointer: V = 1, R = W = X = 0; D, A and U are reserved in non-leaf PTEs and stay 0.
    const pfn = tablePa / 4096;
    out[0] = (pfn << 10) | V;
    out[1] = highPpn(pfn);
  }

  isPresent(lo: number, _hi: number): boolean {
    return (lo & V) !== 0;
  }

  isLeaf(lo: number, _hi: number, _level: number): boolean {
    return (lo & (R | X)) !== 0;
  }

  hasReservedBits(lo: number, hi: number, level: number): boolean {
    if ((hi & HIGH_RESERVED) !== 0) return true;
    if ((lo & (R | W)) === W) return true;
    const leaf = (lo & (R | X)) !== 0;
    if (!leaf) return level === 0; // a pointer below level 0 does not exist
    if (level === 1) return (lo & PPN0) !== 0;
    if (level === 2) return (lo & PPN10) !== 0;
    return false;
  }

  addressOf(lo: number, hi: number, _level: number): number {
    return ((lo >>> PPN_SHIFT) + (hi & PPN_HIGH_MASK) * 2 ** (32 - PPN_SHIFT)) * 4096;
  }

  flagsOf(lo: number, _hi: number, _level: number): number {
    let flags = 0;
    if (lo & R) flags |= PageFlags.Read;
    if (lo & W) flags |= PageFlags.Write;
    if (lo & X) flags |= PageFlags.Execute;
    if (lo & U) flags |= PageFlags.User;
    if (lo & G) flags |= PageFlags.Global;
    if (lo & A) flags |= PageFlags.Accessed;
    if (lo & D) flags |= PageFlags.Dirty;
    if (lo & (1 << 8)) flags |= PageFlags.Soft0;
    if (lo & (1 << 9)) flags |= PageFlags.Soft1;
    return flags;
  }

  decode(lo: number, hi: number, level: number): DecodedEntry {
    const fields: EntryField[] = [
      flag(lo, hi, 'V', 0, 'valid', 'invalid'),
      flag(lo, hi, 'R', 1, 'readable', 'not readable'),
      flag(lo, hi, 'W', 2, 'writable', 'not writable'),
      flag(lo, hi, 'X', 3, 'executable', 'not executable'),
      flag(lo, hi, 'U', 4, 'user', 'supervisor'),
      flag(lo, hi, 'G', 5, 'global', 'not global'),
      flag(lo, hi, 'A', 6, 'accessed', 'not accessed'),
      flag(lo, hi, 'D', 7, 'dirty', 'clean'),
      field(lo, hi, 'RSW', 8, 9, 'reserved for supervisor software'),
      field(lo, hi, 'PPN[0]', 10, 18, 'physical page number bits 8:0'),
      field(lo, hi, 'PPN[1]', 19, 27, 'physical page number bits 17:9'),
      field(lo, hi, 'PPN[2]', 28, 53, 'physical page number bits 43:18'),
      field(lo, hi, 'reserved', 54, 60, 'reserved: must be 0'),
      field(lo, hi, 'PBMT', 61, 62, 'page-based memory type (Svpbmt): reserved here'),
      flag(lo, hi, 'N', 63, 'NAPOT (Svnapot): reserved here', 'not NAPOT'),
    ];
    return describeEntry(this, lo, hi, level, fields);
  }
}

/**
 * The PPN bits the high word holds (PPN bits 43:22). A frame number may pass 2^32 (physical
 * addresses up to 2^56), so it is divided, not shifted: `>>>` would first cut it to 32 bits.
 */
function highPpn(pfn: number): number {
  return (pfn / 4194304) >>> 0;
}
