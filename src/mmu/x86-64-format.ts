/**
 * x86-64 4-level paging (Intel SDM vol. 3, 4.5) with EFER.NXE = 1 (XD bit 63), CR4.PGE = 1,
 * CR0.WP = 1, 2 MiB and 1 GiB pages. MAXPHYADDR is 32 by default (pageframe's RAM lies below
 * 4 GiB), up to 52 when asked: entry bits 51:MAXPHYADDR are reserved; bits 62:52 are ignored (no
 * protection keys).
 */
import { InvalidArgumentError } from '../common/errors.js';
import { describeEntry, field, flag } from './entry-fields.js';
import { ALL_FLAGS, PageFlags } from './flags.js';
import type { DecodedEntry, EntryField, FormatOptions, PageTableFormat } from './page-table-format.js';
import { SignExtendedFormat } from './sign-extended-format.js';
import {
  A,
  D,
  decodeX86LeafBits,
  encodeX86LeafBits,
  P,
  PS,
  RW,
  US,
  XD_HIGH,
  x86CommonFields,
} from './x86-entry.js';

/** Bits 51:32 of an entry: the high half's address field (19:0). */
const ADDRESS_HIGH = 0x000fffff;
const TWO_32 = 2 ** 32;
/** Alignment bits of a large page's address field that must be 0. */
const PDPTE1G_RESERVED = 0x3fffe000;
const PDE2M_RESERVED = 0x001fe000;
const LEVEL_NAMES = ['PTE', 'PDE', 'PDPTE', 'PML4E'];

export class X8664Format extends SignExtendedFormat implements PageTableFormat {
  readonly name = 'x86-64';
  readonly family = 'x86';
  readonly asidCount = 4096;

  readonly supportedFlags = ALL_FLAGS;
  readonly accessedBit = A;
  readonly dirtyBit = D;

  readonly maxPhysicalBits: number;
  /** High-half bits above MAXPHYADDR (reserved), and the high half's address bits below it. */
  private readonly highReserved: number;
  private readonly highAddress: number;

  constructor(options: FormatOptions = {}) {
    super(4);
    const bits = options.maxPhysicalBits ?? 32;
    if (!Number.isInteger(bits) || bits < 32 || bits > 52) {
      throw new InvalidArgumentError(`x86-64 MAXPHYADDR ${bits} must be an integer from 32 to 52`);
    }
    this.maxPhysicalBits = bits;
    this.highAddress = 2 ** (bits - 32) - 1;
    this.highReserved = ADDRESS_HIGH & ~this.highAddress;
  }

  effectiveFlags(flags: number): number {
    if ((flags & ~ALL_FLAGS) !== 0) throw new InvalidArgumentError(`unknown page flags ${flags}`);
    return flags | PageFlags.Read;
  }

  encodeLeaf(pa: number, flags: number, level: number, out: Uint32Array): void {
    out[0] = (pa % TWO_32) | encodeX86LeafBits(flags) | (level > 0 ? PS : 0);
    out[1] = Math.floor(pa / TWO_32) | (flags & PageFlags.Execute ? 0 : XD_HIGH);
  }

  encodeTable(tablePa: number, _level: number, out: Uint32Array): void {
    // Upper levels grant everything (XD = 0); the leaf decides.
    out[0] = (tablePa % TWO_32) | P | RW | US;
    out[1] = Math.floor(tablePa / TWO_32);
  }

  isPresent(lo: number, _hi: number): boolean {
    return (lo & P) !== 0;
  }

  isLeaf(lo: number, _hi: number, level: number): boolean {
    return level === 0 || (level < 3 && (lo & PS) !== 0);
  }

  hasReservedBits(lo: number, hi: number, level: number): boolean {
    if ((hi & this.highReserved) !== 0) return true;
    if ((lo & PS) === 0 || level === 0) return false;
    if (level === 3) return true; // PS is reserved in a PML4E
    return (lo & (level === 2 ? PDPTE1G_RESERVED : PDE2M_RESERVED)) !== 0;
  }

  addressOf(lo: number, hi: number, level: number): number {
    const high = (hi & this.highAddress) * TWO_32;
    if (level > 0 && level < 3 && (lo & PS) !== 0)
      return ((lo & (level === 2 ? 0xc0000000 : 0xffe00000)) >>> 0) + high;
    return ((lo & 0xfffff000) >>> 0) + high;
  }

  flagsOf(lo: number, hi: number, _level: number): number {
    return PageFlags.Read | ((hi & XD_HIGH) === 0 ? PageFlags.Execute : 0) | decodeX86LeafBits(lo);
  }

  decode(lo: number, hi: number, level: number): DecodedEntry {
    const large = level > 0 && (lo & PS) !== 0;
    const name = LEVEL_NAMES[level];
    const fields: EntryField[] = x86CommonFields(lo, hi);
    if (level === 0) {
      fields.push(
        flag(lo, hi, 'D', 6, 'dirty', 'clean'),
        flag(lo, hi, 'PAT', 7, 'PAT index bit 2', 'PAT index bit 2 clear'),
        flag(lo, hi, 'G', 8, 'global', 'not global'),
        field(lo, hi, 'AVL', 9, 11, 'available to software'),
        field(lo, hi, 'address', 12, 31, 'page frame number'),
      );
    } else if (large && level < 3) {
      const low = level === 2 ? 30 : 21;
      fields.push(
        flag(lo, hi, 'D', 6, 'dirty', 'clean'),
        flag(lo, hi, 'PS', 7, `page size: ${level === 2 ? '1 GiB' : '2 MiB'} page`, 'page size: table'),
        flag(lo, hi, 'G', 8, 'global', 'not global'),
        field(lo, hi, 'AVL', 9, 11, 'available to software'),
        flag(lo, hi, 'PAT', 12, 'PAT index bit 2', 'PAT index bit 2 clear'),
        field(lo, hi, 'reserved', 13, low - 1, 'reserved: must be 0 (page alignment)'),
        field(lo, hi, 'address', low, 31, `physical address bits 31:${low} of the page`),
      );
    } else {
      fields.push(
        field(lo, hi, 'ignored', 6, 6, 'ignored'),
        flag(
          lo,
          hi,
          'PS',
          7,
          level === 3 ? 'reserved: must be 0' : 'page size: large page',
          'page size: table',
        ),
        field(lo, hi, 'ignored', 8, 11, 'ignored (available)'),
        field(lo, hi, 'address', 12, 31, `frame number of the next table (${name})`),
      );
    }
    fields.push(
      ...(this.maxPhysicalBits > 32
        ? [field(lo, hi, 'address high', 32, this.maxPhysicalBits - 1, 'physical address bits above 31')]
        : []),
      ...(this.maxPhysicalBits < 52
        ? [
            field(
              lo,
              hi,
              'reserved',
              this.maxPhysicalBits,
              51,
              `reserved above MAXPHYADDR ${this.maxPhysicalBits}: must be 0`,
            ),
          ]
        : []),
      field(lo, hi, 'ignored', 52, 62, 'ignored'),
      flag(lo, hi, 'XD', 63, 'execute disabled', 'executable'),
    );
    return describeEntry(this, lo, hi, level, fields);
  }
}
