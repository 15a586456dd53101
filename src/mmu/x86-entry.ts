/**
 * The low entry bits i386 and x86-64 paging share (Intel SDM vol. 3, tables 4-5 to 4-20): both
 * formats keep P, R/W, U/S, PWT, PCD, A, D, PS and G at the same positions and leave bits 11:9
 * to software, so the encoding of the neutral flags into those bits lives here once.
 */
import { flag } from './entry-fields.js';
import { PageFlags } from './flags.js';
import type { EntryField } from './page-table-format.js';

export const P = 1 << 0;
export const RW = 1 << 1;
export const US = 1 << 2;
export const A = 1 << 5;
export const D = 1 << 6;
export const PS = 1 << 7;
export const G = 1 << 8;
/** XD (bit 63, x86-64 with EFER.NXE) as a bit of the entry's high word. */
export const XD_HIGH = 0x80000000;

/** R/W, U/S, A, D, G and the software bits of a leaf's low word, from the neutral flags. */
export function encodeX86LeafBits(flags: number): number {
  let lo = P;
  if (flags & PageFlags.Write) lo |= RW;
  if (flags & PageFlags.User) lo |= US;
  if (flags & PageFlags.Accessed) lo |= A;
  if (flags & PageFlags.Dirty) lo |= D;
  if (flags & PageFlags.Global) lo |= G;
  return lo | (softBits(flags) << 9);
}

/** The neutral flags a leaf's low word grants besides read (and execute, which differs by format). */
export function decodeX86LeafBits(lo: number): number {
  let flags = 0;
  if (lo & RW) flags |= PageFlags.Write;
  if (lo & US) flags |= PageFlags.User;
  if (lo & A) flags |= PageFlags.Accessed;
  if (lo & D) flags |= PageFlags.Dirty;
  if (lo & G) flags |= PageFlags.Global;
  return flags | fromSoftBits(lo >>> 9);
}

/** The bit-by-bit description of bits 5:0, the same at every level of both formats. */
export function x86CommonFields(lo: number, hi: number): EntryField[] {
  return [
    flag(lo, hi, 'P', 0, 'present', 'not present'),
    flag(lo, hi, 'R/W', 1, 'writable', 'read-only'),
    flag(lo, hi, 'U/S', 2, 'user', 'supervisor'),
    flag(lo, hi, 'PWT', 3, 'write-through', 'write-back'),
    flag(lo, hi, 'PCD', 4, 'cache disabled', 'cacheable'),
    flag(lo, hi, 'A', 5, 'accessed', 'not accessed'),
  ];
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
