/**
 * The float unit against the host's IEEE-754 arithmetic (the reference for round-to-nearest-even)
 * on random operands, subnormals, infinities and NaNs included: the exact BigInt path must give
 * the host's bits, the fast path must give the same bits and flags as the exact path, and the
 * directed modes must bracket the exact result one unit apart exactly when it is inexact.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arithmetic } from '../../src/cpu/float-arithmetic.js';
import { FloatOp } from '../../src/cpu/float-decoder.js';
import * as soft from '../../src/cpu/softfloat.js';
import { TestMachine } from './machine.js';

const bitsOf = (x: number): bigint => new BigUint64Array(new Float64Array([x]).buffer)[0];
const doubleOfBits = (bits: bigint): number => new Float64Array(new BigUint64Array([bits]).buffer)[0];
const singleBitsOf = (x: number): bigint => BigInt(new Uint32Array(new Float32Array([x]).buffer)[0]);
const singleValueOf = (bits: bigint): number => new Float32Array(new Uint32Array([Number(bits)]).buffer)[0];

const OPS = [FloatOp.Add, FloatOp.Sub, FloatOp.Mul, FloatOp.Div, FloatOp.Sqrt] as const;
const host = (op: number, a: number, b: number): number =>
  op === FloatOp.Add
    ? a + b
    : op === FloatOp.Sub
      ? a - b
      : op === FloatOp.Mul
        ? a * b
        : op === FloatOp.Div
          ? a / b
          : Math.sqrt(a);

function exact(
  op: number,
  a: bigint,
  b: bigint,
  double: boolean,
  mode: number,
): { bits: bigint; flags: number } {
  const format = double ? soft.BINARY64 : soft.BINARY32;
  const x = soft.unpack(a, format);
  const y = soft.unpack(b, format);
  soft.softFlags.value = 0;
  if (op === FloatOp.Sub) y.sign ^= 1;
  const bits =
    op === FloatOp.Sqrt
      ? soft.squareRoot(x, format, mode)
      : op === FloatOp.Mul
        ? soft.multiply(x, y, format, mode)
        : op === FloatOp.Div
          ? soft.divide(x, y, format, mode)
          : soft.add(x, y, format, mode);
  return { bits, flags: soft.softFlags.value };
}

// Operands that reach the interesting cases: any double, near-overflow and subnormal values,
// and pairs close to each other (cancellation).
const double = fc.oneof(
  fc.double(),
  fc.double({ min: 2 ** -1074, max: 2 ** -1000 }),
  fc.double({ min: 2 ** 1000, max: Number.MAX_VALUE }),
  fc.integer({ min: -1000, max: 1000 }).map((n) => n / 8),
);

describe('float unit', () => {
  it('the exact path rounds to nearest-even as the host does (binary64 and binary32)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OPS), double, double, (op, a, b) => {
        const wide = host(op, a, b);
        if (!Number.isNaN(wide)) expect(exact(op, bitsOf(a), bitsOf(b), true, 0).bits).toBe(bitsOf(wide));
        const x = Math.fround(a);
        const y = Math.fround(b);
        const narrow = Math.fround(host(op, x, y));
        if (!Number.isNaN(narrow)) {
          expect(exact(op, singleBitsOf(x), singleBitsOf(y), false, 0).bits).toBe(singleBitsOf(narrow));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the fast path gives the exact path’s bits and flags', () => {
    const hart = new TestMachine().hart;
    fc.assert(
      fc.property(fc.constantFrom(...OPS), fc.boolean(), double, double, (op, isDouble, a, b) => {
        const x = isDouble ? a : Math.fround(a);
        const y = isDouble ? b : Math.fround(b);
        const bits = (v: number) => (isDouble ? bitsOf(v) : singleBitsOf(v));
        for (const [register, value] of [
          [1, x],
          [2, y],
        ] as const) {
          if (isDouble) hart.f.double[register] = value;
          else hart.f.setSingleBits(register, Number(singleBitsOf(value)) | 0);
        }
        hart.fflags = 0;
        arithmetic(hart, op, isDouble, 3, 1, 2, 0);
        const fast = isDouble
          ? (BigInt(hart.f.bits[7] >>> 0) << 32n) | BigInt(hart.f.bits[6] >>> 0)
          : BigInt(hart.f.bits[6] >>> 0);
        expect({ bits: fast, flags: hart.fflags }).toEqual(exact(op, bits(x), bits(y), isDouble, 0));
      }),
      { numRuns: 3000 },
    );
  });

  it('directed modes bracket the result, one unit apart exactly when inexact', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OPS), fc.boolean(), double, double, (op, isDouble, a, b) => {
        const x = isDouble ? a : Math.fround(a);
        const y = isDouble ? b : Math.fround(b);
        const bits = (v: number) => (isDouble ? bitsOf(v) : singleBitsOf(v));
        const value = (v: bigint) => (isDouble ? doubleOfBits(v) : singleValueOf(v));
        const nearest = exact(op, bits(x), bits(y), isDouble, soft.Rounding.NearestEven);
        if (Number.isNaN(value(nearest.bits))) return;
        const down = value(exact(op, bits(x), bits(y), isDouble, soft.Rounding.Down).bits);
        const up = value(exact(op, bits(x), bits(y), isDouble, soft.Rounding.Up).bits);
        const zero = value(exact(op, bits(x), bits(y), isDouble, soft.Rounding.TowardZero).bits);
        const near = value(nearest.bits);
        expect(down <= near && near <= up).toBe(true);
        expect(zero === (near > 0 ? down : near < 0 ? up : 0)).toBe(true); // numerically: zeros' signs differ by mode
        const inexact = (nearest.flags & soft.Flag.Inexact) !== 0;
        if (!inexact) expect(down === up).toBe(true);
        else if (Number.isFinite(down) && Number.isFinite(up) && Math.sign(down) === Math.sign(up)) {
          // Neighbours: their magnitudes' bit patterns differ by one.
          const magnitude = (v: number) => bits(Math.abs(v));
          const gap = magnitude(up) - magnitude(down);
          expect(gap === 1n || gap === -1n).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
