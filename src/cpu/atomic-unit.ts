/**
 * The A extension for one hart: LR / SC with a reservation of one address, and the AMOs as a
 * read-modify-write of one translated physical address (a single hart: nothing can interleave).
 * Every atomic needs its natural alignment; the AMOs and SC translate for a store, so a
 * read-only page gives a store page fault (cause 15), as the privileged spec says.
 */
import type { Hart } from './hart.js';
import { addressOf } from './memory-port.js';
import { AtomicOp } from './opcodes.js';
import { TrapCause } from './trap.js';

const unsignedLess = (aLo: number, aHi: number, bLo: number, bHi: number): boolean =>
  aHi >>> 0 < bHi >>> 0 || (aHi === bHi && aLo >>> 0 < bLo >>> 0);
const signedLess = (aLo: number, aHi: number, bLo: number, bHi: number): boolean =>
  aHi < bHi || (aHi === bHi && aLo >>> 0 < bLo >>> 0);

/** Executes the atomic whose decoded immediate is `imm` (funct5 | width << 5). */
export function executeAtomic(hart: Hart, imm: number, rd: number, rs1: number, rs2: number): void {
  const port = hart.port;
  const xlo = hart.xlo;
  const xhi = hart.xhi;
  const funct5 = imm & 31;
  const size = imm >>> 5 === 3 ? 8 : 4;
  const lo = xlo[rs1];
  const hi = xhi[rs1];
  const va = addressOf(lo, hi);
  if (funct5 === AtomicOp.Lr) {
    const pa = port.atomicAddress(lo, hi, size, false);
    const value = port.readPhysical(pa, size);
    xhi[rd] = size === 8 ? port.high : value >> 31;
    xlo[rd] = value;
    hart.reservation = va;
    return;
  }
  const sourceLo = xlo[rs2];
  let sourceHi = size === 8 ? xhi[rs2] : 0;
  if (funct5 === AtomicOp.Sc) {
    if ((lo & (size - 1)) !== 0) port.raise(TrapCause.StoreMisaligned, va);
    const held = hart.reservation === va;
    if (held) port.writePhysical(port.atomicAddress(lo, hi, size, true), size, sourceLo, sourceHi);
    hart.reservation = -1;
    xlo[rd] = held ? 0 : 1;
    xhi[rd] = 0;
    return;
  }
  const pa = port.atomicAddress(lo, hi, size, true);
  const oldLo = port.readPhysical(pa, size);
  const oldHi = size === 8 ? port.high : oldLo >> 31;
  if (size === 4) sourceHi = sourceLo >> 31; // the word AMOs compare signed 32-bit values
  let newLo = sourceLo;
  let newHi = sourceHi;
  switch (funct5) {
    case AtomicOp.Add: {
      newLo = (oldLo + sourceLo) | 0;
      newHi = (oldHi + sourceHi + (newLo >>> 0 < oldLo >>> 0 ? 1 : 0)) | 0;
      break;
    }
    case AtomicOp.Xor:
      newLo = oldLo ^ sourceLo;
      newHi = oldHi ^ sourceHi;
      break;
    case AtomicOp.Or:
      newLo = oldLo | sourceLo;
      newHi = oldHi | sourceHi;
      break;
    case AtomicOp.And:
      newLo = oldLo & sourceLo;
      newHi = oldHi & sourceHi;
      break;
    case AtomicOp.Min:
    case AtomicOp.Max: {
      const sourceSmaller = signedLess(sourceLo, sourceHi, oldLo, oldHi);
      if (sourceSmaller !== (funct5 === AtomicOp.Min)) {
        newLo = oldLo;
        newHi = oldHi;
      }
      break;
    }
    case AtomicOp.Minu:
    case AtomicOp.Maxu: {
      // Unsigned: a word compares its 32 bits alone.
      const sourceSmaller =
        size === 4 ? sourceLo >>> 0 < oldLo >>> 0 : unsignedLess(sourceLo, sourceHi, oldLo, oldHi);
      if (sourceSmaller !== (funct5 === AtomicOp.Minu)) {
        newLo = oldLo;
        newHi = oldHi;
      }
      break;
    }
    default: // swap
      break;
  }
  port.writePhysical(pa, size, newLo, newHi);
  xlo[rd] = oldLo;
  xhi[rd] = oldHi;
}
