/**
 * i386 32-bit paging (Intel SDM vol. 3, 4.3) with CR4.PSE = 1 (4 MiB pages), CR4.PGE = 1
 * (global pages) and CR0.WP = 1 (supervisor writes respect R/W). The model's MAXPHYADDR is 32,
 * so bits 21:13 of a 4 MiB PDE (PSE-36 address bits and bit 21) are reserved.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { field, flag } from './entry-fields.js';
import { ALL_FLAGS, PageFlags, PageSize } from './flags.js';
import type { DecodedEntry, EntryField, PageTableFormat } from './page-table-format.js';

const P = 1 << 0;
const RW = 1 << 1;
const US = 1 << 2;
const A = 1 << 5;
const D = 1 << 6;
const PS = 1 << 7;
const G = 1 << 8;
/** Bits 21:13 of a 4 MiB PDE: reserved with MAXPHYADDR = 32. */
const PDE4M_RESERVED = 0x003fe000;

export class I386Format implements PageTableFormat {
  readonly name = 'i386';
  readonly levels = 2;
  readonly entryBytes = 4;
  readonly indexBits = 10;
  readonly entriesPerTable = 1024;
  readonly vaBits = 32;
  readonly signExtended = false;
  readonly minVa = 0;
  readonly endVa = 2 ** 32;
  readonly pageSizes = [PageSize.Size4K, PageSize.Size4M];
  readonly kernelBase = 0xf0000000;
  readonly kernelRootIndex = 0xf0000000 >>> 22;
  readonly userEnd = 0xf0000000;
  readonly hasNoExecute = false;
  readonly supportedFlags = ALL_FLAGS;
  readonly accessedBit = A;
  readonly dirtyBit = D;

  levelShift(level: number): number {
    return 12 + 10 * level;
  }

  levelOfPageSize(size: number): number {
    return size === PageSize.Size4K ? 0 : size === PageSize.Size4M ? 1 : -1;
  }

  isCanonical(va: number): boolean {
    return va === va >>> 0;
  }

  indexOf(va: number, level: number): number {
    return level === 0 ? (va >>> 12) & 0x3ff : va >>> 22;
  }

  rootIndexBase(index: number): number {
    return index * PageSize.Size4M;
  }

  effectiveFlags(flags: number): number {
    if ((flags & ~ALL_FLAGS) !== 0) throw new InvalidArgumentError(`unknown page flags ${flags}`);
    return flags | PageFlags.Read | PageFlags.Execute;
  }

  encodeLeaf(pa: number, flags: number, level: number, out: Uint32Array): void {
    let lo = pa | P;
    if (flags & PageFlags.Write) lo |= RW;
    if (flags & PageFlags.User) lo |= US;
    if (flags & PageFlags.Accessed) lo |= A;
    if (flags & PageFlags.Dirty) lo |= D;
    if (level === 1) lo |= PS;
    if (flags & PageFlags.Global) lo |= G;
    lo |= softBits(flags) << 9;
    out[0] = lo;
    out[1] = 0;
  }

  encodeTable(tablePa: number, _level: number, out: Uint32Array): void {
    // Directory entries grant everything; the leaf decides (as xv6 and Linux do).
    out[0] = tablePa | P | RW | US;
    out[1] = 0;
  }

  isPresent(lo: number, _hi: number): boolean {
    return (lo & P) !== 0;
  }

  isLeaf(lo: number, _hi: number, level: number): boolean {
    return level === 0 || (lo & PS) !== 0;
  }

  hasReservedBits(lo: number, _hi: number, level: number): boolean {
    return level === 1 && (lo & PS) !== 0 && (lo & PDE4M_RESERVED) !== 0;
  }

  addressOf(lo: number, _hi: number, level: number): number {
    return (level === 1 && (lo & PS) !== 0 ? lo & 0xffc00000 : lo & 0xfffff000) >>> 0;
  }

  flagsOf(lo: number, _hi: number, _level: number): number {
    let flags = PageFlags.Read | PageFlags.Execute;
    if (lo & RW) flags |= PageFlags.Write;
    if (lo & US) flags |= PageFlags.User;
    if (lo & A) flags |= PageFlags.Accessed;
    if (lo & D) flags |= PageFlags.Dirty;
    if (lo & G) flags |= PageFlags.Global;
    return flags | fromSoftBits(lo >>> 9);
  }

  decode(lo: number, hi: number, level: number): DecodedEntry {
    const present = this.isPresent(lo, hi);
    const leaf = present && this.isLeaf(lo, hi, level);
    const large = level === 1 && (lo & PS) !== 0;
    const fields: EntryField[] = [
      flag(lo, 0, 'P', 0, 'present', 'not present'),
      flag(lo, 0, 'R/W', 1, 'writable', 'read-only'),
      flag(lo, 0, 'U/S', 2, 'user', 'supervisor'),
      flag(lo, 0, 'PWT', 3, 'write-through', 'write-back'),
      flag(lo, 0, 'PCD', 4, 'cache disabled', 'cacheable'),
      flag(lo, 0, 'A', 5, 'accessed', 'not accessed'),
    ];
    if (level === 0) {
      fields.push(
        flag(lo, 0, 'D', 6, 'dirty', 'clean'),
        flag(lo, 0, 'PAT', 7, 'PAT index bit 2', 'PAT index bit 2 clear'),
        flag(lo, 0, 'G', 8, 'global', 'not global'),
        field(lo, 0, 'AVL', 9, 11, 'available to software'),
        field(lo, 0, 'address', 12, 31, 'page frame number'),
      );
    } else if (large) {
      fields.push(
        flag(lo, 0, 'D', 6, 'dirty', 'clean'),
        flag(lo, 0, 'PS', 7, 'page size: 4 MiB page', 'page size: page table'),
        flag(lo, 0, 'G', 8, 'global', 'not global'),
        field(lo, 0, 'AVL', 9, 11, 'available to software'),
        flag(lo, 0, 'PAT', 12, 'PAT index bit 2', 'PAT index bit 2 clear'),
        field(lo, 0, 'PA 39:32', 13, 20, 'physical address bits 39:32 (PSE-36); reserved with MAXPHYADDR 32'),
        field(lo, 0, 'reserved', 21, 21, 'reserved: must be 0'),
        field(lo, 0, 'address', 22, 31, 'physical address bits 31:22 of the 4 MiB page'),
      );
    } else {
      fields.push(
        field(lo, 0, 'ignored', 6, 6, 'ignored'),
        flag(lo, 0, 'PS', 7, 'page size: 4 MiB page', 'page size: page table'),
        field(lo, 0, 'ignored', 8, 11, 'ignored (available)'),
        field(lo, 0, 'address', 12, 31, 'frame number of the page table'),
      );
    }
    return {
      format: this.name,
      level,
      kind: !present ? 'empty' : leaf ? 'page' : 'table',
      address: present ? this.addressOf(lo, hi, level) : 0,
      pageSize: leaf ? this.pageSizes[level] : 0,
      flags: leaf ? this.flagsOf(lo, hi, level) : 0,
      reserved: present && this.hasReservedBits(lo, hi, level),
      fields,
    };
  }
}

/** x86 software bits 9, 10, 11 from the neutral flags, as a 3-bit number. */
export function softBits(flags: number): number {
  return (
    (flags & PageFlags.Soft0 ? 1 : 0) | (flags & PageFlags.Soft1 ? 2 : 0) | (flags & PageFlags.Soft2 ? 4 : 0)
  );
}

export function fromSoftBits(bits: number): number {
  return (
    (bits & 1 ? PageFlags.Soft0 : 0) | (bits & 2 ? PageFlags.Soft1 : 0) | (bits & 4 ? PageFlags.Soft2 : 0)
  );
}
