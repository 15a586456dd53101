/**
 * An emulator's memory loop on pageframe's MMU, as docs/mmu.md ("For emulator authors") tells it,
 * and run as a test (test/mmu/emulator-example.test.ts). In a project that installed the package,
 * import the same names from 'pageframe'.
 *
 * The emulator already has its guest's RAM (here a WebAssembly.Memory); the guest's kernel has
 * written Sv39 page tables into it; the MMU walks them from the guest's satp, caches the
 * translations in a TLB the emulator may share between harts, and a hot loop translates a whole
 * buffer in one call.
 */
import { Access, BufferMemory, createFormat, FaultCause, Mmu, Mode, Tlb } from '../../src/mmu/index.js';

const PAGE = 4096;
/** Sv39 PTE bits: valid, read, write, execute, user. */
const V = 1;
const R = 2;
const W = 4;
const X = 8;
const U = 16;

export interface EmulatorRun {
  /** The sum of the 4096 words of the guest's buffer, read through the translations. */
  sum: number;
  /** The guest's store into its read-only code page: the fault the emulator delivers. */
  fault: { cause: number; scause: number; stval: number };
  tlb: { hits: number; misses: number };
}

export function runEmulatorLoop(): EmulatorRun {
  // 16 MiB of guest RAM that the emulator owns (256 pages of 64 KiB).
  const ram = new WebAssembly.Memory({ initial: 256 });
  const words = new Uint32Array(ram.buffer);
  const writePte = (at: number, pa: number, bits: number) => {
    words[at >>> 2] = ((pa / PAGE) << 10) | bits; // PPN at bit 10; the high word stays 0 below 4 GiB
  };

  // What the guest kernel did: a root at 0x1000, one table per level, a code page at
  // 0x10000 (R X U) and a 16 KiB buffer at 0x20000 (R W U) in frames 0x80000 to 0x83000.
  const root = 0x1000;
  writePte(root + 0 * 8, 0x2000, V); // VPN[2] = 0 -> the level-1 table
  writePte(0x2000 + 0 * 8, 0x3000, V); // VPN[1] = 0 -> the level-0 table
  writePte(0x3000 + 0x10 * 8, 0x70000, V | R | X | U);
  for (let page = 0; page < 4; page++)
    writePte(0x3000 + (0x20 + page) * 8, 0x80000 + page * PAGE, V | R | W | U);
  for (let k = 0; k < 4096; k++) words[(0x80000 >>> 2) + k] = k;

  // The MMU over that memory: a TLB of the emulator's choosing, the guest's satp.
  const mmu = new Mmu(
    { format: createFormat('sv39'), memory: new BufferMemory(ram) },
    { tlb: new Tlb({ entries: 32 }) },
  );
  mmu.setRoot(root, 1); // satp: ASID 1, PPN of the root

  // The hot loop: one call translates the buffer's 4096 words (a TLB lookup per page).
  const physical = new Float64Array(4096);
  const done = mmu.translateRange(0x20000, 4096, 4, Access.Read, Mode.User, physical);
  if (done !== 4096) throw new Error(`unexpected fault at word ${done}: ${mmu.describeFault()}`);
  let sum = 0;
  for (let k = 0; k < 4096; k++) sum += words[physical[k] >>> 2];

  // A store into the code page: translate() returns -1 and says why, as scause and stval.
  const pa = mmu.translate(0x10008, Access.Write, Mode.User);
  if (pa !== -1 || mmu.faultCause !== FaultCause.Protection) throw new Error('the code page took a store');
  return {
    sum,
    fault: { cause: mmu.faultCause, scause: mmu.faultCode, stval: mmu.faultAddress },
    tlb: { hits: mmu.tlb.hits, misses: mmu.tlb.misses },
  };
}
