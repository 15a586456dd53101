/**
 * The C extension: expands a 16-bit compressed instruction into the 32-bit instruction it stands
 * for (RISC-V unprivileged spec, "C" chapter, RV64 quadrants), so one decoder serves both. A
 * reserved encoding expands to 0, which decodes as illegal.
 */

const bit = (half: number, at: number): number => (half >>> at) & 1;
const bits = (half: number, high: number, low: number): number =>
  (half >>> low) & ((1 << (high - low + 1)) - 1);
/** A 3-bit register field (x8..x15) at `low`. */
const small = (half: number, low: number): number => 8 + bits(half, low + 2, low);
const signed = (value: number, width: number): number => (value << (32 - width)) >> (32 - width);

function iType(imm: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  return ((imm & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode;
}

function sType(imm: number, rs2: number, rs1: number, funct3: number, opcode: number): number {
  return (
    (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((imm & 31) << 7) | opcode
  );
}

function rType(funct7: number, rs2: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  return (funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode;
}

function bType(imm: number, rs1: number, funct3: number): number {
  return (
    (((imm >> 12) & 1) << 31) |
    (((imm >> 5) & 0x3f) << 25) |
    (rs1 << 15) |
    (funct3 << 12) |
    (((imm >> 1) & 0xf) << 8) |
    (((imm >> 11) & 1) << 7) |
    0x63
  );
}

function jType(imm: number, rd: number): number {
  return (
    (((imm >> 20) & 1) << 31) |
    (((imm >> 1) & 0x3ff) << 21) |
    (((imm >> 11) & 1) << 20) |
    (((imm >> 12) & 0xff) << 12) |
    (rd << 7) |
    0x6f
  );
}

/** Offsets of the doubleword forms (C.LD, C.SD, C.FLD, C.FSD): uimm[5:3] bits 12:10, [7:6] bits 6:5. */
const offsetD = (half: number): number => (bits(half, 12, 10) << 3) | (bits(half, 6, 5) << 6);
/** C.LW / C.SW: uimm[5:3] bits 12:10, [2] bit 6, [6] bit 5. */
const offsetW = (half: number): number =>
  (bits(half, 12, 10) << 3) | (bit(half, 6) << 2) | (bit(half, 5) << 6);
/** The six-bit signed immediate of C.ADDI, C.LI, C.ANDI...: imm[5] bit 12, [4:0] bits 6:2. */
const imm6 = (half: number): number => signed((bit(half, 12) << 5) | bits(half, 6, 2), 6);

/** The 32-bit instruction `half` expands to, or 0 when reserved. */
export function expandCompressed(half: number): number {
  const funct3 = bits(half, 15, 13);
  switch (half & 3) {
    case 0:
      return quadrant0(half, funct3);
    case 1:
      return quadrant1(half, funct3);
    case 2:
      return quadrant2(half, funct3);
    default:
      return 0;
  }
}

function quadrant0(half: number, funct3: number): number {
  const rdSmall = small(half, 2);
  const rs1Small = small(half, 7);
  switch (funct3) {
    case 0: {
      const imm =
        (bits(half, 12, 11) << 4) | (bits(half, 10, 7) << 6) | (bit(half, 6) << 2) | (bit(half, 5) << 3);
      return imm === 0 ? 0 : iType(imm, 2, 0, rdSmall, 0x13); // c.addi4spn
    }
    case 1:
      return iType(offsetD(half), rs1Small, 3, rdSmall, 0x07); // c.fld
    case 2:
      return iType(offsetW(half), rs1Small, 2, rdSmall, 0x03); // c.lw
    case 3:
      return iType(offsetD(half), rs1Small, 3, rdSmall, 0x03); // c.ld
    case 5:
      return sType(offsetD(half), rdSmall, rs1Small, 3, 0x27); // c.fsd
    case 6:
      return sType(offsetW(half), rdSmall, rs1Small, 2, 0x23); // c.sw
    case 7:
      return sType(offsetD(half), rdSmall, rs1Small, 3, 0x23); // c.sd
    default:
      return 0;
  }
}

function quadrant1(half: number, funct3: number): number {
  const rd = bits(half, 11, 7);
  switch (funct3) {
    case 0:
      return iType(imm6(half), rd, 0, rd, 0x13); // c.addi (c.nop)
    case 1:
      return rd === 0 ? 0 : iType(imm6(half), rd, 0, rd, 0x1b); // c.addiw
    case 2:
      return iType(imm6(half), 0, 0, rd, 0x13); // c.li
    case 3: {
      if (rd === 2) {
        const imm = signed(
          (bit(half, 12) << 9) |
            (bit(half, 6) << 4) |
            (bit(half, 5) << 6) |
            (bits(half, 4, 3) << 7) |
            (bit(half, 2) << 5),
          10,
        );
        return imm === 0 ? 0 : iType(imm, 2, 0, 2, 0x13); // c.addi16sp
      }
      const imm = imm6(half);
      return imm === 0 ? 0 : ((imm << 12) & 0xfffff000) | (rd << 7) | 0x37; // c.lui
    }
    case 4:
      return arithmetic(half);
    case 5: {
      const imm = signed(
        (bit(half, 12) << 11) |
          (bit(half, 11) << 4) |
          (bits(half, 10, 9) << 8) |
          (bit(half, 8) << 10) |
          (bit(half, 7) << 6) |
          (bit(half, 6) << 7) |
          (bits(half, 5, 3) << 1) |
          (bit(half, 2) << 5),
        12,
      );
      return jType(imm, 0); // c.j
    }
    default: {
      const imm = signed(
        (bit(half, 12) << 8) |
          (bits(half, 11, 10) << 3) |
          (bits(half, 6, 5) << 6) |
          (bits(half, 4, 3) << 1) |
          (bit(half, 2) << 5),
        9,
      );
      return bType(imm, small(half, 7), funct3 === 6 ? 0 : 1); // c.beqz, c.bnez
    }
  }
}

/** Quadrant 1, funct3 100: shifts, c.andi and the register-register operations. */
function arithmetic(half: number): number {
  const rd = small(half, 7);
  const rs2 = small(half, 2);
  const shamt = (bit(half, 12) << 5) | bits(half, 6, 2);
  switch (bits(half, 11, 10)) {
    case 0:
      return iType(shamt, rd, 5, rd, 0x13); // c.srli
    case 1:
      return iType(shamt | 0x400, rd, 5, rd, 0x13); // c.srai
    case 2:
      return iType(imm6(half), rd, 7, rd, 0x13); // c.andi
    default: {
      const which = bits(half, 6, 5);
      if (bit(half, 12) === 0) {
        const funct3 = [0, 4, 6, 7][which];
        return rType(which === 0 ? 0x20 : 0, rs2, rd, funct3, rd, 0x33); // c.sub, c.xor, c.or, c.and
      }
      if (which === 0) return rType(0x20, rs2, rd, 0, rd, 0x3b); // c.subw
      if (which === 1) return rType(0, rs2, rd, 0, rd, 0x3b); // c.addw
      return 0;
    }
  }
}

function quadrant2(half: number, funct3: number): number {
  const rd = bits(half, 11, 7);
  const rs2 = bits(half, 6, 2);
  const spD = (bit(half, 12) << 5) | (bits(half, 6, 5) << 3) | (bits(half, 4, 2) << 6);
  const storeD = (bits(half, 12, 10) << 3) | (bits(half, 9, 7) << 6);
  switch (funct3) {
    case 0:
      return iType((bit(half, 12) << 5) | rs2, rd, 1, rd, 0x13); // c.slli
    case 1:
      return iType(spD, 2, 3, rd, 0x07); // c.fldsp
    case 2: {
      const imm = (bit(half, 12) << 5) | (bits(half, 6, 4) << 2) | (bits(half, 3, 2) << 6);
      return rd === 0 ? 0 : iType(imm, 2, 2, rd, 0x03); // c.lwsp
    }
    case 3:
      return rd === 0 ? 0 : iType(spD, 2, 3, rd, 0x03); // c.ldsp
    case 4:
      if (bit(half, 12) === 0) {
        if (rs2 === 0) return rd === 0 ? 0 : iType(0, rd, 0, 0, 0x67); // c.jr
        return rType(0, rs2, 0, 0, rd, 0x33); // c.mv
      }
      if (rs2 === 0) return rd === 0 ? 0x00100073 : iType(0, rd, 0, 1, 0x67); // c.ebreak, c.jalr
      return rType(0, rs2, rd, 0, rd, 0x33); // c.add
    case 5:
      return sType(storeD, rs2, 2, 3, 0x27); // c.fsdsp
    case 6:
      return sType((bits(half, 12, 9) << 2) | (bits(half, 8, 7) << 6), rs2, 2, 2, 0x23); // c.swsp
    default:
      return sType(storeD, rs2, 2, 3, 0x23); // c.sdsp
  }
}
