/**
 * The RV64 instruction decoder: one 32-bit instruction word to an operation number, register
 * numbers and an immediate, written into a decode-cache slot. Runs once per distinct word (the
 * cache keeps the result), so it favours clarity over speed. Compressed words are expanded to
 * their 32-bit equivalents first (compressed.ts).
 */
import { decodeFloat } from './float-decoder.js';
import { Op } from './opcodes.js';

/** The fields of one decoded instruction (a view of a decode-cache slot). */
export interface DecodedFields {
  op: number;
  /** Destination register; 0 is decoded as 32, the sink register nobody reads. */
  rd: number;
  rs1: number;
  rs2: number;
  imm: number;
}

/** Register number for a destination: x0 writes go to register 32, which is never read. */
function dest(word: number): number {
  const rd = (word >>> 7) & 31;
  return rd === 0 ? 32 : rd;
}

const immI = (word: number): number => word >> 20;
const immS = (word: number): number => ((word >> 25) << 5) | ((word >>> 7) & 31);
const immB = (word: number): number =>
  ((word >> 31) << 12) |
  (((word >>> 7) & 1) << 11) |
  (((word >>> 25) & 0x3f) << 5) |
  (((word >>> 8) & 0xf) << 1);
const immJ = (word: number): number =>
  ((word >> 31) << 20) | (word & 0xff000) | (((word >>> 20) & 1) << 11) | (((word >>> 21) & 0x3ff) << 1);

const BRANCHES = [Op.Beq, Op.Bne, Op.Illegal, Op.Illegal, Op.Blt, Op.Bge, Op.Bltu, Op.Bgeu];
const LOADS = [Op.Lb, Op.Lh, Op.Lw, Op.Ld, Op.Lbu, Op.Lhu, Op.Lwu, Op.Illegal];
const STORES = [Op.Sb, Op.Sh, Op.Sw, Op.Sd];
const OP_IMM = [Op.Addi, Op.Slli, Op.Slti, Op.Sltiu, Op.Xori, Op.Srli, Op.Ori, Op.Andi];
const OP_REG = [Op.Add, Op.Sll, Op.Slt, Op.Sltu, Op.Xor, Op.Srl, Op.Or, Op.And];
const OP_MUL = [Op.Mul, Op.Mulh, Op.Mulhsu, Op.Mulhu, Op.Div, Op.Divu, Op.Rem, Op.Remu];
const OP_MULW = [Op.Mulw, Op.Illegal, Op.Illegal, Op.Illegal, Op.Divw, Op.Divuw, Op.Remw, Op.Remuw];
const CSR_OPS = [Op.Illegal, Op.Csrrw, Op.Csrrs, Op.Csrrc, Op.Illegal, Op.Csrrwi, Op.Csrrsi, Op.Csrrci];
const ATOMIC_FUNCT5 = new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c]);

/** Decodes `word` into `out`. Unknown or reserved encodings decode as Op.Illegal. */
export function decodeWord(word: number, out: DecodedFields): void {
  out.rd = dest(word);
  out.rs1 = (word >>> 15) & 31;
  out.rs2 = (word >>> 20) & 31;
  out.imm = 0;
  out.op = decodeOp(word, out);
}

function decodeOp(word: number, out: DecodedFields): number {
  const funct3 = (word >>> 12) & 7;
  const funct7 = word >>> 25;
  switch (word & 0x7f) {
    case 0x37:
      out.imm = word & 0xfffff000;
      return Op.Lui;
    case 0x17:
      out.imm = word & 0xfffff000;
      return Op.Auipc;
    case 0x6f:
      out.imm = immJ(word);
      return Op.Jal;
    case 0x67:
      out.imm = immI(word);
      return funct3 === 0 ? Op.Jalr : Op.Illegal;
    case 0x63:
      out.imm = immB(word);
      return BRANCHES[funct3];
    case 0x03:
      out.imm = immI(word);
      return LOADS[funct3];
    case 0x23:
      out.imm = immS(word);
      return funct3 < 4 ? STORES[funct3] : Op.Illegal;
    case 0x13: {
      out.imm = immI(word);
      if (funct3 === 1 || funct3 === 5) {
        const funct6 = word >>> 26;
        out.imm = (word >>> 20) & 63;
        if (funct3 === 1) return funct6 === 0 ? Op.Slli : Op.Illegal;
        return funct6 === 0 ? Op.Srli : funct6 === 0x10 ? Op.Srai : Op.Illegal;
      }
      return OP_IMM[funct3];
    }
    case 0x1b: {
      out.imm = immI(word);
      if (funct3 === 0) return Op.Addiw;
      out.imm = (word >>> 20) & 31;
      if (funct3 === 1) return funct7 === 0 ? Op.Slliw : Op.Illegal;
      if (funct3 === 5) return funct7 === 0 ? Op.Srliw : funct7 === 0x20 ? Op.Sraiw : Op.Illegal;
      return Op.Illegal;
    }
    case 0x33:
      if (funct7 === 0) return OP_REG[funct3];
      if (funct7 === 1) return OP_MUL[funct3];
      if (funct7 === 0x20) return funct3 === 0 ? Op.Sub : funct3 === 5 ? Op.Sra : Op.Illegal;
      return Op.Illegal;
    case 0x3b:
      if (funct7 === 1) return OP_MULW[funct3];
      if (funct7 === 0) {
        if (funct3 === 0) return Op.Addw;
        if (funct3 === 1) return Op.Sllw;
        if (funct3 === 5) return Op.Srlw;
        return Op.Illegal;
      }
      if (funct7 === 0x20) return funct3 === 0 ? Op.Subw : funct3 === 5 ? Op.Sraw : Op.Illegal;
      return Op.Illegal;
    case 0x0f:
      if (funct3 === 0) return Op.Fence;
      return funct3 === 1 ? Op.FenceI : Op.Illegal;
    case 0x73:
      if (funct3 === 0) {
        if (word === 0x00000073) return Op.Ecall;
        if (word === 0x00100073) return Op.Ebreak;
        return Op.Illegal; // sret, wfi, sfence.vma: privileged, illegal in user mode
      }
      out.imm = word >>> 20;
      return CSR_OPS[funct3];
    case 0x2f: {
      const funct5 = word >>> 27;
      if ((funct3 !== 2 && funct3 !== 3) || !ATOMIC_FUNCT5.has(funct5)) return Op.Illegal;
      if (funct5 === 0x02 && out.rs2 !== 0) return Op.Illegal; // LR has rs2 = 0
      out.imm = funct5 | (funct3 << 5);
      return Op.Atomic;
    }
    case 0x07:
      out.imm = immI(word);
      out.rd = (word >>> 7) & 31; // a float register: f0 is a real destination
      return funct3 === 2 ? Op.Flw : funct3 === 3 ? Op.Fld : Op.Illegal;
    case 0x27:
      out.imm = immS(word);
      return funct3 === 2 ? Op.Fsw : funct3 === 3 ? Op.Fsd : Op.Illegal;
    case 0x43:
    case 0x47:
    case 0x4b:
    case 0x4f:
    case 0x53: {
      const packed = decodeFloat(word);
      if (packed < 0) return Op.Illegal;
      out.rd = (word >>> 7) & 31; // float unit: x0 as a destination handled there
      out.imm = packed;
      return Op.Float;
    }
    default:
      return Op.Illegal;
  }
}
