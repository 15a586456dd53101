/**
 * Decoding of the F and D arithmetic instructions (opcodes OP-FP and the four fused
 * multiply-adds) into one packed immediate for the float unit: operation | rs3 << 8 | rm << 13.
 * The operation is a FloatOp times two plus one for double precision.
 */

/** Float-unit operations (before the precision bit). */
export const FloatOp = {
  Add: 0,
  Sub: 1,
  Mul: 2,
  Div: 3,
  Sqrt: 4,
  SignInject: 5,
  SignInjectNot: 6,
  SignInjectXor: 7,
  Min: 8,
  Max: 9,
  ToInt32: 10,
  ToUint32: 11,
  ToInt64: 12,
  ToUint64: 13,
  MoveToInteger: 14,
  Classify: 15,
  Equal: 16,
  Less: 17,
  LessOrEqual: 18,
  FromInt32: 19,
  FromUint32: 20,
  FromInt64: 21,
  FromUint64: 22,
  MoveFromInteger: 23,
  /** fcvt.s.d (single precision bit) and fcvt.d.s (double precision bit). */
  Convert: 24,
  MulAdd: 25,
  MulSub: 26,
  NegMulSub: 27,
  NegMulAdd: 28,
} as const;

/** Rounding-mode field values 5 and 6 are reserved; 7 means "use frm". */
const DYNAMIC = 7;

function pack(op: number, double: boolean, rs3: number, rm: number): number {
  return (op * 2 + (double ? 1 : 0)) | (rs3 << 8) | (rm << 13);
}

/** The packed operation of an F / D word, or -1 when the encoding is reserved. */
export function decodeFloat(word: number): number {
  const fmt = (word >>> 25) & 3;
  if (fmt > 1) return -1; // H and Q are not implemented
  const double = fmt === 1;
  const rm = (word >>> 12) & 7;
  const roundingValid = rm !== 5 && rm !== 6;
  const opcode = word & 0x7f;
  if (opcode !== 0x53) {
    if (!roundingValid) return -1;
    const op = [FloatOp.MulAdd, FloatOp.MulSub, FloatOp.NegMulSub, FloatOp.NegMulAdd][(opcode - 0x43) >>> 2];
    return pack(op, double, word >>> 27, rm);
  }
  const funct5 = word >>> 27;
  const rs2 = (word >>> 20) & 31;
  const rounded = (op: number): number => (roundingValid ? pack(op, double, 0, rm) : -1);
  switch (funct5) {
    case 0x00:
      return rounded(FloatOp.Add);
    case 0x01:
      return rounded(FloatOp.Sub);
    case 0x02:
      return rounded(FloatOp.Mul);
    case 0x03:
      return rounded(FloatOp.Div);
    case 0x0b:
      return rs2 === 0 ? rounded(FloatOp.Sqrt) : -1;
    case 0x04:
      return rm <= 2 ? pack(FloatOp.SignInject + rm, double, 0, rm) : -1;
    case 0x05:
      return rm <= 1 ? pack(FloatOp.Min + rm, double, 0, rm) : -1;
    case 0x14:
      if (rm === 2) return pack(FloatOp.Equal, double, 0, rm);
      if (rm === 1) return pack(FloatOp.Less, double, 0, rm);
      return rm === 0 ? pack(FloatOp.LessOrEqual, double, 0, rm) : -1;
    case 0x18:
      return rs2 <= 3 ? rounded(FloatOp.ToInt32 + rs2) : -1;
    case 0x1a:
      return rs2 <= 3 ? rounded(FloatOp.FromInt32 + rs2) : -1;
    case 0x1c:
      if (rs2 !== 0) return -1;
      if (rm === 0) return pack(FloatOp.MoveToInteger, double, 0, rm);
      return rm === 1 ? pack(FloatOp.Classify, double, 0, rm) : -1;
    case 0x1e:
      return rs2 === 0 && rm === 0 ? pack(FloatOp.MoveFromInteger, double, 0, rm) : -1;
    case 0x08:
      // fcvt.s.d has fmt S and rs2 = 1 (from D); fcvt.d.s has fmt D and rs2 = 0 (from S).
      if ((double && rs2 === 0) || (!double && rs2 === 1)) return rounded(FloatOp.Convert);
      return -1;
    default:
      return -1;
  }
}

export { DYNAMIC as DYNAMIC_ROUNDING };
