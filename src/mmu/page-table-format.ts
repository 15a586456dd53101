/**
 * What the page-table code needs to know about one hardware format. The three formats (i386
 * 32-bit paging, x86-64 4-level paging, RISC-V Sv39) implement it; PageTables and Mmu are written
 * once against it.
 *
 * Levels are numbered from the leaf: level 0 is the table of 4 KiB entries (i386 page table,
 * x86-64 PT, Sv39 VPN[0]), level `levels - 1` is the root (page directory, PML4, Sv39 root).
 * An entry is handled as two uint32 halves, `lo` (bits 31:0) and `hi` (bits 63:32, always 0
 * for i386's 4-byte entries), so the hot paths never need BigInt.
 */
import type { PageFlags } from './flags.js';
import type { FormatName } from './formats.js';

export type { FormatName } from './formats.js';

/** The architecture a format belongs to: it decides the walker, the fault codes and the switch semantics. */
export type FormatFamily = 'x86' | 'riscv';

/** One named bit field of a raw entry, for golden tests and the browser's bit view. */
export interface EntryField {
  /** The manual's name: "P", "R/W", "PS", "XD", "V", "RSW", "PPN[1]", "address". */
  name: string;
  /** Lowest and highest bit of the field in the 64-bit (or 32-bit) entry. */
  low: number;
  high: number;
  /** The field's value (an address field gives the number as stored, not shifted). */
  value: number;
  /** What it means, briefly ("present", "page size: 4 MiB page", "reserved: must be 0"). */
  meaning: string;
}

/** A raw entry decoded: what kind of entry it is at that level, and every field. */
export interface DecodedEntry {
  format: FormatName;
  level: number;
  /** 'empty' (not present), 'table' (points to the next level), 'page' (a leaf). */
  kind: 'empty' | 'table' | 'page';
  /** The table's or the page's physical address (0 when empty). */
  address: number;
  /** Size of the page when kind is 'page', else 0. */
  pageSize: number;
  /** Neutral flags of a leaf (for a table: the rights it grants on the way down). */
  flags: PageFlags;
  /** Whether a reserved bit is set (the walker would fault with a reserved-bit fault). */
  reserved: boolean;
  fields: EntryField[];
}

/** Choices a format leaves open. */
export interface FormatOptions {
  /**
   * MAXPHYADDR: x86-64 from 32 (the default: pageframe's RAM is below 4 GiB) to 52; i386 is 32
   * and Sv39 56 (its 44-bit PPN), fixed.
   */
  maxPhysicalBits?: number;
}

export interface PageTableFormat {
  readonly name: FormatName;
  readonly family: FormatFamily;
  /**
   * Address-space ids the hardware has: 1 on i386 (none: a CR3 write flushes), 4096 x86-64
   * PCIDs, 65536 Sv39 ASIDs.
   */
  readonly asidCount: number;
  /** Number of table levels: 2 (i386), 4 (x86-64), 3 (Sv39). */
  readonly levels: number;
  /** 4 or 8. */
  readonly entryBytes: 4 | 8;
  /** Index bits a level: 10 (i386) or 9. */
  readonly indexBits: number;
  /** 1024 or 512. */
  readonly entriesPerTable: number;
  /**
   * MAXPHYADDR: physical-address bits an entry can hold (i386 32; x86-64 32 to 52; Sv39 56).
   * Address bits above it are reserved bits.
   */
  readonly maxPhysicalBits: number;
  /** Significant virtual-address bits: 32, 48, 39. */
  readonly vaBits: number;
  /** Whether addresses are sign-extended (kernel half negative). */
  readonly signExtended: boolean;
  /** Lowest and one past the highest canonical virtual address (as numbers). */
  readonly minVa: number;
  readonly endVa: number;
  /** Page sizes the format maps, ascending, in bytes; pageSizes[level] is the size of a leaf at that level. */
  readonly pageSizes: readonly number[];
  /** First address of the shared kernel half, and the first root index that belongs to it. */
  readonly kernelBase: number;
  readonly kernelRootIndex: number;
  /** One past the last user address (user space is [0, userEnd)). */
  readonly userEnd: number;
  /** Whether the format has a no-execute control (x86-64 XD, RISC-V X); i386 executes every readable page. */
  readonly hasNoExecute: boolean;
  /** Flag bits this format can store; others are refused by map(). */
  readonly supportedFlags: PageFlags;
  /** Bits of `lo` holding the accessed and dirty flags. */
  readonly accessedBit: number;
  readonly dirtyBit: number;

  /** Bit position of the lowest address bit a level's index covers: 12 + level * indexBits. */
  levelShift(level: number): number;
  /** The level whose leaf maps pages of `size` bytes, or -1 when the format has no such page. */
  levelOfPageSize(size: number): number;
  /** Whether `va` is an integer in [minVa, endVa). */
  isCanonical(va: number): boolean;
  /** The table index `va` selects at `level`. `va` must be canonical. */
  indexOf(va: number, level: number): number;
  /** The virtual address of entry `index` of the root (sign-extended), for range walks. */
  rootIndexBase(index: number): number;

  /**
   * The flags as this format stores and enforces them: Read added on x86 (present implies
   * readable), Execute added on i386 (no NX). Throws InvalidArgumentError for flags the format
   * cannot encode (Soft2 on Sv39; on Sv39 a writable page must also be readable and a leaf needs
   * one of R, W, X).
   */
  effectiveFlags(flags: PageFlags): PageFlags;
  /** Encodes a leaf at `level` mapping `pa` with (effective) flags; writes lo to out[0], hi to out[1]. */
  encodeLeaf(pa: number, flags: PageFlags, level: number, out: Uint32Array): void;
  /** Encodes an entry pointing to a next-level table at `tablePa`. */
  encodeTable(tablePa: number, level: number, out: Uint32Array): void;
  /** P (x86) or V (RISC-V). */
  isPresent(lo: number, hi: number): boolean;
  /** Whether a present entry at `level` is a leaf (a page) rather than a pointer to a table. */
  isLeaf(lo: number, hi: number, level: number): boolean;
  /** Whether a present entry at `level` has a reserved bit set, or an encoding the walker refuses. */
  hasReservedBits(lo: number, hi: number, level: number): boolean;
  /** The physical address an entry holds: the next table, or the page's base. */
  addressOf(lo: number, hi: number, level: number): number;
  /** Neutral flags of a present leaf (including Accessed and Dirty). */
  flagsOf(lo: number, hi: number, level: number): PageFlags;
  /** Every named field of a raw entry at `level`. */
  decode(lo: number, hi: number, level: number): DecodedEntry;
}
