/**
 * 64-bit integer arithmetic on register pairs (low and high int32 words), for the interpreter:
 * shifts, the 64-bit multiply, and the M extension's high multiplies and divisions. Results go
 * to a register through the two arrays. The common cases are int32 arithmetic; MULH* and the
 * 64-bit divisions of operands wider than 2^53 use BigInt (rare in real programs).
 */

import { Op } from './opcodes.js';

const TWO_32 = 4294967296;

/** Writes a 64-bit value given as an exact integer number (|value| < 2^53). */
export function writeNumber(lo: Int32Array, hi: Int32Array, rd: number, value: number): void {
  let low = value % TWO_32;
  if (low < 0) low += TWO_32;
  lo[rd] = low | 0;
  hi[rd] = ((value - low) / TWO_32) | 0;
}

function writeBig(lo: Int32Array, hi: Int32Array, rd: number, value: bigint): void {
  const v = BigInt.asUintN(64, value);
  lo[rd] = Number(v & 0xffffffffn) | 0;
  hi[rd] = Number(v >> 32n) | 0;
}

function signedBig(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

function unsignedBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function shiftLeft(
  lo: Int32Array,
  hi: Int32Array,
  rd: number,
  aLo: number,
  aHi: number,
  s: number,
): void {
  if (s === 0) {
    lo[rd] = aLo;
    hi[rd] = aHi;
  } else if (s < 32) {
    hi[rd] = (aHi << s) | (aLo >>> (32 - s));
    lo[rd] = aLo << s;
  } else {
    hi[rd] = aLo << (s - 32);
    lo[rd] = 0;
  }
}

export function shiftRight(
  lo: Int32Array,
  hi: Int32Array,
  rd: number,
  aLo: number,
  aHi: number,
  s: number,
): void {
  if (s === 0) {
    lo[rd] = aLo;
    hi[rd] = aHi;
  } else if (s < 32) {
    lo[rd] = (aLo >>> s) | (aHi << (32 - s));
    hi[rd] = aHi >>> s;
  } else {
    lo[rd] = aHi >>> (s - 32);
    hi[rd] = 0;
  }
}

export function shiftRightArithmetic(
  lo: Int32Array,
  hi: Int32Array,
  rd: number,
  aLo: number,
  aHi: number,
  s: number,
): void {
  if (s === 0) {
    lo[rd] = aLo;
    hi[rd] = aHi;
  } else if (s < 32) {
    lo[rd] = (aLo >>> s) | (aHi << (32 - s));
    hi[rd] = aHi >> s;
  } else {
    lo[rd] = aHi >> (s - 32);
    hi[rd] = aHi >> 31;
  }
}

/** The low 64 bits of the product: a.lo * b.lo in full, plus the cross terms shifted up 32. */
export function multiply(
  lo: Int32Array,
  hi: Int32Array,
  rd: number,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
): void {
  const a = aLo >>> 0;
  const b = bLo >>> 0;
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const lh = aL * bH;
  const hl = aH * bL;
  const mid = ((aL * bL) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const carry = aH * bH + (lh >>> 16) + (hl >>> 16) + (mid >>> 16);
  hi[rd] = (carry + Math.imul(aLo, bHi) + Math.imul(aHi, bLo)) | 0;
  lo[rd] = Math.imul(aLo, bLo);
}

/** MULH (both signed), MULHSU (a signed, b unsigned), MULHU: the high 64 bits of the 128-bit product. */
export function multiplyHigh(
  lo: Int32Array,
  hi: Int32Array,
  rd: number,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  aSigned: boolean,
  bSigned: boolean,
): void {
  const a = aSigned ? signedBig(aLo, aHi) : unsignedBig(aLo, aHi);
  const b = bSigned ? signedBig(bLo, bHi) : unsignedBig(bLo, bHi);
  writeBig(lo, hi, rd, (a * b) >> 64n);
}

/** Whether a pair holds a value that a number represents exactly with room for a quotient. */
const smallSigned = (aLo: number, aHi: number): boolean => aHi === aLo >> 31;

/** DIV and REM (signed, 64-bit): x / 0 = -1, x % 0 = x, and -2^63 / -1 overflows to -2^63 (% to 0). */
export function divideSigned(
  lo: Int32Array,
  hi: Int32Array,
  rd: number,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  remainder: boolean,
): void {
  if (bLo === 0 && bHi === 0) {
    lo[rd] = remainder ? aLo : -1;
    hi[rd] = remainder ? aHi : -1;
  } else if (smallSigned(aLo, aHi) && smallSigned(bLo, bHi)) {
    writeNumber(lo, hi, rd, remainder ? aLo % bLo : Math.trunc(aLo / bLo));
  } else {
    const a = signedBig(aLo, aHi);
    const b = signedBig(bLo, bHi);
    if (b === -1n && a === -(1n << 63n)) writeBig(lo, hi, rd, remainder ? 0n : a);
    else writeBig(lo, hi, rd, remainder ? a % b : a / b);
  }
}

/** DIVU and REMU (64-bit): x / 0 = 2^64 - 1, x % 0 = x. */
export function divideUnsigned(
  lo: Int32Array,
  hi: Int32Array,
  rd: number,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  remainder: boolean,
): void {
  if (bLo === 0 && bHi === 0) {
    lo[rd] = remainder ? aLo : -1;
    hi[rd] = remainder ? aHi : -1;
  } else if (aHi === 0 && bHi === 0) {
    const a = aLo >>> 0;
    const b = bLo >>> 0;
    writeNumber(lo, hi, rd, remainder ? a % b : Math.floor(a / b));
  } else {
    const a = unsignedBig(aLo, aHi);
    const b = unsignedBig(bLo, bHi);
    writeBig(lo, hi, rd, remainder ? a % b : a / b);
  }
}

/** The W divisions: 32-bit operands, the 32-bit result sign-extended. */
export function divideWord(a: number, b: number, signed: boolean, remainder: boolean): number {
  if (b === 0) return remainder ? a : -1;
  if (signed) {
    if (a === -2147483648 && b === -1) return remainder ? 0 : a;
    return remainder ? (a % b) | 0 : (a / b) | 0;
  }
  const ua = a >>> 0;
  const ub = b >>> 0;
  return remainder ? (ua % ub) | 0 : Math.floor(ua / ub) | 0;
}

/**
 * The M extension's rarer operations, out of the run loop's switch (MUL and MULW stay there):
 * the high multiplies and the divisions, 64-bit and word-sized, on registers rs1 and rs2.
 */
export function multiplyDivide(
  op: number,
  xlo: Int32Array,
  xhi: Int32Array,
  rd: number,
  rs1: number,
  rs2: number,
): void {
  const aLo = xlo[rs1];
  const aHi = xhi[rs1];
  const bLo = xlo[rs2];
  const bHi = xhi[rs2];
  switch (op) {
    case Op.Mulh:
      multiplyHigh(xlo, xhi, rd, aLo, aHi, bLo, bHi, true, true);
      break;
    case Op.Mulhsu:
      multiplyHigh(xlo, xhi, rd, aLo, aHi, bLo, bHi, true, false);
      break;
    case Op.Mulhu:
      multiplyHigh(xlo, xhi, rd, aLo, aHi, bLo, bHi, false, false);
      break;
    case Op.Div:
      divideSigned(xlo, xhi, rd, aLo, aHi, bLo, bHi, false);
      break;
    case Op.Divu:
      divideUnsigned(xlo, xhi, rd, aLo, aHi, bLo, bHi, false);
      break;
    case Op.Rem:
      divideSigned(xlo, xhi, rd, aLo, aHi, bLo, bHi, true);
      break;
    case Op.Remu:
      divideUnsigned(xlo, xhi, rd, aLo, aHi, bLo, bHi, true);
      break;
    default: {
      // DIVW, DIVUW, REMW, REMUW: 32-bit operands, the result sign-extended.
      const lo = divideWord(aLo, bLo, op === Op.Divw || op === Op.Remw, op >= Op.Remw);
      xlo[rd] = lo;
      xhi[rd] = lo >> 31;
    }
  }
}
