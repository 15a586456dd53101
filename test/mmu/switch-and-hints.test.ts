/**
 * What makes a process switch and a fault handler cheap without changing what the MMU does: a
 * switch empties the hit index instead of rebuilding it (the entries stay in their sets and count
 * as hits), and the leaf table a faulting walk read is noted for the handler until a table is freed.
 */
import { describe, expect, it } from 'vitest';
import { Access, PageFlags as F, FaultCause, Mode } from '../../src/mmu/flags.js';
import { createFormat } from '../../src/mmu/formats.js';
import { Mmu } from '../../src/mmu/mmu.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { PhysicalMemory } from '../../src/phys/physical-memory.js';
import { SequentialFrames } from './helpers.js';

const URW = F.Read | F.Write | F.User;
const PAGES = 40;

function setup(name: FormatName) {
  const memory = new PhysicalMemory(64 * 1024 * 1024);
  const pt = new PageTables(createFormat(name), memory, new SequentialFrames(memory, 0x100000));
  const roots = [pt.createRoot(1), pt.createRoot(2)];
  for (const [k, root] of roots.entries()) {
    for (let p = 0; p < PAGES; p++)
      pt.map(root, 0x400000 + p * 4096, 0x1000000 * (k + 1) + p * 4096, 4096, URW);
  }
  return { pt, roots, mmu: new Mmu(pt, { entries: 256, ways: 4 }) };
}

describe.each(['x86-64', 'sv39'] as const)('%s address-space switch', (name) => {
  it('keeps the entries of the ASID switched away from: back again, every page hits without a walk', () => {
    const { roots, mmu } = setup(name);
    const readAll = (base: number) => {
      for (let p = 0; p < PAGES; p++) {
        expect(mmu.translate(0x400000 + p * 4096 + 8, Access.Read, Mode.User)).toBe(base + p * 4096 + 8);
      }
    };
    mmu.setRoot(roots[0], 1, true);
    readAll(0x1000000);
    mmu.setRoot(roots[1], 2, true);
    readAll(0x2000000);
    expect(mmu.tlb.counters()).toMatchObject({ hits: 0, misses: 2 * PAGES });
    mmu.setRoot(roots[0], 1, true);
    mmu.tlb.check();
    readAll(0x1000000); // found in the sets, indexed again
    readAll(0x1000000); // through the hit index
    expect(mmu.tlb.counters()).toMatchObject({ hits: 2 * PAGES, misses: 2 * PAGES });
    expect(mmu.walks).toBe(2 * PAGES);
    mmu.tlb.check();
    expect(mmu.tlbDisagreements()).toEqual([]);
  });

  it('a switch to the current root and ASID changes nothing', () => {
    const { roots, mmu } = setup(name);
    mmu.setRoot(roots[0], 1, true);
    mmu.translate(0x400000, Access.Read, Mode.User);
    mmu.setRoot(roots[0], 1, true);
    expect(mmu.translate(0x400010, Access.Read, Mode.User)).toBe(0x1000010);
    expect(mmu.tlb.counters()).toMatchObject({ hits: 1, misses: 1 });
    mmu.tlb.check();
  });
});

describe.each(['i386', 'x86-64', 'sv39'] as const)('%s leaf table noted by a faulting walk', (name) => {
  it('names the table the walk read, for that root and leaf-table span only, until a table is freed', () => {
    const { pt, roots, mmu } = setup(name);
    const [root, other] = roots;
    mmu.setRoot(root, name === 'i386' ? 0 : 1);
    const span = pt.format.entriesPerTable * 4096;
    const absent = 0x400000 + PAGES * 4096;
    const entry = pt.lookup(root, 0x400000).entryAddress;
    const table = entry - (entry % 4096);
    expect(pt.knownLeafTable(root, absent)).toBe(-1);
    expect(mmu.translate(absent, Access.Write, Mode.User)).toBe(-1);
    expect([mmu.faultCause, mmu.faultLevel]).toEqual([FaultCause.NotPresent, 0]);
    expect(pt.knownLeafTable(root, absent)).toBe(table);
    expect(pt.knownLeafTable(root, 0x400000 + span - 1)).toBe(table);
    expect(pt.knownLeafTable(root, 0x400000 + span)).toBe(-1);
    expect(pt.knownLeafTable(other, absent)).toBe(-1);
    // A protection fault at level 0 reads the leaf table too.
    pt.protect(root, 0x401000, F.Read | F.User);
    pt.noteLeafTable(other, 0x400000, 0x1000);
    expect(mmu.translate(0x401000, Access.Write, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.Protection);
    expect(pt.knownLeafTable(root, 0x401000)).toBe(table);
    // Emptying the leaf table frees it: nothing is known any more.
    pt.unmapRange(root, 0x400000, 0x400000 + PAGES * 4096);
    expect(pt.knownLeafTable(root, absent)).toBe(-1);
    pt.check();
  });

  it('is not noted for a fault above level 0: the leaf table does not exist', () => {
    const { pt, roots, mmu } = setup(name);
    mmu.setRoot(roots[0], name === 'i386' ? 0 : 1);
    const far = 0x40000000;
    expect(mmu.translate(far, Access.Read, Mode.User)).toBe(-1);
    expect(mmu.faultLevel).toBeGreaterThan(0);
    expect(pt.knownLeafTable(roots[0], far)).toBe(-1);
  });
});
