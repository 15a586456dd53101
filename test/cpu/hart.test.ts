/**
 * The hart against the privileged spec where the ISA tests do not reach: page faults with cause
 * and stval, A and D in the tables in RAM, R/W/X and U, ASID switches, invalidations seen by the
 * fast path, misaligned accesses (emulated), illegal instructions, ecall, the counters, the
 * access recorder, and context save / restore.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { StopReason } from '../../src/cpu/hart.js';
import { AccessKind } from '../../src/cpu/memory-port.js';
import { PageFlags } from '../../src/mmu/flags.js';
import { asm, code } from './assemble.js';
import { TestMachine, USER_RW, USER_RX } from './machine.js';

const CODE = 0x10000;
const DATA = 0x20000;
const A0 = 10;
const A1 = 11;
const A2 = 12;
const T0 = 5;

/** A machine with `program` at CODE (then ecall), a data page at DATA, and a0 = DATA. */
function machineWith(program: number[], dataFlags = USER_RW): TestMachine {
  const machine = new TestMachine();
  machine.mapPage(CODE, USER_RX);
  machine.write(CODE, code(...program, asm.ecall()));
  if (dataFlags !== 0) machine.mapPage(DATA, dataFlags);
  machine.hart.pc = CODE;
  machine.hart.writeRegister(A0, BigInt(DATA));
  return machine;
}

function leafFlags(machine: TestMachine, va: number): number {
  return machine.pageTables.lookup(machine.root, va).flags;
}

function expectTrap(machine: TestMachine, cause: number, value: number, pc: number): void {
  expect(machine.hart.run(1000)).toBe(StopReason.Trap);
  expect({ cause: machine.hart.trapCause, value: machine.hart.trapValue, pc: machine.hart.pc }).toEqual({
    cause,
    value,
    pc,
  });
}

describe('page faults', () => {
  it('a load from an unmapped page faults with cause 13 and stval, and resumes once mapped', () => {
    const machine = machineWith([asm.addi(A1, 0, 7), asm.lw(A1, A0, 0x10)], 0);
    expectTrap(machine, 13, DATA + 0x10, CODE + 4);
    expect(machine.hart.readRegister(A1)).toBe(7n); // the faulting load changed nothing
    expect(machine.hart.instret).toBe(1);
    const pa = machine.mapPage(DATA, USER_RW);
    machine.memory.write32(pa + 0x10, 0x8000_0001);
    expectTrap(machine, 8, 0, CODE + 8);
    expect(machine.hart.readRegister(A1)).toBe(-0x7fff_ffffn);
  });

  it('a store to a read-only page faults with cause 15 and leaves memory as it was', () => {
    const machine = machineWith([asm.addi(A1, 0, 99), asm.sw(A1, A0, 8)], PageFlags.Read | PageFlags.User);
    expectTrap(machine, 15, DATA + 8, CODE + 4);
    expect(machine.memory.read32(machine.pages.get(DATA / 4096)! + 8)).toBe(0);
  });

  it('a fetch from a page without X faults with cause 12 at the jump target', () => {
    const machine = machineWith([asm.jalr(1, A0, 0)]);
    expectTrap(machine, 12, DATA, DATA);
    expect(machine.hart.readRegister(1)).toBe(BigInt(CODE + 4)); // the jump itself retired
  });

  it('a supervisor page (U = 0) faults from user mode for loads and fetches', () => {
    const machine = machineWith([asm.lw(A1, A0, 0)], PageFlags.Read | PageFlags.Write);
    expectTrap(machine, 13, DATA, CODE);
    const fetch = machineWith([asm.jalr(0, A0, 0)], PageFlags.Read | PageFlags.Execute);
    expectTrap(fetch, 12, DATA, DATA);
  });

  it('with MXR a load may read an execute-only page; without it, it faults; stores fault either way', () => {
    const executeOnly = PageFlags.Execute | PageFlags.User;
    const machine = machineWith([asm.lw(A1, A0, 0)], executeOnly);
    machine.memory.write32(machine.pages.get(DATA / 4096)!, 42);
    expectTrap(machine, 13, DATA, CODE);
    machine.hart.mxr = true;
    expectTrap(machine, 8, 0, CODE + 4);
    expect(machine.hart.readRegister(A1)).toBe(42n);
    const store = machineWith([asm.sw(A1, A0, 0)], executeOnly);
    store.hart.mxr = true;
    expectTrap(store, 15, DATA, CODE);
  });

  it('an address in the upper half or beyond Sv39 faults without reaching the fast path', () => {
    const machine = machineWith([asm.addi(A1, 0, -1), asm.ld(A2, A1, 0)]);
    expectTrap(machine, 13, -1, CODE + 4);
    const wide = machineWith([asm.lui(A1, 0x80000), asm.add(A1, A1, A1), asm.ld(A2, A1, 0)]);
    expectTrap(wide, 13, -(2 ** 32), CODE + 8);
  });
});

describe('accessed and dirty bits', () => {
  it('a load sets A in the leaf in RAM; the first store after it still walks and sets D', () => {
    const machine = machineWith([asm.lw(A1, A0, 0)]);
    expect(leafFlags(machine, DATA) & (PageFlags.Accessed | PageFlags.Dirty)).toBe(0);
    machine.hart.run(1000);
    expect(leafFlags(machine, DATA) & (PageFlags.Accessed | PageFlags.Dirty)).toBe(PageFlags.Accessed);
    expect(leafFlags(machine, CODE) & PageFlags.Accessed).toBe(PageFlags.Accessed);
    const walks = machine.mmu.walks;
    machine.write(CODE + 8, code(asm.sw(A1, A0, 4), asm.ecall()));
    machine.hart.pc += 4;
    machine.hart.run(1000);
    expect(leafFlags(machine, DATA) & PageFlags.Dirty).toBe(PageFlags.Dirty);
    expect(machine.mmu.walks).toBe(walks + 1); // the read-only fast entry did not serve the store
    expect(leafFlags(machine, CODE) & PageFlags.Dirty).toBe(0);
  });
});

describe('the fast path stays coherent', () => {
  let machine: TestMachine;
  beforeEach(() => {
    machine = machineWith([asm.lw(A1, A0, 0)]);
  });

  it('sees a remap once the kernel invalidates the page', () => {
    const first = machine.pages.get(DATA / 4096)!;
    machine.memory.write32(first, 111);
    machine.hart.run(1000);
    expect(machine.hart.readRegister(A1)).toBe(111n);
    // Remap without invalidating: like hardware, the cached translation is still used.
    const second = machine.frames.allocFrame(0 as never, 1);
    machine.memory.write32(second, 222);
    machine.pageTables.unmap(machine.root, DATA);
    machine.pageTables.map(machine.root, DATA, second, 4096, USER_RW);
    machine.hart.pc = CODE;
    machine.hart.run(1000);
    expect(machine.hart.readRegister(A1)).toBe(111n);
    expect(machine.mmu.tlbDisagreements().length).toBe(1);
    machine.mmu.invalidatePage(DATA);
    machine.hart.pc = CODE;
    machine.hart.run(1000);
    expect(machine.hart.readRegister(A1)).toBe(222n);
    expect(machine.mmu.tlbDisagreements()).toEqual([]);
  });

  it('switches address spaces with the ASID: the same address reads each space’s frame', () => {
    const otherRoot = machine.pageTables.createRoot(2);
    const otherCode = machine.frames.allocFrame(0 as never, 2);
    const otherData = machine.frames.allocFrame(0 as never, 2);
    machine.pageTables.map(otherRoot, CODE, otherCode, 4096, USER_RX);
    machine.pageTables.map(otherRoot, DATA, otherData, 4096, USER_RW);
    machine.memory.write(otherCode, code(asm.lw(A1, A0, 0), asm.ecall()));
    machine.memory.write32(machine.pages.get(DATA / 4096)!, 1);
    machine.memory.write32(otherData, 2);
    const first = machine.hart.saveContext();
    const values: bigint[] = [];
    for (const [root, asid] of [
      [machine.root, 1],
      [otherRoot, 2],
      [machine.root, 1],
    ]) {
      machine.mmu.setRoot(root, asid);
      machine.hart.restoreContext(first);
      machine.hart.run(1000);
      values.push(machine.hart.readRegister(A1));
    }
    expect(values).toEqual([1n, 2n, 1n]);
  });

  it('counts every access as a TLB hit or miss, the fast path holding only what the TLB holds', () => {
    const program: number[] = [];
    // Loads from 80 pages: more than the 64-entry TLB, so entries are evicted on the way.
    for (let page = 0; page < 80; page++) {
      machine.mapPage(0x100000 + page * 4096, USER_RW);
    }
    program.push(asm.lui(A0, 0x100));
    for (let page = 0; page < 80; page++)
      program.push(asm.lw(A1, A0, 0), asm.lui(T0, 1), asm.add(A0, A0, T0));
    machine.write(CODE, code(...program, asm.ecall()));
    machine.hart.run(1000);
    machine.hart.pc = CODE;
    machine.hart.run(1000);
    const tlb = machine.mmu.tlb;
    const hart = machine.hart;
    expect(hart.translationHits + tlb.hits + tlb.misses).toBe(hart.instret + hart.dataAccesses);
    expect(tlb.misses).toBeGreaterThan(160); // both passes missed on every data page
    expect(machine.mmu.tlbDisagreements()).toEqual([]);
  });
});

describe('misaligned accesses are emulated', () => {
  it('a load and a store crossing a page boundary move the right bytes', () => {
    const machine = machineWith([asm.ld(A1, A0, 0x7fc), asm.sd(A1, A0, 0x7f9)]);
    machine.hart.writeRegister(A0, BigInt(DATA + 0x800));
    const next = machine.mapPage(DATA + 4096, USER_RW);
    const first = machine.pages.get(DATA / 4096)!;
    machine.memory.write32(first + 0xffc, 0x44332211);
    machine.memory.write32(next, 0x88776655);
    expectTrap(machine, 8, 0, CODE + 8);
    expect(machine.hart.readRegister(A1)).toBe(-0x778899aabbccddefn);
    const bytes = new Uint8Array(8);
    for (let k = 0; k < 8; k++) bytes[k] = machine.memory.read8(k < 7 ? first + 0xff9 + k : next);
    expect([...bytes]).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
  });

  it('a store crossing into a read-only page faults at that page and writes nothing', () => {
    const machine = machineWith([asm.addi(A1, 0, -1), asm.sd(A1, A0, 0x7fc)]);
    machine.hart.writeRegister(A0, BigInt(DATA + 0x800));
    machine.mapPage(DATA + 4096, PageFlags.Read | PageFlags.User);
    expectTrap(machine, 15, DATA + 4096, CODE + 4);
    expect(machine.memory.read32(machine.pages.get(DATA / 4096)! + 0xffc)).toBe(0);
  });

  it('atomics must be aligned: a misaligned AMO raises cause 6', () => {
    const machine = machineWith([asm.addi(A0, A0, 2), asm.amoaddW(A1, A1, A0)]);
    expectTrap(machine, 6, DATA + 2, CODE + 4);
  });
});

describe('traps from instructions', () => {
  it('an illegal instruction stops with cause 2 and the instruction bits as stval', () => {
    expectTrap(machineWith([0xffffffff]), 2, 0xffffffff, CODE);
    expectTrap(machineWith([asm.sfenceVma()]), 2, 0x12000073, CODE); // privileged
    expectTrap(machineWith([asm.csrrs(A1, 0x100, 0)]), 2, asm.csrrs(A1, 0x100, 0), CODE); // sstatus
    expectTrap(machineWith([asm.csrrw(0, 0xc00, A1)]), 2, asm.csrrw(0, 0xc00, A1), CODE); // cycle is read-only
    expectTrap(machineWith([0x00010000 | 0x0000]), 2, 0, CODE); // c.unimp: the all-zero halfword
  });

  it('ecall stops before the instruction; the kernel advances pc and the program goes on', () => {
    const machine = machineWith([asm.addi(17, 0, 64), asm.ecall(), asm.addi(A2, A0, 0)]);
    expectTrap(machine, 8, 0, CODE + 4);
    machine.hart.writeRegister(A0, 5n);
    machine.hart.pc += 4;
    expectTrap(machine, 8, 0, CODE + 12);
    expect(machine.hart.readRegister(A2)).toBe(5n);
  });

  it('ebreak stops with cause 3; the budget stops with Budget and resumes exactly', () => {
    expectTrap(machineWith([asm.ebreak()]), 3, CODE, CODE);
    const machine = machineWith([asm.addi(A1, 0, 1), asm.addi(A1, A1, 1), asm.addi(A1, A1, 1)]);
    expect(machine.hart.run(2)).toBe(StopReason.Budget);
    expect({ pc: machine.hart.pc, a1: machine.hart.readRegister(A1) }).toEqual({ pc: CODE + 8, a1: 2n });
    expectTrap(machine, 8, 0, CODE + 12);
    expect(machine.hart.instret).toBe(3);
  });

  it('instret and cycle read the retired count', () => {
    const machine = machineWith([asm.addi(A1, 0, 0), asm.csrrs(A1, 0xc02, 0), asm.csrrs(A2, 0xc00, 0)]);
    machine.hart.run(1000);
    expect([machine.hart.readRegister(A1), machine.hart.readRegister(A2)]).toEqual([1n, 2n]);
  });
});

describe('the access recorder and contexts', () => {
  it('sees every fetch, load and store with its address and size', () => {
    const twoCompressedNops = 0x00010001;
    const machine = machineWith([asm.lw(A1, A0, 4), twoCompressedNops, asm.sb(A1, A0, 9)]);
    const seen: [number, number, number][] = [];
    machine.hart.onAccess = (kind, va, size) => seen.push([kind, va, size]);
    machine.hart.run(1000);
    expect(seen).toEqual([
      [AccessKind.Fetch, CODE, 4],
      [AccessKind.Load, DATA + 4, 4],
      [AccessKind.Fetch, CODE + 4, 2],
      [AccessKind.Fetch, CODE + 6, 2],
      [AccessKind.Fetch, CODE + 8, 4],
      [AccessKind.Store, DATA + 9, 1],
      [AccessKind.Fetch, CODE + 12, 4],
    ]);
  });

  it('restoreContext gives back the registers, pc and fcsr that saveContext took', () => {
    const machine = machineWith([asm.addi(A1, 0, -3)]);
    machine.hart.run(1000);
    machine.hart.frm = 3;
    machine.hart.f.setDoubleBits(7, 1, 2);
    const saved = machine.hart.saveContext();
    const other = new TestMachine();
    other.hart.restoreContext(saved);
    expect(other.hart.readRegister(A1)).toBe(-3n);
    expect(other.hart.pc).toBe(CODE + 4);
    expect(other.hart.saveContext()).toEqual(saved);
  });
});
