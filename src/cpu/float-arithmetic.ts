/**
 * The rounded F / D operations: add, subtract, multiply, divide, square root, fused
 * multiply-add and the conversions between the formats. Round-to-nearest-even on normal results
 * uses the host's IEEE arithmetic, with the inexact flag found by an error-free transformation
 * (the exact error of a sum or product is itself a double); everything else (other rounding
 * modes, NaN, infinite, subnormal or overflowing results, fused multiply-add) goes through the
 * exact BigInt arithmetic of softfloat.ts.
 */

import { FloatOp } from './float-decoder.js';
import type { FloatRegisters } from './float-registers.js';
import type { Hart } from './hart.js';
import * as soft from './softfloat.js';

const MIN_NORMAL_32 = 2 ** -126;
/** Above these a Dekker split may overflow, below them a product's error may not be a double. */
const SPLIT_LIMIT = 2 ** 995;
const ERROR_FLOOR = 2 ** -969;
const SPLITTER = 134217729; // 2^27 + 1
const INEXACT = soft.Flag.Inexact;

/** The exact error of the double product p = fl(a * b): a * b - p (Dekker's two-product). */
function productError(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const aHigh = t - (t - a);
  const aLow = a - aHigh;
  t = SPLITTER * b;
  const bHigh = t - (t - b);
  const bLow = b - bHigh;
  return aHigh * bHigh - p + aHigh * bLow + aLow * bHigh + aLow * bLow;
}

function doubleBits(f: FloatRegisters, i: number): bigint {
  return (BigInt(f.bits[2 * i + 1] >>> 0) << 32n) | BigInt(f.bits[2 * i] >>> 0);
}

export function readBits(f: FloatRegisters, i: number, double: boolean): bigint {
  return double ? doubleBits(f, i) : BigInt(f.singleBits(i) >>> 0);
}

export function writeBits(f: FloatRegisters, i: number, double: boolean, value: bigint): void {
  if (double) f.setDoubleBits(i, Number(value & 0xffffffffn) | 0, Number(value >> 32n) | 0);
  else f.setSingleBits(i, Number(value) | 0);
}

/** A register's value as a number (a single widened exactly; an unboxed single reads as NaN). */
export function readNumber(f: FloatRegisters, i: number, double: boolean): number {
  if (double) return f.double[i];
  return f.bits[2 * i + 1] === -1 ? f.single[2 * i] : Number.NaN;
}

/**
 * The host's result when it is correctly rounded to nearest-even and normal (or an exact zero):
 * returns the value with the inexact flag in `hostInexact`, or NaN when softfloat must decide.
 */
let hostInexact = false;

function hostDouble(op: number, a: number, b: number): number {
  let r: number;
  let error: number;
  switch (op) {
    case FloatOp.Add:
    case FloatOp.Sub: {
      const y = op === FloatOp.Add ? b : -b;
      r = a + y;
      if (!Number.isFinite(r)) return Number.NaN; // NaN operands, infinities, overflow
      const virtual = r - a;
      error = a - (r - virtual) + (y - virtual); // Knuth's two-sum: sums of doubles below 2^-1022 are exact
      break;
    }
    case FloatOp.Mul:
      r = a * b;
      if (r === 0) {
        if (a === 0 || b === 0) error = 0;
        else return Number.NaN; // underflow to zero
      } else {
        const size = Math.abs(r);
        if (!(size >= ERROR_FLOOR && size < Number.POSITIVE_INFINITY)) return Number.NaN;
        if (!(Math.abs(a) < SPLIT_LIMIT && Math.abs(b) < SPLIT_LIMIT)) return Number.NaN;
        error = productError(a, b, r);
      }
      break;
    case FloatOp.Div: {
      r = a / b;
      if (!(Number.isFinite(r) && b !== 0 && Number.isFinite(b))) return Number.NaN;
      if (r === 0) {
        if (a === 0) error = 0;
        else return Number.NaN;
      } else {
        const size = Math.abs(r);
        // r * b is about a: both it and r must be large enough for the product's error to be a double.
        if (
          !(
            size >= ERROR_FLOOR &&
            size < SPLIT_LIMIT &&
            Math.abs(b) < SPLIT_LIMIT &&
            Math.abs(a) >= ERROR_FLOOR
          )
        )
          return Number.NaN;
        const product = r * b;
        error = a - product - productError(r, b, product); // the remainder a - r * b, exact
      }
      break;
    }
    default: {
      // Square root of a positive number large enough for the square's error to be a double, or of a zero.
      if (!(a >= ERROR_FLOOR && a < Number.POSITIVE_INFINITY)) {
        if (a === 0) {
          hostInexact = false;
          return a;
        }
        return Number.NaN;
      }
      r = Math.sqrt(a);
      const square = r * r;
      error = a - square - productError(r, r, square);
    }
  }
  hostInexact = error !== 0;
  return r;
}

function hostSingle(op: number, a: number, b: number): number {
  // Computed in double then rounded once more to single: correct for +, -, *, / and sqrt
  // (53 >= 2 * 24 + 2), so only exactness needs care.
  let wide: number;
  let wideInexact = false;
  switch (op) {
    case FloatOp.Add:
    case FloatOp.Sub:
      wide = hostDouble(op, a, b);
      if (Number.isNaN(wide)) return Number.NaN;
      wideInexact = hostInexact;
      break;
    case FloatOp.Mul:
      wide = a * b; // exact: 48 significant bits
      break;
    case FloatOp.Div:
      if (!(b !== 0 && Number.isFinite(b) && Number.isFinite(a))) return Number.NaN;
      wide = a / b;
      break;
    default:
      if (!(a >= 0 && a < Number.POSITIVE_INFINITY)) return Number.NaN;
      wide = Math.sqrt(a);
  }
  const r = Math.fround(wide);
  if (!Number.isFinite(r)) return Number.NaN;
  if (Math.abs(r) < MIN_NORMAL_32 && !(r === 0 && wide === 0 && !wideInexact)) return Number.NaN;
  if (op === FloatOp.Div) hostInexact = r * b !== a;
  else if (op === FloatOp.Sqrt) hostInexact = r * r !== a;
  else hostInexact = wideInexact || r !== wide;
  return r;
}

/** Add, Sub, Mul, Div, Sqrt in `rm` (already resolved, 0..4): f[rd] and the flags. */
export function arithmetic(
  hart: Hart,
  op: number,
  double: boolean,
  rd: number,
  rs1: number,
  rs2: number,
  rm: number,
): void {
  const f = hart.f;
  if (rm === soft.Rounding.NearestEven) {
    const a = readNumber(f, rs1, double);
    const b = readNumber(f, rs2, double);
    const r = double ? hostDouble(op, a, b) : hostSingle(op, a, b);
    if (!Number.isNaN(r)) {
      if (double) f.double[rd] = r;
      else {
        f.single[2 * rd] = r;
        f.bits[2 * rd + 1] = -1;
      }
      if (hostInexact) hart.fflags |= INEXACT;
      return;
    }
  }
  const format = double ? soft.BINARY64 : soft.BINARY32;
  const a = soft.unpack(readBits(f, rs1, double), format);
  soft.softFlags.value = 0;
  let result: bigint;
  if (op === FloatOp.Sqrt) result = soft.squareRoot(a, format, rm);
  else {
    const b = soft.unpack(readBits(f, rs2, double), format);
    if (op === FloatOp.Sub) b.sign ^= 1;
    if (op === FloatOp.Mul) result = soft.multiply(a, b, format, rm);
    else if (op === FloatOp.Div) result = soft.divide(a, b, format, rm);
    else result = soft.add(a, b, format, rm);
  }
  writeBits(f, rd, double, result);
  hart.fflags |= soft.softFlags.value;
}

/** fmadd, fmsub, fnmsub, fnmadd: one rounding of (+-)(a * b) (+-) c. */
export function fusedMultiplyAdd(
  hart: Hart,
  op: number,
  double: boolean,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
): void {
  const f = hart.f;
  const format = double ? soft.BINARY64 : soft.BINARY32;
  const a = soft.unpack(readBits(f, rs1, double), format);
  const b = soft.unpack(readBits(f, rs2, double), format);
  const c = soft.unpack(readBits(f, rs3, double), format);
  if (op === FloatOp.NegMulSub || op === FloatOp.NegMulAdd) a.sign ^= 1;
  if (op === FloatOp.MulSub || op === FloatOp.NegMulAdd) c.sign ^= 1;
  soft.softFlags.value = 0;
  writeBits(f, rd, double, soft.fusedMultiplyAdd(a, b, c, format, rm));
  hart.fflags |= soft.softFlags.value;
}

/** fcvt.s.d (`toDouble` false) and fcvt.d.s. */
export function convertFormat(hart: Hart, toDouble: boolean, rd: number, rs1: number, rm: number): void {
  const f = hart.f;
  const value = readNumber(f, rs1, !toDouble);
  if (toDouble && !Number.isNaN(value)) {
    f.double[rd] = value; // widening is exact
    return;
  }
  if (!toDouble && rm === soft.Rounding.NearestEven && Number.isFinite(value)) {
    const r = Math.fround(value);
    if (Number.isFinite(r) && (Math.abs(r) >= MIN_NORMAL_32 || value === 0)) {
      f.single[2 * rd] = r;
      f.bits[2 * rd + 1] = -1;
      if (r !== value) hart.fflags |= INEXACT;
      return;
    }
  }
  const from = toDouble ? soft.BINARY32 : soft.BINARY64;
  soft.softFlags.value = 0;
  const result = soft.convert(
    soft.unpack(readBits(f, rs1, !toDouble), from),
    toDouble ? soft.BINARY64 : soft.BINARY32,
    rm,
  );
  writeBits(f, rd, toDouble, result);
  hart.fflags |= soft.softFlags.value;
}
