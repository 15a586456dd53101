/**
 * The paging-structure cache (src/mmu/structure-cache.ts): a miss reads only the leaf entry of a
 * span whose leaf table a walk found, and the cache is exactly as correct as the hardware's:
 * emptied by every invalidation and address-space switch, never used across a freed table, upper
 * A bits set by the walk that fills it only, upper rights kept.
 */
import { describe, expect, it } from 'vitest';
import { Access, FaultCause, Mode, PageFlags } from '../../src/mmu/flags.js';
import { createFormat, type FormatName } from '../../src/mmu/formats.js';
import { BufferMemory } from '../../src/mmu/memory-access.js';
import { Mmu } from '../../src/mmu/mmu.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { FrameUse } from '../../src/phys/frame-table.js';
import { PhysicalMemoryManager } from '../../src/phys/physical-memory-manager.js';

const READ = Access.Read;
const WRITE = Access.Write;
const USER = Mode.User;
const KERNEL = Mode.Kernel;

// x86 entry bits (SDM vol. 3, 4.5) and Sv39 PTE bits (privileged spec, 4.3.1).
const P = 0x1;
const RW = 0x2;
const US = 0x4;
const A = 0x20;
const V = 0x1;
const R = 0x2;
const W = 0x4;
const U = 0x10;

/**
 * A guest's tables for the first 2 MiB, written as words in memory of its own: root 0x1000, then
 * one table a level down to the page directory (x86-64 0x2000, 0x3000; Sv39 0x2000); two leaf
 * tables, 0x4000 (the one the directory points to) and 0x5000. Page 1 maps frame 0x10000, page 2
 * 0x11000 in the first table and 0x12000 in the second.
 */
function guest(name: 'x86-64' | 'sv39', upper: number, leafFlags: number) {
  const memory = new BufferMemory(new ArrayBuffer(1 << 20));
  const sv39 = name === 'sv39';
  const pointer = (table: number) => (sv39 ? ((table >>> 12) << 10) | V : table | upper);
  const leaf = (frame: number) => (sv39 ? ((frame >>> 12) << 10) | leafFlags : frame | leafFlags);
  memory.write32(0x1000, pointer(0x2000));
  if (sv39) {
    memory.write32(0x2000, pointer(0x4000));
  } else {
    memory.write32(0x2000, pointer(0x3000));
    memory.write32(0x3000, pointer(0x4000));
  }
  memory.write32(0x4000 + 8, leaf(0x10000));
  memory.write32(0x4000 + 16, leaf(0x11000));
  memory.write32(0x5000 + 16, leaf(0x12000));
  const directoryEntry = sv39 ? 0x2000 : 0x3000;
  /** Points the directory entry of the first 2 MiB at `table`, as the guest's kernel would. */
  const repoint = (table: number) => memory.write32(directoryEntry, pointer(table));
  return { memory, format: createFormat(name), repoint, directoryEntry };
}

describe.each(['x86-64', 'sv39'] as const)('%s: the paging-structure cache', (name) => {
  const upper = P | RW | US;
  const leafFlags = name === 'sv39' ? V | R | W | U : P | RW | US;

  it('serves a span after one walk, and keeps a stale leaf table until an invalidation', () => {
    const { memory, format, repoint } = guest(name, upper, leafFlags);
    const mmu = new Mmu({ format, memory }, { root: 0x1000, entries: 1, ways: 1 });
    const plain = new Mmu({ format, memory }, { root: 0x1000, entries: 1, ways: 1, structureCache: false });
    expect(mmu.structureCacheSize).toBe(0);
    expect(mmu.translate(0x1004, READ, USER)).toBe(0x10004);
    expect(plain.translate(0x1004, READ, USER)).toBe(0x10004);
    expect(mmu.structureCacheSize).toBe(1);
    expect(plain.structureCacheSize).toBe(0);
    // The guest points the directory entry at another table and does not invalidate: as on
    // hardware, the cached leaf table may still be used (page 2 has no TLB entry yet).
    repoint(0x5000);
    expect(mmu.translate(0x2008, READ, USER)).toBe(0x11008);
    expect(plain.translate(0x2008, READ, USER)).toBe(0x12008);
    // INVLPG / SFENCE.VMA of any address empties the cache (the TLB keeps page 2's entry)...
    mmu.invalidatePage(0x7000);
    expect(mmu.structureCacheSize).toBe(0);
    expect(mmu.translate(0x2008, READ, USER)).toBe(0x11008);
    // ... and once page 2's entry goes too, its next miss walks from the root.
    mmu.invalidatePage(0x2000);
    expect(mmu.translate(0x2008, READ, USER)).toBe(0x12008);
    expect(mmu.structureCacheSize).toBe(1);
    expect(mmu.translate(0x1000, READ, USER)).toBe(-1); // not in the second table
    expect(mmu.faultCause).toBe(FaultCause.NotPresent);
    expect(mmu.faultLevel).toBe(0);
  });

  it('is emptied by every other invalidation and by a switch of root', () => {
    const { memory, format } = guest(name, upper, leafFlags);
    memory.write32(0x6000, memory.read32(0x1000)); // a second root sharing the tables
    const mmu = new Mmu({ format, memory }, { root: 0x1000, entries: 1, ways: 1 });
    const fill = () => {
      expect(mmu.translate(0x1000, READ, USER)).toBe(0x10000);
      expect(mmu.structureCacheSize).toBe(1);
    };
    fill();
    mmu.invalidateAsid(0);
    expect(mmu.structureCacheSize).toBe(0);
    fill();
    mmu.invalidateAll();
    expect(mmu.structureCacheSize).toBe(0);
    fill();
    mmu.setRoot(0x6000, 0, true);
    expect(mmu.structureCacheSize).toBe(0);
    fill();
  });

  it('takes the upper entries rights from the walk that filled it', () => {
    // Upper entries without the user bit (x86) make every page kernel-only; Sv39 pointers carry
    // no rights, so there the leaf's U bit decides, through the cache as without it.
    const { memory, format } = guest(name, P | RW, leafFlags);
    const mmu = new Mmu({ format, memory }, { root: 0x1000, entries: 1, ways: 1 });
    const plain = new Mmu({ format, memory }, { root: 0x1000, entries: 1, ways: 1, structureCache: false });
    for (const m of [mmu, plain]) {
      m.translate(0x1000, READ, KERNEL);
      m.translate(0x2000, READ, KERNEL);
    }
    expect(mmu.structureCacheSize).toBe(name === 'sv39' ? 0 : 1); // SUM = 0: no kernel access to U pages
    const cached = mmu.translate(0x2010, WRITE, USER);
    const walked = plain.translate(0x2010, WRITE, USER);
    expect(cached).toBe(walked);
    expect([mmu.faultCause, mmu.faultCode, mmu.faultLevel]).toEqual([
      plain.faultCause,
      plain.faultCode,
      plain.faultLevel,
    ]);
    if (name === 'x86-64') {
      expect(cached).toBe(-1);
      expect(mmu.faultCause).toBe(FaultCause.Protection);
      expect(mmu.faultCode).toBe(0x7); // P W U
    } else {
      expect(cached).toBe(0x11010);
    }
  });
});

describe('x86-64: the upper entries A bits', () => {
  it('are set by the walk that fills the cache, not by the walks it serves', () => {
    const { memory, format, directoryEntry } = guest('x86-64', P | RW | US, P | RW | US);
    const mmu = new Mmu({ format, memory }, { root: 0x1000, entries: 1, ways: 1 });
    expect(mmu.translate(0x1000, READ, USER)).toBe(0x10000);
    for (const at of [0x1000, 0x2000, 0x3000, 0x4008]) expect(memory.read32(at) & A).toBe(A);
    // The guest clears A in the directory entry without invalidating: a walk served by the cache
    // does not read that entry, so it is not set again; the leaf's A is.
    memory.write32(directoryEntry, memory.read32(directoryEntry) & ~A);
    expect(mmu.translate(0x2000, READ, USER)).toBe(0x11000);
    expect(memory.read32(directoryEntry) & A).toBe(0);
    expect(memory.read32(0x4010) & A).toBe(A);
    // After INVLPG the next walk reads every level and sets it.
    mmu.invalidatePage(0x2000);
    expect(mmu.translate(0x2000, READ, USER)).toBe(0x11000);
    expect(memory.read32(directoryEntry) & A).toBe(A);
  });

  it('a faulting or refused walk fills nothing', () => {
    const { memory, format } = guest('x86-64', P | RW | US, P | US); // read-only leaves
    const mmu = new Mmu({ format, memory }, { root: 0x1000, entries: 1, ways: 1 });
    expect(mmu.translate(0x3000, READ, USER)).toBe(-1); // absent leaf
    expect(mmu.translate(0x1000, WRITE, USER)).toBe(-1); // refused store: no A set anywhere
    expect(memory.read32(0x1000) & A).toBe(0);
    expect(mmu.structureCacheSize).toBe(0);
  });
});

describe.each(['x86-64', 'sv39'] as FormatName[])('%s over PageTables', (name) => {
  const flags = PageFlags.Read | PageFlags.Write | PageFlags.User;

  /** The leaf table holding `va`'s entry under `root`, read level by level from RAM. */
  function leafTableOf(pt: PageTables, root: number, va: number): number {
    const f = pt.format;
    let table = root;
    for (let level = f.levels - 1; level > 0; level--) {
      const at = table + f.indexOf(va, level) * f.entryBytes;
      table = f.addressOf(pt.memory.read32(at), pt.memory.read32(at + 4), level);
    }
    return table;
  }

  it('never serves a span from a leaf table that was freed, even without an invalidation', () => {
    const phys = new PhysicalMemoryManager({ ramBytes: 16 << 20 });
    const pt = new PageTables(createFormat(name), phys.memory, phys);
    const root = pt.createRoot(1);
    const pageA = 0x40000000;
    const pageB = pageA + 0x1000; // the same 2 MiB span
    const frameA = phys.allocFrame(FrameUse.User, 1);
    const frameB = phys.allocFrame(FrameUse.User, 1);
    const decoy = phys.allocFrame(FrameUse.User, 1);
    pt.map(root, pageA, frameA, 4096, flags);
    const mmu = new Mmu(pt, { entries: 1, ways: 1 });
    mmu.setRoot(root, 1);
    expect(mmu.translate(pageA + 8, READ, USER)).toBe(frameA + 8);
    expect(mmu.structureCacheSize).toBe(1);
    const oldTable = leafTableOf(pt, root, pageA);
    // The kernel unmaps A (its leaf table, now empty, is freed) and, without an invalidation
    // this test leaves out, the freed table page is reused with an entry where B's would be.
    pt.unmap(root, pageA);
    expect(mmu.structureCacheSize).toBe(0);
    const taken: number[] = [];
    while (taken.length < 64 && taken.at(-1) !== oldTable) taken.push(phys.allocFrame(FrameUse.User, 1));
    expect(taken.at(-1)).toBe(oldTable);
    const entry = new Uint32Array(2);
    pt.format.encodeLeaf(decoy, pt.format.effectiveFlags(flags), 0, entry);
    const slot = oldTable + pt.format.indexOf(pageB, 0) * pt.format.entryBytes;
    phys.memory.write32(slot, entry[0]);
    phys.memory.write32(slot + 4, entry[1]);
    pt.map(root, pageB, frameB, 4096, flags);
    expect(leafTableOf(pt, root, pageB)).not.toBe(oldTable);
    expect(mmu.translate(pageB + 8, READ, USER)).toBe(frameB + 8);
    expect(mmu.structureCacheSize).toBe(1);
  });
});
