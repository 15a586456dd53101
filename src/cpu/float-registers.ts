/**
 * The 32 floating-point registers as 64-bit patterns, with three views of the same bytes: raw
 * words (bits[2i] low, bits[2i + 1] high), doubles, and singles (single[2i], the low word).
 * A single is NaN-boxed: its register's high word is all ones, otherwise it reads as the
 * canonical NaN. NaN results are written as bits, never through a float view, so payloads and
 * the canonical NaN are exact.
 */

export const CANONICAL_NAN_32 = 0x7fc00000;
export const CANONICAL_NAN_64_HIGH = 0x7ff80000;

export class FloatRegisters {
  readonly bits = new Int32Array(64);
  readonly double = new Float64Array(this.bits.buffer);
  readonly single = new Float32Array(this.bits.buffer);

  /** The single in register i (the canonical NaN if it is not NaN-boxed), as a raw int32. */
  singleBits(i: number): number {
    return this.bits[2 * i + 1] === -1 ? this.bits[2 * i] : CANONICAL_NAN_32;
  }

  /** Writes a single's raw bits, NaN-boxed. */
  setSingleBits(i: number, value: number): void {
    this.bits[2 * i] = value;
    this.bits[2 * i + 1] = -1;
  }

  setDoubleBits(i: number, lo: number, hi: number): void {
    this.bits[2 * i] = lo;
    this.bits[2 * i + 1] = hi;
  }
}
