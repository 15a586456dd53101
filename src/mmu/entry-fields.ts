/**
 * Helpers the formats share to describe raw entries bit by bit (decode) and to split virtual
 * addresses. Not on a hot path except splitVa's arithmetic, which is inlined by each format.
 */
import type { DecodedEntry, EntryField, PageTableFormat } from './page-table-format.js';

const TWO_32 = 4294967296;

/** Bits [low, high] of the 64-bit value hi:lo. */
export function bitsOf(lo: number, hi: number, low: number, high: number): number {
  const value = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  const width = BigInt(high - low + 1);
  return Number((value >> BigInt(low)) & ((1n << width) - 1n));
}

export function field(
  lo: number,
  hi: number,
  name: string,
  low: number,
  high: number,
  meaning: string,
): EntryField {
  return { name, low, high, value: bitsOf(lo, hi, low, high), meaning };
}

/** A one-bit field whose meaning depends on its value. */
export function flag(
  lo: number,
  hi: number,
  name: string,
  bit: number,
  ifSet: string,
  ifClear: string,
): EntryField {
  const value = bitsOf(lo, hi, bit, bit);
  return { name, low: bit, high: bit, value, meaning: value ? ifSet : ifClear };
}

/** The high 32 bits of a sign-extended virtual address (as a signed int). */
export function vaHigh(va: number): number {
  return Math.floor(va / TWO_32) | 0;
}

/** The 9-bit index at `shift` (12, 21, 30 or 39) of a sign-extended 64-bit virtual address. */
export function index9(va: number, shift: number): number {
  const lo = va >>> 0;
  if (shift < 30) return (lo >>> shift) & 511;
  const hi = vaHigh(va);
  if (shift === 30) return ((lo >>> 30) | (hi << 2)) & 511;
  return (hi >>> (shift - 32)) & 511;
}

/** The decoded form of an entry whose bit fields a format has described. */
export function describeEntry(
  format: PageTableFormat,
  lo: number,
  hi: number,
  level: number,
  fields: EntryField[],
): DecodedEntry {
  const present = format.isPresent(lo, hi);
  const leaf = present && format.isLeaf(lo, hi, level);
  return {
    format: format.name,
    level,
    kind: !present ? 'empty' : leaf ? 'page' : 'table',
    address: present ? format.addressOf(lo, hi, level) : 0,
    pageSize: leaf ? format.pageSizes[level] : 0,
    flags: leaf ? format.flagsOf(lo, hi, level) : 0,
    reserved: present && format.hasReservedBits(lo, hi, level),
    fields,
  };
}
