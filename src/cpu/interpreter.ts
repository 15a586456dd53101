/**
 * The hart's run loop: fetch through the current code page, look the word up in the decode
 * cache, and dispatch on the operation number. Integer, branch, load and store operations are
 * written out here; the M divisions and wide multiplies, atomics, floating point and CSRs call
 * their units. Locals hold the hot state; a trap unwinds (memory-port's TRAP) to the catch,
 * which leaves pc at the trapping instruction.
 */

import { executeAtomic } from './atomic-unit.js';
import { csrExists, readCsr, writeCsr } from './csr.js';
import { executeFloat, loadFloat, storeFloat } from './float-unit.js';
import type { Hart } from './hart.js';
import {
  divideSigned,
  divideUnsigned,
  divideWord,
  multiply,
  multiplyHigh,
  shiftLeft,
  shiftRight,
  shiftRightArithmetic,
  writeNumber,
} from './integer-unit.js';
import { Op } from './opcodes.js';
import { TrapCause, TrapSignal } from './trap.js';

const TWO_32 = 4294967296;
const WIDE_BASE = 65536;
const ILLEGAL = TrapCause.IllegalInstruction;

/** Runs `hart` for at most `budget` instructions; returns StopReason.Trap (1) or Budget (2). */
export function interpret(hart: Hart, budget: number): 1 | 2 {
  const xlo = hart.xlo;
  const xhi = hart.xhi;
  const port = hart.port;
  const cache = hart.decodeCache;
  const keys = cache.key;
  const ops = cache.op;
  const rds = cache.rd;
  const rs1s = cache.rs1;
  const rs2s = cache.rs2;
  const imms = cache.imm;
  const tracing = port.recorder !== null;
  let pc = hart.pc;
  let executed = 0;
  let accesses = 0;
  let word = 0;
  // The code page being executed: pc in [start, end) has its 4-byte word inside the page.
  let pageStart = 1;
  let pageEnd = 0;
  let view = port.fetchView;
  let base = 0;
  try {
    while (executed < budget) {
      if (pc >= pageStart && pc < pageEnd) {
        word = view.getInt32(base + (pc - pageStart), true);
      } else {
        port.fetchPage(pc);
        pageStart = port.fetchStart;
        view = port.fetchView;
        base = port.fetchBase;
        pageEnd = tracing ? pageStart : pageStart + 4093;
        const offset = pc - pageStart;
        if (offset <= 4092) word = view.getInt32(base + offset, true);
        else {
          word = view.getUint16(base + offset, true);
          if ((word & 3) === 3) word |= port.fetchHalf(pc + 2) << 16;
        }
      }
      let slot: number;
      let next: number;
      if ((word & 3) !== 3) {
        slot = word & 0xffff;
        if (keys[slot] !== slot) cache.fill(slot, slot);
        next = pc + 2;
      } else {
        slot = WIDE_BASE + (Math.imul(word, 0x9e3779b1) >>> 18);
        if (keys[slot] !== word) cache.fill(slot, word);
        next = pc + 4;
      }
      const rd = rds[slot];
      const rs1 = rs1s[slot];
      const rs2 = rs2s[slot];
      const imm = imms[slot];
      switch (ops[slot]) {
        case Op.Lui:
          xlo[rd] = imm;
          xhi[rd] = imm >> 31;
          break;
        case Op.Auipc:
          writeNumber(xlo, xhi, rd, pc + imm);
          break;
        case Op.Jal:
          writeNumber(xlo, xhi, rd, next);
          next = pc + imm;
          break;
        case Op.Jalr: {
          const a = xlo[rs1];
          const sum = (a + imm) | 0;
          const hi = (xhi[rs1] + (imm >> 31) + (sum >>> 0 < a >>> 0 ? 1 : 0)) | 0;
          writeNumber(xlo, xhi, rd, next);
          next = hi * TWO_32 + ((sum & ~1) >>> 0);
          break;
        }
        case Op.Beq:
          if (xlo[rs1] === xlo[rs2] && xhi[rs1] === xhi[rs2]) next = pc + imm;
          break;
        case Op.Bne:
          if (xlo[rs1] !== xlo[rs2] || xhi[rs1] !== xhi[rs2]) next = pc + imm;
          break;
        case Op.Blt:
          if (xhi[rs1] < xhi[rs2] || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0))
            next = pc + imm;
          break;
        case Op.Bge:
          if (!(xhi[rs1] < xhi[rs2] || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0)))
            next = pc + imm;
          break;
        case Op.Bltu:
          if (xhi[rs1] >>> 0 < xhi[rs2] >>> 0 || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0))
            next = pc + imm;
          break;
        case Op.Bgeu:
          if (
            !(xhi[rs1] >>> 0 < xhi[rs2] >>> 0 || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0))
          )
            next = pc + imm;
          break;
        case Op.Lb:
        case Op.Lh:
        case Op.Lw:
        case Op.Ld:
        case Op.Lbu:
        case Op.Lhu:
        case Op.Lwu: {
          const lo = (xlo[rs1] + imm) | 0;
          const hi = (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0;
          accesses++;
          load(hart, ops[slot], rd, lo, hi);
          break;
        }
        case Op.Sb: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          port.store8(
            lo,
            (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0,
            xlo[rs2] & 0xff,
          );
          break;
        }
        case Op.Sh: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          port.store16(
            lo,
            (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0,
            xlo[rs2] & 0xffff,
          );
          break;
        }
        case Op.Sw: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          port.store32(lo, (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0, xlo[rs2]);
          break;
        }
        case Op.Sd: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          const hi = (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0;
          port.store64(lo, hi, xlo[rs2], xhi[rs2]);
          break;
        }
        case Op.Addi: {
          const a = xlo[rs1];
          const lo = (a + imm) | 0;
          xhi[rd] = (xhi[rs1] + (imm >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0)) | 0;
          xlo[rd] = lo;
          break;
        }
        case Op.Slti: {
          const less = xhi[rs1] < imm >> 31 || (xhi[rs1] === imm >> 31 && xlo[rs1] >>> 0 < imm >>> 0);
          xlo[rd] = less ? 1 : 0;
          xhi[rd] = 0;
          break;
        }
        case Op.Sltiu: {
          const high = (imm >> 31) >>> 0;
          const less = xhi[rs1] >>> 0 < high || (xhi[rs1] >>> 0 === high && xlo[rs1] >>> 0 < imm >>> 0);
          xlo[rd] = less ? 1 : 0;
          xhi[rd] = 0;
          break;
        }
        case Op.Xori:
          xhi[rd] = xhi[rs1] ^ (imm >> 31);
          xlo[rd] = xlo[rs1] ^ imm;
          break;
        case Op.Ori:
          xhi[rd] = xhi[rs1] | (imm >> 31);
          xlo[rd] = xlo[rs1] | imm;
          break;
        case Op.Andi:
          xhi[rd] = xhi[rs1] & (imm >> 31);
          xlo[rd] = xlo[rs1] & imm;
          break;
        case Op.Slli:
          shiftLeft(xlo, xhi, rd, xlo[rs1], xhi[rs1], imm);
          break;
        case Op.Srli:
          shiftRight(xlo, xhi, rd, xlo[rs1], xhi[rs1], imm);
          break;
        case Op.Srai:
          shiftRightArithmetic(xlo, xhi, rd, xlo[rs1], xhi[rs1], imm);
          break;
        case Op.Add: {
          const a = xlo[rs1];
          const lo = (a + xlo[rs2]) | 0;
          xhi[rd] = (xhi[rs1] + xhi[rs2] + (lo >>> 0 < a >>> 0 ? 1 : 0)) | 0;
          xlo[rd] = lo;
          break;
        }
        case Op.Sub: {
          const a = xlo[rs1];
          const b = xlo[rs2];
          xhi[rd] = (xhi[rs1] - xhi[rs2] - (a >>> 0 < b >>> 0 ? 1 : 0)) | 0;
          xlo[rd] = (a - b) | 0;
          break;
        }
        case Op.Sll:
          shiftLeft(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2] & 63);
          break;
        case Op.Slt: {
          const less = xhi[rs1] < xhi[rs2] || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0);
          xlo[rd] = less ? 1 : 0;
          xhi[rd] = 0;
          break;
        }
        case Op.Sltu: {
          const less =
            xhi[rs1] >>> 0 < xhi[rs2] >>> 0 || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0);
          xlo[rd] = less ? 1 : 0;
          xhi[rd] = 0;
          break;
        }
        case Op.Xor:
          xhi[rd] = xhi[rs1] ^ xhi[rs2];
          xlo[rd] = xlo[rs1] ^ xlo[rs2];
          break;
        case Op.Srl:
          shiftRight(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2] & 63);
          break;
        case Op.Sra:
          shiftRightArithmetic(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2] & 63);
          break;
        case Op.Or:
          xhi[rd] = xhi[rs1] | xhi[rs2];
          xlo[rd] = xlo[rs1] | xlo[rs2];
          break;
        case Op.And:
          xhi[rd] = xhi[rs1] & xhi[rs2];
          xlo[rd] = xlo[rs1] & xlo[rs2];
          break;
        case Op.Addiw: {
          const lo = (xlo[rs1] + imm) | 0;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case Op.Slliw: {
          const lo = xlo[rs1] << imm;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case Op.Srliw: {
          const lo = (xlo[rs1] >>> imm) | 0;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case Op.Sraiw: {
          const lo = xlo[rs1] >> imm;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case Op.Addw: {
          const lo = (xlo[rs1] + xlo[rs2]) | 0;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case Op.Subw: {
          const lo = (xlo[rs1] - xlo[rs2]) | 0;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case Op.Sllw: {
          const lo = xlo[rs1] << (xlo[rs2] & 31);
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case Op.Srlw: {
          const lo = (xlo[rs1] >>> (xlo[rs2] & 31)) | 0;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case Op.Sraw: {
          const lo = xlo[rs1] >> (xlo[rs2] & 31);
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case Op.Fence:
        case Op.FenceI: // the decode cache is keyed by content: nothing to flush
          break;
        case Op.Ecall:
          port.raise(TrapCause.UserEcall, 0);
          break;
        case Op.Ebreak:
          port.raise(TrapCause.Breakpoint, pc);
          break;
        case Op.Csrrw:
        case Op.Csrrs:
        case Op.Csrrc:
        case Op.Csrrwi:
        case Op.Csrrsi:
        case Op.Csrrci:
          if (!csrInstruction(hart, ops[slot], rd, rs1, imm, hart.instret + executed)) {
            port.raise(ILLEGAL, (word & 3) === 3 ? word >>> 0 : word & 0xffff);
          }
          break;
        case Op.Mul:
          multiply(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2], xhi[rs2]);
          break;
        case Op.Mulh:
          multiplyHigh(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2], xhi[rs2], true, true);
          break;
        case Op.Mulhsu:
          multiplyHigh(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2], xhi[rs2], true, false);
          break;
        case Op.Mulhu:
          multiplyHigh(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2], xhi[rs2], false, false);
          break;
        case Op.Div:
          divideSigned(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2], xhi[rs2], false);
          break;
        case Op.Divu:
          divideUnsigned(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2], xhi[rs2], false);
          break;
        case Op.Rem:
          divideSigned(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2], xhi[rs2], true);
          break;
        case Op.Remu:
          divideUnsigned(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2], xhi[rs2], true);
          break;
        case Op.Mulw: {
          const lo = Math.imul(xlo[rs1], xlo[rs2]);
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case Op.Divw:
        case Op.Divuw:
        case Op.Remw:
        case Op.Remuw: {
          const op = ops[slot];
          const lo = divideWord(xlo[rs1], xlo[rs2], op === Op.Divw || op === Op.Remw, op >= Op.Remw);
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case Op.Atomic:
          accesses++;
          executeAtomic(hart, imm, rd, rs1, rs2);
          break;
        case Op.Flw:
        case Op.Fld: {
          const lo = (xlo[rs1] + imm) | 0;
          const hi = (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0;
          accesses++;
          loadFloat(hart, ops[slot] === Op.Fld, rd, lo, hi);
          break;
        }
        case Op.Fsw:
        case Op.Fsd: {
          const lo = (xlo[rs1] + imm) | 0;
          const hi = (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0;
          accesses++;
          storeFloat(hart, ops[slot] === Op.Fsd, rs2, lo, hi);
          break;
        }
        case Op.Float:
          if (!executeFloat(hart, imm, rd, rs1, rs2)) port.raise(ILLEGAL, word >>> 0);
          break;
        default:
          port.raise(ILLEGAL, (word & 3) === 3 ? word >>> 0 : word & 0xffff);
      }
      pc = next;
      executed++;
    }
  } catch (error) {
    if (!(error instanceof TrapSignal)) throw error;
    hart.pc = pc;
    hart.instret += executed;
    hart.dataAccesses += accesses;
    hart.cause = port.trapCause;
    hart.value = port.trapValue;
    return 1;
  }
  hart.pc = pc;
  hart.instret += executed;
  hart.dataAccesses += accesses;
  return 2;
}

/** The integer loads: the value into rd, sign- or zero-extended. */
function load(hart: Hart, op: number, rd: number, lo: number, hi: number): void {
  const port = hart.port;
  const xlo = hart.xlo;
  const xhi = hart.xhi;
  let value: number;
  switch (op) {
    case Op.Lb:
      value = (port.load8(lo, hi) << 24) >> 24;
      xhi[rd] = value >> 31;
      break;
    case Op.Lbu:
      value = port.load8(lo, hi);
      xhi[rd] = 0;
      break;
    case Op.Lh:
      value = (port.load16(lo, hi) << 16) >> 16;
      xhi[rd] = value >> 31;
      break;
    case Op.Lhu:
      value = port.load16(lo, hi);
      xhi[rd] = 0;
      break;
    case Op.Lw:
      value = port.load32(lo, hi);
      xhi[rd] = value >> 31;
      break;
    case Op.Lwu:
      value = port.load32(lo, hi);
      xhi[rd] = 0;
      break;
    default:
      value = port.load64(lo, hi);
      xhi[rd] = port.high;
  }
  xlo[rd] = value;
}

/** The six CSR instructions; false when the CSR does not exist or may not be written. */
function csrInstruction(
  hart: Hart,
  op: number,
  rd: number,
  rs1: number,
  csr: number,
  counter: number,
): boolean {
  const immediate = op >= Op.Csrrwi;
  const kind = immediate ? op - Op.Csrrwi : op - Op.Csrrw; // 0 write, 1 set, 2 clear
  const source = immediate ? rs1 : hart.xlo[rs1];
  const writes = kind === 0 || rs1 !== 0;
  if (!csrExists(csr, writes)) return false;
  const old = readCsr(csr, hart, counter, hart.time ? hart.time() : counter);
  if (writes) writeCsr(csr, hart, kind === 0 ? source : kind === 1 ? old | source : old & ~source);
  writeNumber(hart.xlo, hart.xhi, rd, old);
  return true;
}
