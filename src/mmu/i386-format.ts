/**
 * i386 32-bit paging (Intel SDM vol. 3, 4.3) with CR4.PSE = 1 (4 MiB pages), CR4.PGE = 1
 * (global pages) and CR0.WP = 1 (supervisor writes respect R/W). The model's MAXPHYADDR is 32,
 * so bits 21:13 of a 4 MiB PDE (PSE-36 address bits and bit 21) are reserved.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { describeEntry, field, flag } from './entry-fields.js';
import { ALL_FLAGS, PageFlags, PageSize } from './flags.js';
import { fixedMaxPhysicalBits } from './formats-options.js';
import type { DecodedEntry, EntryField, FormatOptions, PageTableFormat } from './page-table-format.js';
import { A, D, decodeX86LeafBits, encodeX86LeafBits, P, PS, RW, US, x86CommonFields } from './x86-entry.js';

/** Bits 21:13 of a 4 MiB PDE: reserved with MAXPHYADDR = 32. */
const PDE4M_RESERVED = 0x003fe000;

export class I386Format implements PageTableFormat {
  readonly name = 'i386';
  readonly family = 'x86';
  readonly asidCount = 1;
  readonly maxPhysicalBits = 32;
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

  constructor(options: FormatOptions = {}) {
    fixedMaxPhysicalBits('i386', 32, options);
  }

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
    out[0] = pa | encodeX86LeafBits(flags) | (level === 1 ? PS : 0);
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
    return PageFlags.Read | PageFlags.Execute | decodeX86LeafBits(lo);
  }

  decode(lo: number, hi: number, level: number): DecodedEntry {
    const large = level === 1 && (lo & PS) !== 0;
    const fields: EntryField[] = x86CommonFields(lo, 0);
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
    return describeEntry(this, lo, hi, level, fields);
  }
}
