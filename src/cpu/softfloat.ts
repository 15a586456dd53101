/**
 * Exact IEEE-754 binary32 / binary64 arithmetic in BigInt, for every rounding mode: each
 * operation forms the exact result (or enough bits of it plus a sticky bit) as
 * sign * mantissa * 2^exponent and rounds it once. Slow, rare and correct: the float unit uses it
 * for directed rounding modes, subnormal and overflowing results, and fused multiply-add, and
 * uses the host's round-to-nearest arithmetic otherwise. Flags accrue in `softFlags`.
 * Tininess is detected after rounding, as RISC-V specifies.
 */

export interface FloatFormat {
  /** Significand bits, the hidden one included. */
  precision: number;
  minExponent: number;
  maxExponent: number;
  exponentBits: number;
}

export const BINARY32: FloatFormat = { precision: 24, minExponent: -126, maxExponent: 127, exponentBits: 8 };
export const BINARY64: FloatFormat = {
  precision: 53,
  minExponent: -1022,
  maxExponent: 1023,
  exponentBits: 11,
};

export const Flag = { Inexact: 1, Underflow: 2, Overflow: 4, DivideByZero: 8, Invalid: 16 } as const;
export const Rounding = { NearestEven: 0, TowardZero: 1, Down: 2, Up: 3, NearestMax: 4 } as const;

/** Flags raised since the caller last cleared it. */
export const softFlags = { value: 0 };

export const Kind = { Zero: 0, Finite: 1, Infinity: 2, QuietNaN: 3, SignalingNaN: 4 } as const;

/** An operand taken apart: value = (-1)^sign * mantissa * 2^exponent when finite. */
export interface Unpacked {
  kind: number;
  sign: number;
  mantissa: bigint;
  exponent: number;
}

export function canonicalNaN(format: FloatFormat): bigint {
  const fraction = BigInt(format.precision - 1);
  return (((1n << BigInt(format.exponentBits)) - 1n) << fraction) | (1n << (fraction - 1n));
}

export function unpack(bits: bigint, format: FloatFormat): Unpacked {
  const fractionBits = BigInt(format.precision - 1);
  const width = fractionBits + BigInt(format.exponentBits);
  const sign = Number((bits >> width) & 1n);
  const biased = Number((bits >> fractionBits) & ((1n << BigInt(format.exponentBits)) - 1n));
  const fraction = bits & ((1n << fractionBits) - 1n);
  const bias = format.maxExponent;
  if (biased === 2 * bias + 1) {
    if (fraction === 0n) return { kind: Kind.Infinity, sign, mantissa: 0n, exponent: 0 };
    const quiet = (fraction >> (fractionBits - 1n)) & 1n;
    return { kind: quiet ? Kind.QuietNaN : Kind.SignalingNaN, sign, mantissa: 0n, exponent: 0 };
  }
  if (biased === 0) {
    if (fraction === 0n) return { kind: Kind.Zero, sign, mantissa: 0n, exponent: 0 };
    return {
      kind: Kind.Finite,
      sign,
      mantissa: fraction,
      exponent: format.minExponent - (format.precision - 1),
    };
  }
  return {
    kind: Kind.Finite,
    sign,
    mantissa: fraction | (1n << fractionBits),
    exponent: biased - bias - (format.precision - 1),
  };
}

function pack(sign: number, biased: number, fraction: bigint, format: FloatFormat): bigint {
  const fractionBits = BigInt(format.precision - 1);
  return (
    (BigInt(sign) << (fractionBits + BigInt(format.exponentBits))) |
    (BigInt(biased) << fractionBits) |
    fraction
  );
}

export function infinity(sign: number, format: FloatFormat): bigint {
  return pack(sign, 2 * format.maxExponent + 1, 0n, format);
}

export function zero(sign: number, format: FloatFormat): bigint {
  return pack(sign, 0, 0n, format);
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

/** Rounds `mantissa` >> `shift` by `mode`; returns the rounded integer and whether bits were lost. */
function roundShift(mantissa: bigint, shift: number, sign: number, mode: number): [bigint, boolean] {
  if (shift <= 0) return [mantissa << BigInt(-shift), false];
  const big = BigInt(shift);
  let kept = mantissa >> big;
  const rest = mantissa & ((1n << big) - 1n);
  if (rest === 0n) return [kept, false];
  const half = 1n << (big - 1n);
  let up = false;
  if (mode === Rounding.NearestEven) up = rest > half || (rest === half && (kept & 1n) === 1n);
  else if (mode === Rounding.NearestMax) up = rest >= half;
  else if (mode === Rounding.Down) up = sign === 1;
  else if (mode === Rounding.Up) up = sign === 0;
  if (up) kept += 1n;
  return [kept, true];
}

/** Rounds sign * mantissa * 2^exponent (mantissa > 0) to `format` by `mode`, raising flags. */
export function roundPack(
  sign: number,
  mantissa: bigint,
  exponent: number,
  format: FloatFormat,
  mode: number,
): bigint {
  const p = format.precision;
  const length = bitLength(mantissa);
  const unboundedExponent = exponent + length - 1;
  // The exponent of the result's last kept bit: p bits below the leading one, but never below
  // the subnormal quantum.
  const quantum = format.minExponent - p + 1;
  const shift = Math.max(length - p, quantum - exponent);
  let [kept, inexact] = roundShift(mantissa, shift, sign, mode);
  let keptExponent = exponent + shift;
  if (bitLength(kept) > p) {
    kept >>= 1n;
    keptExponent += 1;
  }
  if (inexact) {
    // Tininess after rounding: the result rounded to p bits with an unbounded exponent is below 2^minExponent.
    let tiny = unboundedExponent < format.minExponent;
    if (tiny && unboundedExponent === format.minExponent - 1) {
      const [wide] = roundShift(mantissa, length - p, sign, mode);
      tiny = bitLength(wide) <= p;
    }
    softFlags.value |= Flag.Inexact | (tiny ? Flag.Underflow : 0);
  }
  if (kept === 0n) return zero(sign, format);
  const top = keptExponent + bitLength(kept) - 1;
  if (top > format.maxExponent) {
    softFlags.value |= Flag.Overflow | Flag.Inexact;
    const toInfinity =
      mode === Rounding.NearestEven ||
      mode === Rounding.NearestMax ||
      (mode === Rounding.Down && sign === 1) ||
      (mode === Rounding.Up && sign === 0);
    if (toInfinity) return infinity(sign, format);
    return pack(sign, 2 * format.maxExponent, (1n << BigInt(p - 1)) - 1n, format);
  }
  if (bitLength(kept) < p) return pack(sign, 0, kept, format); // subnormal
  return pack(sign, top + format.maxExponent, kept & ((1n << BigInt(p - 1)) - 1n), format);
}

/** The result of an operation with a NaN operand or an invalid combination: the canonical NaN. */
function invalid(format: FloatFormat): bigint {
  softFlags.value |= Flag.Invalid;
  return canonicalNaN(format);
}

function nanResult(a: Unpacked, b: Unpacked, format: FloatFormat, c?: Unpacked): bigint | null {
  const signaling =
    a.kind === Kind.SignalingNaN || b.kind === Kind.SignalingNaN || c?.kind === Kind.SignalingNaN;
  if (signaling) softFlags.value |= Flag.Invalid;
  if (signaling || a.kind >= Kind.QuietNaN || b.kind >= Kind.QuietNaN || (c && c.kind >= Kind.QuietNaN)) {
    return canonicalNaN(format);
  }
  return null;
}

/** The exact sum of two finite-or-zero values, rounded; an exact zero takes the mode's sign. */
function addExact(a: Unpacked, b: Unpacked, format: FloatFormat, mode: number): bigint {
  if (a.kind === Kind.Zero && b.kind === Kind.Zero) {
    return zero(a.sign === b.sign ? a.sign : mode === Rounding.Down ? 1 : 0, format);
  }
  if (a.kind === Kind.Zero) return roundPack(b.sign, b.mantissa, b.exponent, format, mode);
  if (b.kind === Kind.Zero) return roundPack(a.sign, a.mantissa, a.exponent, format, mode);
  const exponent = Math.min(a.exponent, b.exponent);
  const x = (a.sign ? -a.mantissa : a.mantissa) << BigInt(a.exponent - exponent);
  const y = (b.sign ? -b.mantissa : b.mantissa) << BigInt(b.exponent - exponent);
  const sum = x + y;
  if (sum === 0n) return zero(mode === Rounding.Down ? 1 : 0, format);
  return roundPack(sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, exponent, format, mode);
}

export function add(a: Unpacked, b: Unpacked, format: FloatFormat, mode: number): bigint {
  const nan = nanResult(a, b, format);
  if (nan !== null) return nan;
  if (a.kind === Kind.Infinity || b.kind === Kind.Infinity) {
    if (a.kind === Kind.Infinity && b.kind === Kind.Infinity && a.sign !== b.sign) return invalid(format);
    return infinity(a.kind === Kind.Infinity ? a.sign : b.sign, format);
  }
  return addExact(a, b, format, mode);
}

export function multiply(a: Unpacked, b: Unpacked, format: FloatFormat, mode: number): bigint {
  const nan = nanResult(a, b, format);
  if (nan !== null) return nan;
  const sign = a.sign ^ b.sign;
  if (a.kind === Kind.Infinity || b.kind === Kind.Infinity) {
    if (a.kind === Kind.Zero || b.kind === Kind.Zero) return invalid(format);
    return infinity(sign, format);
  }
  if (a.kind === Kind.Zero || b.kind === Kind.Zero) return zero(sign, format);
  return roundPack(sign, a.mantissa * b.mantissa, a.exponent + b.exponent, format, mode);
}

export function divide(a: Unpacked, b: Unpacked, format: FloatFormat, mode: number): bigint {
  const nan = nanResult(a, b, format);
  if (nan !== null) return nan;
  const sign = a.sign ^ b.sign;
  if (a.kind === Kind.Infinity) return b.kind === Kind.Infinity ? invalid(format) : infinity(sign, format);
  if (b.kind === Kind.Infinity) return zero(sign, format);
  if (b.kind === Kind.Zero) {
    if (a.kind === Kind.Zero) return invalid(format);
    softFlags.value |= Flag.DivideByZero;
    return infinity(sign, format);
  }
  if (a.kind === Kind.Zero) return zero(sign, format);
  // Enough quotient bits for any rounding, then a sticky bit for the remainder.
  const scale = format.precision + 3 + bitLength(b.mantissa) - bitLength(a.mantissa);
  const numerator = a.mantissa << BigInt(Math.max(scale, 0));
  const quotient = numerator / b.mantissa;
  const sticky = numerator % b.mantissa === 0n ? 0n : 1n;
  return roundPack(
    sign,
    (quotient << 1n) | sticky,
    a.exponent - b.exponent - Math.max(scale, 0) - 1,
    format,
    mode,
  );
}

function integerSquareRoot(value: bigint): bigint {
  if (value < 2n) return value;
  let x = 1n << BigInt(Math.ceil(bitLength(value) / 2));
  for (;;) {
    const next = (x + value / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

export function squareRoot(a: Unpacked, format: FloatFormat, mode: number): bigint {
  if (a.kind === Kind.SignalingNaN) return invalid(format);
  if (a.kind === Kind.QuietNaN) return canonicalNaN(format);
  if (a.kind === Kind.Zero) return zero(a.sign, format);
  if (a.sign === 1) return invalid(format);
  if (a.kind === Kind.Infinity) return infinity(0, format);
  // An even exponent and at least 2 (p + 3) mantissa bits, so the root has p + 3.
  let shift = Math.max(0, 2 * (format.precision + 3) - bitLength(a.mantissa));
  if (((a.exponent - shift) & 1) !== 0) shift += 1;
  const mantissa = a.mantissa << BigInt(shift);
  const exponent = a.exponent - shift;
  const root = integerSquareRoot(mantissa);
  const sticky = root * root === mantissa ? 0n : 1n;
  return roundPack(0, (root << 1n) | sticky, exponent / 2 - 1, format, mode);
}

/** a * b + c with one rounding (the caller flips operand signs for the negated forms). */
export function fusedMultiplyAdd(
  a: Unpacked,
  b: Unpacked,
  c: Unpacked,
  format: FloatFormat,
  mode: number,
): bigint {
  // 0 * infinity is invalid even when c is a quiet NaN.
  const productInvalid =
    (a.kind === Kind.Infinity && b.kind === Kind.Zero) || (a.kind === Kind.Zero && b.kind === Kind.Infinity);
  const nan = nanResult(a, b, format, c);
  if (productInvalid) return invalid(format);
  if (nan !== null) return nan;
  const sign = a.sign ^ b.sign;
  if (a.kind === Kind.Infinity || b.kind === Kind.Infinity) {
    if (c.kind === Kind.Infinity && c.sign !== sign) return invalid(format);
    return infinity(sign, format);
  }
  if (c.kind === Kind.Infinity) return infinity(c.sign, format);
  const productZero = a.kind === Kind.Zero || b.kind === Kind.Zero;
  const product: Unpacked = productZero
    ? { kind: Kind.Zero, sign, mantissa: 0n, exponent: 0 }
    : { kind: Kind.Finite, sign, mantissa: a.mantissa * b.mantissa, exponent: a.exponent + b.exponent };
  return addExact(product, c, format, mode);
}

/** Rounds an integer to `format`. */
export function fromInteger(value: bigint, format: FloatFormat, mode: number): bigint {
  if (value === 0n) return zero(0, format);
  return roundPack(value < 0n ? 1 : 0, value < 0n ? -value : value, 0, format, mode);
}

/** Converts between the formats (exact when widening); a NaN becomes the canonical NaN. */
export function convert(a: Unpacked, to: FloatFormat, mode: number): bigint {
  if (a.kind === Kind.SignalingNaN) return invalid(to);
  if (a.kind === Kind.QuietNaN) return canonicalNaN(to);
  if (a.kind === Kind.Infinity) return infinity(a.sign, to);
  if (a.kind === Kind.Zero) return zero(a.sign, to);
  return roundPack(a.sign, a.mantissa, a.exponent, to, mode);
}
