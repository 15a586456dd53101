/**
 * The F and D extensions for one hart: loads and stores, and the dispatch of the packed float
 * operations (float-decoder.ts). Sign injection, min / max, comparisons, classification, moves
 * and the conversions to and from integers are here; the rounded arithmetic is in
 * float-arithmetic.ts. Singles are NaN-boxed in the 64-bit registers.
 */

import {
  arithmetic,
  convertFormat,
  fusedMultiplyAdd,
  readBits,
  readNumber,
  writeBits,
} from './float-arithmetic.js';
import { FloatOp } from './float-decoder.js';
import { CANONICAL_NAN_32, CANONICAL_NAN_64_HIGH } from './float-registers.js';
import type { Hart } from './hart.js';
import { writeNumber } from './integer-unit.js';
import * as soft from './softfloat.js';

const INVALID = soft.Flag.Invalid;
const INEXACT = soft.Flag.Inexact;
const TWO_31 = 2 ** 31;
const TWO_32 = 2 ** 32;
const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;
/** A 64-bit integer whose high word is in [-2^21, 2^21) is below 2^53 in magnitude: a number holds it exactly. */
const SMALL_HIGH = 0x200000;

/** flw / fld into f[rd]: a single is NaN-boxed. */
export function loadFloat(hart: Hart, double: boolean, rd: number, lo: number, hi: number): void {
  const port = hart.port;
  if (double) {
    const low = port.load64(lo, hi);
    hart.f.setDoubleBits(rd, low, port.high);
  } else hart.f.setSingleBits(rd, port.load32(lo, hi));
}

/** fsw / fsd of f[rs2]: fsw stores the low word as it is, boxed or not. */
export function storeFloat(hart: Hart, double: boolean, rs2: number, lo: number, hi: number): void {
  const bits = hart.f.bits;
  if (double) hart.port.store64(lo, hi, bits[2 * rs2], bits[2 * rs2 + 1]);
  else hart.port.store32(lo, hi, bits[2 * rs2]);
}

/** Executes a packed float operation; false when it is illegal (a dynamic rounding mode with frm invalid). */
export function executeFloat(hart: Hart, packed: number, rd: number, rs1: number, rs2: number): boolean {
  const double = (packed & 1) === 1;
  const op = (packed & 0xff) >>> 1;
  let rm = packed >>> 13;
  if (rm === 7) {
    rm = hart.frm;
    if (rm > 4) return false;
  }
  switch (op) {
    case FloatOp.Add:
    case FloatOp.Sub:
    case FloatOp.Mul:
    case FloatOp.Div:
    case FloatOp.Sqrt:
      arithmetic(hart, op, double, rd, rs1, rs2, rm);
      break;
    case FloatOp.MulAdd:
    case FloatOp.MulSub:
    case FloatOp.NegMulSub:
    case FloatOp.NegMulAdd:
      fusedMultiplyAdd(hart, op, double, rd, rs1, rs2, (packed >>> 8) & 31, rm);
      break;
    case FloatOp.Convert:
      convertFormat(hart, double, rd, rs1, rm);
      break;
    case FloatOp.SignInject:
    case FloatOp.SignInjectNot:
    case FloatOp.SignInjectXor:
      signInject(hart, op, double, rd, rs1, rs2);
      break;
    case FloatOp.Min:
    case FloatOp.Max:
      minMax(hart, op === FloatOp.Max, double, rd, rs1, rs2);
      break;
    case FloatOp.Equal:
    case FloatOp.Less:
    case FloatOp.LessOrEqual:
      compare(hart, op, double, rd, rs1, rs2);
      break;
    case FloatOp.Classify:
      writeX(hart, rd, classify(readBits(hart.f, rs1, double), double), 0);
      break;
    case FloatOp.MoveToInteger: {
      const bits = hart.f.bits;
      writeX(hart, rd, bits[2 * rs1], double ? bits[2 * rs1 + 1] : bits[2 * rs1] >> 31);
      break;
    }
    case FloatOp.MoveFromInteger:
      if (double) hart.f.setDoubleBits(rd, hart.xlo[rs1], hart.xhi[rs1]);
      else hart.f.setSingleBits(rd, hart.xlo[rs1]);
      break;
    case FloatOp.ToInt32:
    case FloatOp.ToUint32:
    case FloatOp.ToInt64:
    case FloatOp.ToUint64:
      toInteger(hart, op, double, rd, rs1, rm);
      break;
    default:
      fromInteger(hart, op, double, rd, rs1, rm);
  }
  return true;
}

function writeX(hart: Hart, rd: number, lo: number, hi: number): void {
  if (rd === 0) return;
  hart.xlo[rd] = lo;
  hart.xhi[rd] = hi;
}

function signInject(hart: Hart, op: number, double: boolean, rd: number, rs1: number, rs2: number): void {
  const f = hart.f;
  const a = double ? f.bits[2 * rs1 + 1] : f.singleBits(rs1);
  const b = double ? f.bits[2 * rs2 + 1] : f.singleBits(rs2);
  let sign = b & 0x80000000;
  if (op === FloatOp.SignInjectNot) sign ^= 0x80000000;
  else if (op === FloatOp.SignInjectXor) sign ^= a & 0x80000000;
  const word = (a & 0x7fffffff) | sign;
  if (double) f.setDoubleBits(rd, f.bits[2 * rs1], word);
  else f.setSingleBits(rd, word);
}

function isSignaling(bits: bigint, double: boolean): boolean {
  const u = soft.unpack(bits, double ? soft.BINARY64 : soft.BINARY32);
  return u.kind === soft.Kind.SignalingNaN;
}

function minMax(hart: Hart, max: boolean, double: boolean, rd: number, rs1: number, rs2: number): void {
  const f = hart.f;
  const a = readNumber(f, rs1, double);
  const b = readNumber(f, rs2, double);
  const aBits = readBits(f, rs1, double);
  const bBits = readBits(f, rs2, double);
  if (isSignaling(aBits, double) || isSignaling(bBits, double)) hart.fflags |= INVALID;
  let pick: bigint;
  if (Number.isNaN(a) && Number.isNaN(b)) {
    pick = double ? BigInt(CANONICAL_NAN_64_HIGH) << 32n : BigInt(CANONICAL_NAN_32);
  } else if (Number.isNaN(a)) pick = bBits;
  else if (Number.isNaN(b)) pick = aBits;
  else if (a === b) {
    // -0 is below +0: min takes the negative one, max the positive.
    const aNegative = Object.is(a, -0) || a < 0;
    pick = aNegative === max ? bBits : aBits;
  } else pick = a < b !== max ? aBits : bBits;
  writeBits(f, rd, double, pick);
}

function compare(hart: Hart, op: number, double: boolean, rd: number, rs1: number, rs2: number): void {
  const f = hart.f;
  const a = readNumber(f, rs1, double);
  const b = readNumber(f, rs2, double);
  if (Number.isNaN(a) || Number.isNaN(b)) {
    // feq is quiet (invalid only for a signaling NaN); flt and fle signal on any NaN.
    const signaling =
      isSignaling(readBits(f, rs1, double), double) || isSignaling(readBits(f, rs2, double), double);
    if (op !== FloatOp.Equal || signaling) hart.fflags |= INVALID;
    writeX(hart, rd, 0, 0);
    return;
  }
  const result = op === FloatOp.Equal ? a === b : op === FloatOp.Less ? a < b : a <= b;
  writeX(hart, rd, result ? 1 : 0, 0);
}

/** The fclass mask: bit 0 -inf ... bit 9 quiet NaN. */
function classify(bits: bigint, double: boolean): number {
  const format = double ? soft.BINARY64 : soft.BINARY32;
  const u = soft.unpack(bits, format);
  const negative = u.sign === 1;
  switch (u.kind) {
    case soft.Kind.Infinity:
      return negative ? 1 << 0 : 1 << 7;
    case soft.Kind.Zero:
      return negative ? 1 << 3 : 1 << 4;
    case soft.Kind.SignalingNaN:
      return 1 << 8;
    case soft.Kind.QuietNaN:
      return 1 << 9;
    default: {
      const subnormal = u.mantissa < 1n << BigInt(format.precision - 1);
      if (negative) return subnormal ? 1 << 2 : 1 << 1;
      return subnormal ? 1 << 5 : 1 << 6;
    }
  }
}

/** Rounds a finite number to an integral value by a RISC-V rounding mode (exact arithmetic). */
function roundIntegral(x: number, mode: number): number {
  const t = Math.trunc(x);
  if (t === x) return x;
  const distance = Math.abs(x - t);
  const away = t + Math.sign(x);
  switch (mode) {
    case soft.Rounding.TowardZero:
      return t;
    case soft.Rounding.Down:
      return Math.floor(x);
    case soft.Rounding.Up:
      return Math.ceil(x);
    case soft.Rounding.NearestMax:
      return distance >= 0.5 ? away : t;
    default:
      if (distance !== 0.5) return distance > 0.5 ? away : t;
      return t % 2 === 0 ? t : away;
  }
}

/** fcvt.w / wu / l / lu: rounded, saturated on overflow and NaN with the invalid flag. */
function toInteger(hart: Hart, op: number, double: boolean, rd: number, rs1: number, rm: number): void {
  const x = readNumber(hart.f, rs1, double);
  const signed = op === FloatOp.ToInt32 || op === FloatOp.ToInt64;
  const wide = op === FloatOp.ToInt64 || op === FloatOp.ToUint64;
  const min = signed ? (wide ? -TWO_63 : -TWO_31) : 0;
  const limit = signed ? (wide ? TWO_63 : TWO_31) : wide ? TWO_64 : TWO_32; // first value out of range
  const r = Number.isNaN(x) ? Number.NaN : roundIntegral(x, rm);
  if (Number.isNaN(r) || r >= limit || r < min) {
    hart.fflags |= INVALID;
    const high = Number.isNaN(r) || r >= limit;
    if (!wide) {
      const word = high ? (signed ? 0x7fffffff : -1) : signed ? -0x80000000 : 0;
      writeX(hart, rd, word, word >> 31);
    } else if (high) writeX(hart, rd, -1, signed ? 0x7fffffff : -1);
    else writeX(hart, rd, 0, signed ? -0x80000000 : 0);
    return;
  }
  if (r !== x) hart.fflags |= INEXACT;
  if (!wide) {
    const word = r | 0;
    writeX(hart, rd, word, word >> 31);
  } else if (rd !== 0) writeNumber(hart.xlo, hart.xhi, rd, r === 0 ? 0 : r);
}

/** fcvt.s / d from w, wu, l, lu. */
function fromInteger(hart: Hart, op: number, double: boolean, rd: number, rs1: number, rm: number): void {
  const lo = hart.xlo[rs1];
  const hi = hart.xhi[rs1];
  let exact: number;
  let big: bigint | null = null;
  if (op === FloatOp.FromInt32) exact = lo;
  else if (op === FloatOp.FromUint32) exact = lo >>> 0;
  else if (op === FloatOp.FromInt64 && hi >= -SMALL_HIGH && hi < SMALL_HIGH) exact = hi * TWO_32 + (lo >>> 0);
  else if (op === FloatOp.FromUint64 && hi >>> 0 < SMALL_HIGH) exact = (hi >>> 0) * TWO_32 + (lo >>> 0);
  else {
    big =
      op === FloatOp.FromInt64
        ? (BigInt(hi) << 32n) | BigInt(lo >>> 0)
        : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    exact = Number.NaN;
  }
  const f = hart.f;
  if (big === null) {
    if (double) {
      f.double[rd] = exact; // below 2^53: exact in a double
      return;
    }
    const r = Math.fround(exact);
    if (r === exact || rm === soft.Rounding.NearestEven) {
      f.single[2 * rd] = r;
      f.bits[2 * rd + 1] = -1;
      if (r !== exact) hart.fflags |= INEXACT;
      return;
    }
    big = BigInt(exact);
  }
  soft.softFlags.value = 0;
  writeBits(f, rd, double, soft.fromInteger(big, double ? soft.BINARY64 : soft.BINARY32, rm));
  hart.fflags |= soft.softFlags.value;
}
