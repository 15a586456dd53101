/**
 * The F and D extensions' loads, stores and operations for one hart.
 */
import type { Hart } from './hart.js';

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

export function executeFloat(_hart: Hart, _packed: number, _rd: number, _rs1: number, _rs2: number): boolean {
  return false;
}
