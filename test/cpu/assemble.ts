/** Encoders for the few RV64 instructions the hart's unit tests write by hand (little programs). */

const r = (funct7: number, rs2: number, rs1: number, funct3: number, rd: number, opcode: number): number =>
  ((funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
const i = (imm: number, rs1: number, funct3: number, rd: number, opcode: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
const s = (imm: number, rs2: number, rs1: number, funct3: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((imm & 31) << 7) | 0x23) >>> 0;

export const asm = {
  addi: (rd: number, rs1: number, imm: number) => i(imm, rs1, 0, rd, 0x13),
  add: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 0, rd, 0x33),
  lui: (rd: number, imm20: number) => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0,
  lb: (rd: number, rs1: number, imm: number) => i(imm, rs1, 0, rd, 0x03),
  lh: (rd: number, rs1: number, imm: number) => i(imm, rs1, 1, rd, 0x03),
  lw: (rd: number, rs1: number, imm: number) => i(imm, rs1, 2, rd, 0x03),
  ld: (rd: number, rs1: number, imm: number) => i(imm, rs1, 3, rd, 0x03),
  sb: (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 0),
  sw: (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 2),
  sd: (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 3),
  jalr: (rd: number, rs1: number, imm: number) => i(imm, rs1, 0, rd, 0x67),
  amoaddW: (rd: number, rs2: number, rs1: number) => r(0x00 << 2, rs2, rs1, 2, rd, 0x2f),
  lrW: (rd: number, rs1: number) => r(0x02 << 2, 0, rs1, 2, rd, 0x2f),
  csrrs: (rd: number, csr: number, rs1: number) => i(csr, rs1, 2, rd, 0x73),
  csrrw: (rd: number, csr: number, rs1: number) => i(csr, rs1, 1, rd, 0x73),
  ecall: () => 0x00000073,
  ebreak: () => 0x00100073,
  sfenceVma: () => 0x12000073,
};

/** Little-endian bytes of 32-bit instruction words. */
export function code(...words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [k, word] of words.entries()) view.setUint32(4 * k, word, true);
  return bytes;
}
