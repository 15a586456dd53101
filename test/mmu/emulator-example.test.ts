/**
 * The emulator example of docs/mmu.md run as written, and what it relies on: physical memory of
 * the emulator's own (ArrayBuffer, WebAssembly.Memory), guest-built roots, MAXPHYADDR per format,
 * a TLB passed in and shared, and the batch translations.
 */
import { describe, expect, it } from 'vitest';
import { runEmulatorLoop } from '../../docs/examples/emulator-loop.js';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { Access, FaultCause, Mode, RiscvCause } from '../../src/mmu/flags.js';
import { createFormat } from '../../src/mmu/formats.js';
import { BufferMemory } from '../../src/mmu/memory-access.js';
import { Mmu } from '../../src/mmu/mmu.js';
import { Tlb } from '../../src/mmu/tlb.js';

describe('the emulator example', () => {
  it('sums the guest buffer through one batch call and reports the store fault', () => {
    expect(runEmulatorLoop()).toEqual({
      sum: (4095 * 4096) / 2,
      fault: { cause: FaultCause.Protection, scause: RiscvCause.StorePageFault, stval: 0x10008 },
      // A miss for each of the 4 buffer pages and for the code page; no page was translated twice.
      tlb: { hits: 0, misses: 5 },
    });
  });
});

/** An i386 guest: a page directory at 0x1000, a page table at 0x2000, written as words. */
function i386Guest(backing: ArrayBuffer | WebAssembly.Memory) {
  const memory = new BufferMemory(backing);
  memory.write32(0x1000, 0x2000 | 0x7); // PDE 0: P RW US -> table 0x2000
  memory.write32(0x2000 + 5 * 4, 0x9000 | 0x7); // PTE 5: va 0x5000 -> 0x9000
  memory.write32(0x2000 + 6 * 4, 0xa000 | 0x5); // PTE 6: va 0x6000 -> 0xa000, read-only
  return memory;
}

describe('an MMU over memory of its own', () => {
  it('walks a guest root in an ArrayBuffer and sets A and D in the guest words', () => {
    const buffer = new ArrayBuffer(1 << 20);
    const memory = i386Guest(buffer);
    const mmu = new Mmu({ format: createFormat('i386'), memory }, { root: 0x1000 });
    expect(mmu.translate(0x5123, Access.Write, Mode.User)).toBe(0x9123);
    expect(new Uint32Array(buffer)[(0x2000 + 5 * 4) >>> 2]).toBe(0x9000 | 0x7 | 0x20 | 0x40);
    expect(mmu.translate(0x6000, Access.Write, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.Protection);
    expect(mmu.faultCode).toBe(0x7); // P W U
    expect(() => mmu.setRoot(0x1800)).toThrow(InvalidArgumentError);
    expect(() => mmu.setRoot(1 << 20)).toThrow(InvalidArgumentError);
  });

  it('follows a WebAssembly.Memory that grows', () => {
    const ram = new WebAssembly.Memory({ initial: 1 });
    const memory = i386Guest(ram);
    const mmu = new Mmu({ format: createFormat('i386'), memory }, { root: 0x1000 });
    ram.grow(1);
    expect(memory.size).toBe(2 * 65536);
    memory.write32(0x2000 + 7 * 4, 0x18000 | 0x7); // a frame in the new 64 KiB
    expect(mmu.translate(0x7004, Access.Read, Mode.User)).toBe(0x18004);
  });

  it('x86-64 with MAXPHYADDR 52 maps frames above 4 GiB; past RAM they fault', () => {
    const format = createFormat('x86-64', { maxPhysicalBits: 52 });
    expect(format.maxPhysicalBits).toBe(52);
    const memory = new BufferMemory(new ArrayBuffer(1 << 20));
    const entry = new Uint32Array(2);
    const write = (at: number, pa: number, level: number, table: boolean) => {
      if (table) format.encodeTable(pa, level, entry);
      else format.encodeLeaf(pa, format.effectiveFlags(0x1 | 0x2 | 0x8), level, entry);
      memory.write32(at, entry[0]);
      memory.write32(at + 4, entry[1]);
    };
    write(0x1000, 0x2000, 3, true);
    write(0x2000, 0x3000, 2, true);
    write(0x3000, 0x4000, 1, true);
    write(0x4000 + 8, 2 ** 40 + 0x5000, 0, false);
    expect(format.addressOf(memory.read32(0x4008), memory.read32(0x400c), 0)).toBe(2 ** 40 + 0x5000);
    expect(format.hasReservedBits(memory.read32(0x4008), memory.read32(0x400c), 0)).toBe(false);
    const mmu = new Mmu({ format, memory }, { root: 0x1000 });
    expect(mmu.translate(0x1010, Access.Read, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.AccessFault);
    // The same entry with MAXPHYADDR 32 has reserved bits set.
    const narrow = createFormat('x86-64');
    expect(narrow.hasReservedBits(memory.read32(0x4008), memory.read32(0x400c), 0)).toBe(true);
    expect(() => createFormat('x86-64', { maxPhysicalBits: 53 })).toThrow(InvalidArgumentError);
    expect(() => createFormat('sv39', { maxPhysicalBits: 40 })).toThrow(InvalidArgumentError);
  });

  it('two MMUs share one TLB, taking turns, each with its own ASID', () => {
    const memory = i386Guest(new ArrayBuffer(1 << 20));
    const tlb = new Tlb({ entries: 16, ways: 4 });
    const first = new Mmu({ format: createFormat('i386'), memory }, { tlb, root: 0x1000 });
    const second = new Mmu({ format: createFormat('i386'), memory }, { tlb, root: 0x1000 });
    expect(first.translate(0x5000, Access.Read, Mode.User)).toBe(0x9000);
    expect(second.translate(0x5000, Access.Read, Mode.User)).toBe(0x9000); // the shared entry, found in its set
    expect(first.translate(0x5004, Access.Read, Mode.User)).toBe(0x9004);
    expect(tlb.counters()).toMatchObject({ hits: 2, misses: 1 });
    tlb.check();
  });

  it('translateRange and translateMany stop at the first fault', () => {
    const memory = i386Guest(new ArrayBuffer(1 << 20));
    const mmu = new Mmu({ format: createFormat('i386'), memory }, { root: 0x1000 });
    const out = new Float64Array(2048);
    expect(mmu.translateRange(0x5ff8, 4, 4, Access.Read, Mode.User, out)).toBe(4);
    expect([...out.subarray(0, 4)]).toEqual([0x9ff8, 0x9ffc, 0xa000, 0xa004]);
    expect(mmu.translateRange(0x6ff8, 4, 4, Access.Read, Mode.User, out)).toBe(2);
    expect(mmu.faultAddress).toBe(0x7000);
    expect(mmu.faultCause).toBe(FaultCause.NotPresent);
    expect(mmu.translateMany([0x5000, 0x6010, 0x7000], 3, Access.Read, Mode.User, out)).toBe(2);
    expect([...out.subarray(0, 2)]).toEqual([0x9000, 0xa010]);
    expect(() => mmu.translateRange(0x5000, 4, 0, Access.Read, Mode.User, out)).toThrow(InvalidArgumentError);
    expect(() => mmu.translateRange(0x5000, 4096, 4, Access.Read, Mode.User, out)).toThrow(
      InvalidArgumentError,
    );
  });
});
