/**
 * The control and status registers a user-mode hart has (Zicsr): the floating-point fflags,
 * frm and fcsr, and the read-only counters cycle, time and instret. Any other number, or a
 * write to a read-only counter, is an illegal instruction.
 */

import { writeNumber } from './integer-unit.js';

export const Csr = {
  Fflags: 0x001,
  Frm: 0x002,
  Fcsr: 0x003,
  Cycle: 0xc00,
  Time: 0xc01,
  Instret: 0xc02,
} as const;

/** The floating-point state the CSRs expose. */
export interface FloatControl {
  /** Accrued exceptions: NV 16, DZ 8, OF 4, UF 2, NX 1. */
  fflags: number;
  /** Dynamic rounding mode, 0..7 (5..7 are invalid for instructions that use it). */
  frm: number;
}

/** Whether `csr` exists for user mode; `write` asks whether it may also be written. */
export function csrExists(csr: number, write: boolean): boolean {
  if (csr === Csr.Fflags || csr === Csr.Frm || csr === Csr.Fcsr) return true;
  return !write && (csr === Csr.Cycle || csr === Csr.Time || csr === Csr.Instret);
}

/** Reads a CSR that exists, as a non-negative number. `counter` is cycle / instret, `time` the clock. */
export function readCsr(csr: number, control: FloatControl, counter: number, time: number): number {
  switch (csr) {
    case Csr.Fflags:
      return control.fflags;
    case Csr.Frm:
      return control.frm;
    case Csr.Fcsr:
      return (control.frm << 5) | control.fflags;
    case Csr.Time:
      return time;
    default:
      return counter;
  }
}

/** Writes the low bits of `value` (the register's low word) to a writable CSR. */
export function writeCsr(csr: number, control: FloatControl, value: number): void {
  if (csr === Csr.Fflags) control.fflags = value & 0x1f;
  else if (csr === Csr.Frm) control.frm = value & 7;
  else {
    control.fflags = value & 0x1f;
    control.frm = (value >>> 5) & 7;
  }
}

/** The registers and counters a CSR instruction reads and writes. */
export interface CsrHart extends FloatControl {
  readonly xlo: Int32Array;
  readonly xhi: Int32Array;
  readonly time: (() => number) | null;
}

/**
 * CSRRW, CSRRS, CSRRC (kind 0, 1, 2) and their immediate forms (kind 3, 4, 5, where rs1 is the
 * 5-bit immediate); false when the CSR does not exist or may not be written (illegal).
 */
export function csrInstruction(
  hart: CsrHart,
  kind: number,
  rd: number,
  rs1: number,
  csr: number,
  counter: number,
): boolean {
  const immediate = kind >= 3;
  const operation = immediate ? kind - 3 : kind; // 0 write, 1 set, 2 clear
  const source = immediate ? rs1 : hart.xlo[rs1];
  const writes = operation === 0 || rs1 !== 0;
  if (!csrExists(csr, writes)) return false;
  const old = readCsr(csr, hart, counter, hart.time ? hart.time() : counter);
  if (writes) writeCsr(csr, hart, operation === 0 ? source : operation === 1 ? old | source : old & ~source);
  writeNumber(hart.xlo, hart.xhi, rd, old);
  return true;
}
