/**
 * More address spaces than the hardware has ids: x86-64 has 4095 PCIDs for processes (Sv39 65535
 * ASIDs). The kernel then shares ids round-robin and the MMU flushes an id installed with another
 * root than its entries came from, as Linux recycles PCIDs: each process still sees only its own
 * memory, and the TLB never disagrees with the tables.
 */
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/kernel/kernel.js';
import { Access, PageFlags as F, Mode } from '../../src/mmu/flags.js';
import { createFormat } from '../../src/mmu/formats.js';
import { Mmu } from '../../src/mmu/mmu.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { PhysicalMemory } from '../../src/phys/physical-memory.js';
import { SequentialFrames } from './helpers.js';

describe('PCID recycling', () => {
  it("a 4096th process on x86-64 shares a PCID, and two sharers never see each other's pages", () => {
    const kernel = new Kernel({ format: 'x86-64', ramBytes: 64 << 20, maxProcesses: 4200 });
    const pids: number[] = [];
    for (let k = 0; k < 4100; k++) pids.push(kernel.createProcess().pid);
    const asids = pids.map((pid) => kernel.process(pid).asid);
    expect(new Set(asids).size).toBe(4095);
    expect(Math.min(...asids)).toBe(1);
    expect(Math.max(...asids)).toBe(4095);
    // The first recycled id goes to process 4096 and is also process 1's.
    const first = kernel.process(pids[0]);
    const sharer = kernel.process(pids[4095]);
    expect(sharer.asid).toBe(first.asid);

    const va = first.space.mapAnon(4096);
    expect(sharer.space.mapAnon(4096)).toBe(va);
    for (let round = 0; round < 3; round++) {
      first.space.write(va, new Uint8Array([10 + round]));
      sharer.space.write(va, new Uint8Array([20 + round]));
      const seen = new Uint8Array(1);
      first.space.read(va, seen);
      expect(seen[0]).toBe(10 + round);
      sharer.space.read(va, seen);
      expect(seen[0]).toBe(20 + round);
      kernel.check();
    }
    kernel.exit(first.pid);
    kernel.exit(sharer.pid);
    expect(kernel.asids.holdersOf(first.asid)).toBe(0);
    // The freed id is free again: the next process takes it, alone.
    expect(kernel.createProcess().asid).toBe(first.asid);
    kernel.check();
  });

  it('setRoot flushes an ASID last installed with another root, even when asked to keep it', () => {
    const memory = new PhysicalMemory(16 << 20);
    for (const name of ['x86-64', 'sv39'] as const) {
      const pt = new PageTables(
        createFormat(name),
        memory,
        new SequentialFrames(memory, name === 'sv39' ? 0x800000 : 0x100000),
      );
      const a = pt.createRoot(1);
      const b = pt.createRoot(2);
      pt.map(a, 0x5000, 0x9000, 4096, F.Read | F.User);
      pt.map(b, 0x5000, 0xa000, 4096, F.Read | F.User);
      const mmu = new Mmu(pt);
      mmu.setRoot(a, 7, true);
      expect(mmu.translate(0x5010, Access.Read, Mode.User)).toBe(0x9010);
      mmu.setRoot(b, 7, true); // the same id, another root: its entries must go
      expect(mmu.translate(0x5010, Access.Read, Mode.User)).toBe(0xa010);
      mmu.setRoot(b, 7, true); // the same root again: kept
      expect(mmu.translate(0x5010, Access.Read, Mode.User)).toBe(0xa010);
      expect(mmu.tlb.counters()).toMatchObject({ hits: 1, misses: 2 });
      expect(mmu.tlbDisagreements()).toEqual([]);
    }
  });
});
