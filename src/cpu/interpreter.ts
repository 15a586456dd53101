/**
 * The hart's run loop: fetch through the current code page, look the word up in the decode
 * cache, and dispatch on the operation number. Integer, branch, load and store operations are
 * written out here; the M divisions and wide multiplies, atomics, floating point and CSRs call
 * their units. Locals hold the hot state; a trap unwinds (memory-port's TRAP) to the catch,
 * which leaves pc at the trapping instruction.
 */

import { executeAtomic } from './atomic-unit.js';
import { csrInstruction } from './csr.js';
import { executeFloat, loadFloat, storeFloat } from './float-unit.js';
import type { Hart } from './hart.js';
import {
  multiply,
  multiplyDivide,
  shiftLeft,
  shiftRight,
  shiftRightArithmetic,
  writeNumber,
} from './integer-unit.js';
import { Op } from './opcodes.js';
import { TrapCause, TrapSignal } from './trap.js';

// The operation numbers as module constants: case labels written `Op.X` load a property of an
// imported object per comparison and kept the switch from becoming a jump table (about 57
// against 95 MIPS on the cpu bench).
const OP_LUI = Op.Lui;
const OP_AUIPC = Op.Auipc;
const OP_JAL = Op.Jal;
const OP_JALR = Op.Jalr;
const OP_BEQ = Op.Beq;
const OP_BNE = Op.Bne;
const OP_BLT = Op.Blt;
const OP_BGE = Op.Bge;
const OP_BLTU = Op.Bltu;
const OP_BGEU = Op.Bgeu;
const OP_LB = Op.Lb;
const OP_LH = Op.Lh;
const OP_LW = Op.Lw;
const OP_LD = Op.Ld;
const OP_LBU = Op.Lbu;
const OP_LHU = Op.Lhu;
const OP_LWU = Op.Lwu;
const OP_SB = Op.Sb;
const OP_SH = Op.Sh;
const OP_SW = Op.Sw;
const OP_SD = Op.Sd;
const OP_ADDI = Op.Addi;
const OP_SLTI = Op.Slti;
const OP_SLTIU = Op.Sltiu;
const OP_XORI = Op.Xori;
const OP_ORI = Op.Ori;
const OP_ANDI = Op.Andi;
const OP_SLLI = Op.Slli;
const OP_SRLI = Op.Srli;
const OP_SRAI = Op.Srai;
const OP_ADD = Op.Add;
const OP_SUB = Op.Sub;
const OP_SLL = Op.Sll;
const OP_SLT = Op.Slt;
const OP_SLTU = Op.Sltu;
const OP_XOR = Op.Xor;
const OP_SRL = Op.Srl;
const OP_SRA = Op.Sra;
const OP_OR = Op.Or;
const OP_AND = Op.And;
const OP_ADDIW = Op.Addiw;
const OP_SLLIW = Op.Slliw;
const OP_SRLIW = Op.Srliw;
const OP_SRAIW = Op.Sraiw;
const OP_ADDW = Op.Addw;
const OP_SUBW = Op.Subw;
const OP_SLLW = Op.Sllw;
const OP_SRLW = Op.Srlw;
const OP_SRAW = Op.Sraw;
const OP_FENCE = Op.Fence;
const OP_FENCEI = Op.FenceI;
const OP_ECALL = Op.Ecall;
const OP_EBREAK = Op.Ebreak;
const OP_CSRRW = Op.Csrrw;
const OP_CSRRCI = Op.Csrrci;
const OP_MUL = Op.Mul;
const OP_MULH = Op.Mulh;
const OP_REMU = Op.Remu;
const OP_MULW = Op.Mulw;
const OP_DIVW = Op.Divw;
const OP_REMUW = Op.Remuw;
const OP_ATOMIC = Op.Atomic;
const OP_FLW = Op.Flw;
const OP_FLD = Op.Fld;
const OP_FSW = Op.Fsw;
const OP_FSD = Op.Fsd;
const OP_FLOAT = Op.Float;
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
        case OP_LUI:
          xlo[rd] = imm;
          xhi[rd] = imm >> 31;
          break;
        case OP_AUIPC:
          writeNumber(xlo, xhi, rd, pc + imm);
          break;
        case OP_JAL:
          writeNumber(xlo, xhi, rd, next);
          next = pc + imm;
          break;
        case OP_JALR: {
          const a = xlo[rs1];
          const sum = (a + imm) | 0;
          const hi = (xhi[rs1] + (imm >> 31) + (sum >>> 0 < a >>> 0 ? 1 : 0)) | 0;
          writeNumber(xlo, xhi, rd, next);
          next = hi * TWO_32 + ((sum & ~1) >>> 0);
          break;
        }
        case OP_BEQ:
          if (xlo[rs1] === xlo[rs2] && xhi[rs1] === xhi[rs2]) next = pc + imm;
          break;
        case OP_BNE:
          if (xlo[rs1] !== xlo[rs2] || xhi[rs1] !== xhi[rs2]) next = pc + imm;
          break;
        case OP_BLT:
          if (xhi[rs1] < xhi[rs2] || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0))
            next = pc + imm;
          break;
        case OP_BGE:
          if (!(xhi[rs1] < xhi[rs2] || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0)))
            next = pc + imm;
          break;
        case OP_BLTU:
          if (xhi[rs1] >>> 0 < xhi[rs2] >>> 0 || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0))
            next = pc + imm;
          break;
        case OP_BGEU:
          if (
            !(xhi[rs1] >>> 0 < xhi[rs2] >>> 0 || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0))
          )
            next = pc + imm;
          break;
        case OP_LB: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          const value = port.load8(lo, (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0);
          xlo[rd] = (value << 24) >> 24;
          xhi[rd] = (value << 24) >> 31;
          break;
        }
        case OP_LBU: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          xlo[rd] = port.load8(lo, (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0);
          xhi[rd] = 0;
          break;
        }
        case OP_LH: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          const value = port.load16(lo, (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0);
          xlo[rd] = (value << 16) >> 16;
          xhi[rd] = (value << 16) >> 31;
          break;
        }
        case OP_LHU: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          xlo[rd] = port.load16(lo, (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0);
          xhi[rd] = 0;
          break;
        }
        case OP_LW: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          const value = port.load32(lo, (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0);
          xlo[rd] = value;
          xhi[rd] = value >> 31;
          break;
        }
        case OP_LWU: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          xlo[rd] = port.load32(lo, (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0);
          xhi[rd] = 0;
          break;
        }
        case OP_LD: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          const value = port.load64(lo, (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0);
          xhi[rd] = port.high;
          xlo[rd] = value;
          break;
        }
        case OP_SB: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          port.store8(
            lo,
            (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0,
            xlo[rs2] & 0xff,
          );
          break;
        }
        case OP_SH: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          port.store16(
            lo,
            (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0,
            xlo[rs2] & 0xffff,
          );
          break;
        }
        case OP_SW: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          port.store32(lo, (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0, xlo[rs2]);
          break;
        }
        case OP_SD: {
          const lo = (xlo[rs1] + imm) | 0;
          accesses++;
          const hi = (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0;
          port.store64(lo, hi, xlo[rs2], xhi[rs2]);
          break;
        }
        case OP_ADDI: {
          const a = xlo[rs1];
          const lo = (a + imm) | 0;
          xhi[rd] = (xhi[rs1] + (imm >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0)) | 0;
          xlo[rd] = lo;
          break;
        }
        case OP_SLTI: {
          const less = xhi[rs1] < imm >> 31 || (xhi[rs1] === imm >> 31 && xlo[rs1] >>> 0 < imm >>> 0);
          xlo[rd] = less ? 1 : 0;
          xhi[rd] = 0;
          break;
        }
        case OP_SLTIU: {
          const high = (imm >> 31) >>> 0;
          const less = xhi[rs1] >>> 0 < high || (xhi[rs1] >>> 0 === high && xlo[rs1] >>> 0 < imm >>> 0);
          xlo[rd] = less ? 1 : 0;
          xhi[rd] = 0;
          break;
        }
        case OP_XORI:
          xhi[rd] = xhi[rs1] ^ (imm >> 31);
          xlo[rd] = xlo[rs1] ^ imm;
          break;
        case OP_ORI:
          xhi[rd] = xhi[rs1] | (imm >> 31);
          xlo[rd] = xlo[rs1] | imm;
          break;
        case OP_ANDI:
          xhi[rd] = xhi[rs1] & (imm >> 31);
          xlo[rd] = xlo[rs1] & imm;
          break;
        case OP_SLLI:
          shiftLeft(xlo, xhi, rd, xlo[rs1], xhi[rs1], imm);
          break;
        case OP_SRLI:
          shiftRight(xlo, xhi, rd, xlo[rs1], xhi[rs1], imm);
          break;
        case OP_SRAI:
          shiftRightArithmetic(xlo, xhi, rd, xlo[rs1], xhi[rs1], imm);
          break;
        case OP_ADD: {
          const a = xlo[rs1];
          const lo = (a + xlo[rs2]) | 0;
          xhi[rd] = (xhi[rs1] + xhi[rs2] + (lo >>> 0 < a >>> 0 ? 1 : 0)) | 0;
          xlo[rd] = lo;
          break;
        }
        case OP_SUB: {
          const a = xlo[rs1];
          const b = xlo[rs2];
          xhi[rd] = (xhi[rs1] - xhi[rs2] - (a >>> 0 < b >>> 0 ? 1 : 0)) | 0;
          xlo[rd] = (a - b) | 0;
          break;
        }
        case OP_SLL:
          shiftLeft(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2] & 63);
          break;
        case OP_SLT: {
          const less = xhi[rs1] < xhi[rs2] || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0);
          xlo[rd] = less ? 1 : 0;
          xhi[rd] = 0;
          break;
        }
        case OP_SLTU: {
          const less =
            xhi[rs1] >>> 0 < xhi[rs2] >>> 0 || (xhi[rs1] === xhi[rs2] && xlo[rs1] >>> 0 < xlo[rs2] >>> 0);
          xlo[rd] = less ? 1 : 0;
          xhi[rd] = 0;
          break;
        }
        case OP_XOR:
          xhi[rd] = xhi[rs1] ^ xhi[rs2];
          xlo[rd] = xlo[rs1] ^ xlo[rs2];
          break;
        case OP_SRL:
          shiftRight(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2] & 63);
          break;
        case OP_SRA:
          shiftRightArithmetic(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2] & 63);
          break;
        case OP_OR:
          xhi[rd] = xhi[rs1] | xhi[rs2];
          xlo[rd] = xlo[rs1] | xlo[rs2];
          break;
        case OP_AND:
          xhi[rd] = xhi[rs1] & xhi[rs2];
          xlo[rd] = xlo[rs1] & xlo[rs2];
          break;
        case OP_ADDIW: {
          const lo = (xlo[rs1] + imm) | 0;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case OP_SLLIW: {
          const lo = xlo[rs1] << imm;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case OP_SRLIW: {
          const lo = (xlo[rs1] >>> imm) | 0;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case OP_SRAIW: {
          const lo = xlo[rs1] >> imm;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case OP_ADDW: {
          const lo = (xlo[rs1] + xlo[rs2]) | 0;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case OP_SUBW: {
          const lo = (xlo[rs1] - xlo[rs2]) | 0;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case OP_SLLW: {
          const lo = xlo[rs1] << (xlo[rs2] & 31);
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case OP_SRLW: {
          const lo = (xlo[rs1] >>> (xlo[rs2] & 31)) | 0;
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case OP_SRAW: {
          const lo = xlo[rs1] >> (xlo[rs2] & 31);
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case OP_FENCE:
        case OP_FENCEI: // the decode cache is keyed by content: nothing to flush
          break;
        case OP_ECALL:
          port.raise(TrapCause.UserEcall, 0);
          break;
        case OP_EBREAK:
          port.raise(TrapCause.Breakpoint, pc);
          break;
        case OP_MUL:
          multiply(xlo, xhi, rd, xlo[rs1], xhi[rs1], xlo[rs2], xhi[rs2]);
          break;
        case OP_MULW: {
          const lo = Math.imul(xlo[rs1], xlo[rs2]);
          xlo[rd] = lo;
          xhi[rd] = lo >> 31;
          break;
        }
        case OP_ATOMIC:
          accesses++;
          executeAtomic(hart, imm, rd, rs1, rs2);
          break;
        case OP_FLW:
        case OP_FLD: {
          const lo = (xlo[rs1] + imm) | 0;
          const hi = (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0;
          accesses++;
          loadFloat(hart, ops[slot] === OP_FLD, rd, lo, hi);
          break;
        }
        case OP_FSW:
        case OP_FSD: {
          const lo = (xlo[rs1] + imm) | 0;
          const hi = (xhi[rs1] + (imm >> 31) + (lo >>> 0 < xlo[rs1] >>> 0 ? 1 : 0)) | 0;
          accesses++;
          storeFloat(hart, ops[slot] === OP_FSD, rs2, lo, hi);
          break;
        }
        case OP_FLOAT:
          if (!executeFloat(hart, imm, rd, rs1, rs2)) port.raise(ILLEGAL, word >>> 0);
          break;
        default: {
          // The rare groups, numbered in runs: the CSR instructions and M's divisions and high
          // multiplies; anything else is illegal.
          const op = ops[slot];
          if (op >= OP_CSRRW && op <= OP_CSRRCI) {
            if (csrInstruction(hart, op - OP_CSRRW, rd, rs1, imm, hart.instret + executed)) break;
          } else if ((op >= OP_MULH && op <= OP_REMU) || (op >= OP_DIVW && op <= OP_REMUW)) {
            multiplyDivide(op, xlo, xhi, rd, rs1, rs2);
            break;
          }
          port.raise(ILLEGAL, (word & 3) === 3 ? word >>> 0 : word & 0xffff);
        }
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
