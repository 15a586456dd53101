/**
 * A bare machine for the hart's tests: RAM, Sv39 tables built with PageTables, an MMU with one
 * user address space, a hart, and a minimal ELF64 reader that maps a static program's PT_LOAD
 * segments with their permissions. Stands in for the kernel: no system call but exit.
 */

import { Hart, StopReason } from '../../src/cpu/hart.js';
import { PageFlags } from '../../src/mmu/flags.js';
import { Mmu } from '../../src/mmu/mmu.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { Sv39Format } from '../../src/mmu/sv39-format.js';
import { PhysicalMemory } from '../../src/phys/physical-memory.js';
import { SequentialFrames } from '../mmu/helpers.js';

export const USER_RW = PageFlags.Read | PageFlags.Write | PageFlags.User;
export const USER_RX = PageFlags.Read | PageFlags.Execute | PageFlags.User;
export const STACK_TOP = 0x3fffff0000;

export interface ExitResult {
  status: number;
  /** gp at the exit: the riscv-tests' test number. */
  testNumber: number;
  instructions: number;
}

export class TestMachine {
  readonly memory: PhysicalMemory;
  readonly frames: SequentialFrames;
  readonly pageTables: PageTables;
  readonly mmu: Mmu;
  readonly root: number;
  readonly hart: Hart;
  /** Physical address of each mapped page, by virtual page number. */
  readonly pages = new Map<number, number>();

  /** Where the stack ends (its top); below 2^38 with the MMU, inside RAM when flat. */
  readonly stackTop: number;
  /** Flat: no translation, virtual addresses are physical (Hart's flat option). */
  readonly flat: boolean;

  constructor(options: { ramBytes?: number; asid?: number; flat?: boolean } = {}) {
    const ramBytes = options.ramBytes ?? 32 * 1024 * 1024;
    const asid = options.asid ?? 1;
    this.flat = options.flat ?? false;
    this.memory = new PhysicalMemory(ramBytes);
    this.frames = new SequentialFrames(this.memory, 0x100000);
    this.pageTables = new PageTables(new Sv39Format(), this.memory, this.frames);
    this.mmu = new Mmu(this.pageTables);
    this.root = this.pageTables.createRoot(asid);
    this.mmu.setRoot(this.root, asid);
    this.hart = new Hart(this.mmu, this.memory, { flat: this.flat });
    this.stackTop = this.flat ? ramBytes - 4096 : STACK_TOP;
  }

  /** Maps a fresh zeroed frame at `va` (page-aligned) and returns its physical address. */
  mapPage(va: number, flags: number): number {
    if (this.flat) {
      this.pages.set(va / 4096, va);
      return va;
    }
    const pa = this.frames.allocFrame(0 as never, 1);
    this.pageTables.map(this.root, va, pa, 4096, flags);
    this.pages.set(va / 4096, pa);
    return pa;
  }

  /** Copies bytes to mapped virtual memory (as the kernel would: no translation, no A/D). */
  write(va: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const page = this.pages.get(Math.floor((va + i) / 4096));
      if (page === undefined) throw new Error(`write to unmapped ${(va + i).toString(16)}`);
      this.memory.write8(page + ((va + i) % 4096), bytes[i]);
    }
  }

  /** Loads a static ELF64 RISC-V executable: maps its segments and a stack, sets pc and sp. */
  loadElf(image: Uint8Array): void {
    const data = new DataView(image.buffer, image.byteOffset, image.byteLength);
    if (data.getUint32(0) !== 0x7f454c46 || image[4] !== 2 || data.getUint16(18, true) !== 243) {
      throw new Error('not an ELF64 RISC-V executable');
    }
    const entry = Number(data.getBigUint64(24, true));
    const phoff = Number(data.getBigUint64(32, true));
    const phentsize = data.getUint16(54, true);
    const phnum = data.getUint16(56, true);
    const pageFlags = new Map<number, number>();
    const segments: { vaddr: number; offset: number; filesz: number }[] = [];
    for (let i = 0; i < phnum; i++) {
      const at = phoff + i * phentsize;
      if (data.getUint32(at, true) !== 1) continue; // PT_LOAD
      const elfFlags = data.getUint32(at + 4, true);
      const offset = Number(data.getBigUint64(at + 8, true));
      const vaddr = Number(data.getBigUint64(at + 16, true));
      const filesz = Number(data.getBigUint64(at + 32, true));
      const memsz = Number(data.getBigUint64(at + 40, true));
      let flags = PageFlags.User;
      if (elfFlags & 4) flags |= PageFlags.Read;
      if (elfFlags & 2) flags |= PageFlags.Write | PageFlags.Read;
      if (elfFlags & 1) flags |= PageFlags.Execute;
      for (let page = Math.floor(vaddr / 4096); page * 4096 < vaddr + memsz; page++) {
        pageFlags.set(page, (pageFlags.get(page) ?? 0) | flags);
      }
      segments.push({ vaddr, offset, filesz });
    }
    for (const [page, flags] of pageFlags) this.mapPage(page * 4096, flags);
    for (const s of segments) this.write(s.vaddr, image.subarray(s.offset, s.offset + s.filesz));
    for (let i = 1; i <= 4; i++) this.mapPage(this.stackTop - i * 4096, USER_RW);
    this.hart.pc = entry;
    this.hart.writeRegister(2, BigInt(this.stackTop - 64));
  }

  /** Runs until the exit system call (93 or 94); any other trap throws with its cause and value. */
  runToExit(limit = 50_000_000): ExitResult {
    const hart = this.hart;
    while (hart.instret < limit) {
      if (hart.run(limit - hart.instret) === StopReason.Budget) break;
      const number = hart.readRegister(17);
      if (hart.trapCause === 8 && (number === 93n || number === 94n)) {
        return {
          status: Number(hart.readRegister(10) & 0xffn),
          testNumber: Number(hart.readRegister(3)),
          instructions: hart.instret,
        };
      }
      throw new Error(
        `trap cause ${hart.trapCause} value 0x${hart.trapValue.toString(16)} at pc 0x${hart.pc.toString(16)}`,
      );
    }
    throw new Error(`no exit within ${limit} instructions (pc 0x${hart.pc.toString(16)})`);
  }
}
