/**
 * The TLB's hit index by page number: a hit in it is exactly a TLB hit. Evicted, invalidated and
 * switched-away pages miss; a store to a clean page still walks to set D; and over random
 * sequences of accesses, invalidations, switches and table edits every hit and miss is the one
 * the TLB's own set search predicts, every address the one the tables give.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Access, PageFlags as F, Mode } from '../../src/mmu/flags.js';
import { createFormat } from '../../src/mmu/formats.js';
import { Mmu } from '../../src/mmu/mmu.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { GLOBAL_ASID, Tlb } from '../../src/mmu/tlb.js';
import { HIT_COUNTER, type TlbHitIndex } from '../../src/mmu/tlb-hit-index.js';
import { PhysicalMemory } from '../../src/phys/physical-memory.js';
import { mmuMachine, SequentialFrames } from './helpers.js';
import { type TlbOperation, tlbOperations } from './tlb-operations.js';

const MiB = 1024 * 1024;
const URW = F.Read | F.Write | F.User;
const FORMATS = ['i386', 'x86-64', 'sv39'] as const;

/** The index's element of the page holding `va` (0: not indexed). */
function element(mmu: Mmu, va: number): number {
  return mmu.tlb.hitIndex.entries[Math.floor(va / 4096)];
}

/** Every element in use, by a scan of the whole index: the checker itself only walks the ways. */
function elementsInUse(index: TlbHitIndex): number {
  let used = 0;
  for (let vpn = 0; vpn < HIT_COUNTER; vpn++) if (index.entries[vpn] !== 0) used++;
  return used;
}

describe('the hit index across a switch', () => {
  const RIGHTS = 0x3f;
  const fillPage = (tlb: Tlb, vpn: number, asid: number) =>
    tlb.fill(vpn, asid, vpn * 4096, RIGHTS, 0, tlb.find(vpn, asid));

  it('a switch clears the pages indexed since the last one and counts the ways of the new context and the global ones unindexed', () => {
    const tlb = new Tlb({ entries: 16, ways: 4 });
    tlb.setContext(1);
    fillPage(tlb, 0x10, 1);
    fillPage(tlb, 0x11, 1);
    fillPage(tlb, 0x12, GLOBAL_ASID);
    tlb.insert(0x20, 2, 0x20000, RIGHTS, 0); // another context's entries: never indexed
    tlb.insert(0x21, 2, 0x21000, RIGHTS, 0);
    tlb.check();
    expect([tlb.unindexed, tlb.hitIndex.used]).toEqual([0, 3]);
    tlb.setContext(2);
    expect([tlb.unindexed, tlb.hitIndex.used]).toEqual([3, 0]); // its two ways and the global one
    tlb.check();
    tlb.setContext(3);
    expect([tlb.unindexed, tlb.hitIndex.used]).toEqual([1, 0]); // the global one
    tlb.check();
    tlb.setContext(1);
    expect([tlb.unindexed, tlb.hitIndex.used]).toEqual([3, 0]);
    tlb.check();
  });

  it('past as many indexed pages as it has entries, a switch clears the page of every way', () => {
    const tlb = new Tlb({ entries: 4, ways: 4 });
    tlb.setContext(1);
    for (let vpn = 0x100; vpn < 0x10a; vpn++) fillPage(tlb, vpn, 1); // 10 pages through 4 ways
    expect([tlb.evictions, tlb.hitIndex.used]).toEqual([6, 4]);
    tlb.setContext(2);
    expect([tlb.unindexed, tlb.hitIndex.used]).toEqual([0, 0]);
    for (let vpn = 0x106; vpn < 0x10a; vpn++) expect(tlb.hitIndex.entries[vpn]).toBe(0);
    tlb.check();
  });
});

describe.each(FORMATS)('%s hit index', (name) => {
  it('holds a page with its frame and exactly the rights its TLB entry grants', () => {
    const { mmu, pt, root } = mmuMachine(name);
    pt.map(root, 0x5000, 0x9000, 4096, URW | F.Dirty);
    expect(mmu.translate(0x5123, Access.Read, Mode.User)).toBe(0x9123);
    const index = mmu.tlb.hitIndex;
    expect(index.frameOf(5)).toBe(0x9000);
    expect(index.rightsOf(5)).toBe(mmu.tlb.rights[mmu.tlb.find(5, mmu.asid)]);
    expect(index.used).toBe(1);
    // Every other pair the entry grants hits at once (the index holds all its rights).
    expect(mmu.translate(0x5200, Access.Write, Mode.User)).toBe(0x9200);
    expect(mmu.translate(0x5300, Access.Read, Mode.Kernel)).toBe(name === 'sv39' ? -1 : 0x9300);
    expect(mmu.tlb.counters()).toMatchObject({
      hits: name === 'sv39' ? 1 : 2,
      misses: name === 'sv39' ? 2 : 1,
    });
    mmu.tlb.check();
  });

  it('a hit after the entry was evicted misses, and the element is gone', () => {
    const { mmu, pt, root } = mmuMachine(name, { entries: 2, ways: 1 });
    pt.map(root, 0x4000, 0x9000, 4096, URW); // vpn 4 and 6: the same set of two
    pt.map(root, 0x6000, 0xa000, 4096, URW);
    mmu.translate(0x4000, Access.Read, Mode.User);
    expect(mmu.translate(0x4004, Access.Read, Mode.User)).toBe(0x9004);
    expect(mmu.translate(0x6000, Access.Read, Mode.User)).toBe(0xa000);
    expect(mmu.tlb.evictions).toBe(1);
    expect(element(mmu, 0x4000)).toBe(0);
    expect(mmu.translate(0x4008, Access.Read, Mode.User)).toBe(0x9008);
    expect(mmu.tlb.counters()).toMatchObject({ hits: 1, misses: 3, evictions: 2 });
    expect(mmu.tlb.hitIndex.used).toBe(1);
    mmu.tlb.check();
  });

  it('after an invalidation of the page, of the ASID or of everything the page misses', () => {
    const { mmu, pt, root } = mmuMachine(name);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    const invalidations = [
      () => mmu.invalidatePage(0x5abc),
      () => mmu.invalidateAsid(mmu.asid),
      () => mmu.invalidateAll(),
    ];
    let misses = 0;
    for (const invalidate of invalidations) {
      mmu.translate(0x5000, Access.Read, Mode.User);
      misses++;
      expect(element(mmu, 0x5000)).not.toBe(0);
      invalidate();
      expect(element(mmu, 0x5000)).toBe(0);
      expect(mmu.translate(0x5010, Access.Read, Mode.User)).toBe(0x9010);
      misses++;
      expect(mmu.tlb.misses).toBe(misses);
      mmu.invalidateAll();
    }
    expect(mmu.tlb.hitIndex.used).toBe(0);
  });

  it('after setRoot to another address space the page misses, and its own mapping is used', () => {
    const { mmu, pt, root } = mmuMachine(name);
    const other = pt.createRoot(2);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    pt.map(other, 0x5000, 0xa000, 4096, URW);
    expect(mmu.translate(0x5000, Access.Read, Mode.User)).toBe(0x9000);
    mmu.setRoot(other, name === 'i386' ? 0 : 2);
    expect(element(mmu, 0x5000)).toBe(0);
    expect(mmu.translate(0x5000, Access.Read, Mode.User)).toBe(0xa000);
    expect(mmu.tlb.counters()).toMatchObject({ hits: 0, misses: 2 });
    mmu.tlb.check();
  });

  it('a context switch between two MMUs sharing a TLB empties the index of the one switched away', () => {
    const { mmu, pt, root } = mmuMachine(name);
    const second = new Mmu(pt, { tlb: mmu.tlb });
    const asid = name === 'i386' ? 0 : 1;
    second.setRoot(root, asid, true);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    expect(mmu.translate(0x5000, Access.Read, Mode.User)).toBe(0x9000);
    const first = mmu.tlb.hitIndex;
    expect(second.translate(0x5004, Access.Read, Mode.User)).toBe(0x9004);
    expect(first.entries[5]).toBe(0); // claimed away: the first MMU must miss in its index
    expect(first.used).toBe(0);
    expect(mmu.tlb.hitIndex === first).toBe(false);
    // The first MMU takes the TLB back; its entry is found in its set (a hit) and indexed again.
    expect(mmu.translate(0x5008, Access.Read, Mode.User)).toBe(0x9008);
    expect(mmu.tlb.hitIndex === first).toBe(true);
    expect(mmu.tlb.counters()).toMatchObject({ hits: 2, misses: 1 });
    mmu.tlb.check();
  });

  it('a store to a clean page walks and sets D; the next store hits', () => {
    const { mmu, pt, root } = mmuMachine(name);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    mmu.translate(0x5000, Access.Read, Mode.User);
    expect(mmu.tlb.hitIndex.rightsOf(5) & (1 << (Mode.User * 3 + Access.Write))).toBe(0);
    const walks = mmu.walks;
    expect(mmu.translate(0x5004, Access.Write, Mode.User)).toBe(0x9004);
    expect(mmu.walks).toBe(walks + 1);
    expect(pt.lookup(root, 0x5000).flags & F.Dirty).toBe(F.Dirty);
    expect(mmu.translate(0x5008, Access.Write, Mode.User)).toBe(0x9008);
    expect(mmu.tlb.counters()).toMatchObject({ hits: 1, misses: 2 });
    mmu.tlb.check();
  });

  it('the checker finds an element that mirrors no entry', () => {
    const { mmu, pt, root } = mmuMachine(name);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    mmu.translate(0x5000, Access.Read, Mode.User);
    mmu.tlb.hitIndex.put(6, 0x9000, 1);
    expect(() => mmu.tlb.check()).toThrow(/2 elements in use, 1 of them/);
    mmu.tlb.hitIndex.remove(6);
    mmu.tlb.hitIndex.put(5, 0xa000, 1);
    expect(() => mmu.tlb.check()).toThrow(/page 5 .* does not mirror/);
  });
});

it('a TLB made alone has an index of its own, and claiming another leaves the first empty', () => {
  const tlb = new Tlb({ entries: 4, ways: 2 });
  tlb.fill(7, 0, 0x7000, 0x3f, 0, tlb.find(7, 0));
  expect(tlb.hitIndex.entries[7]).not.toBe(0);
  const first = tlb.hitIndex;
  const memory = new PhysicalMemory(4 * MiB);
  const pt = new PageTables(createFormat('i386'), memory, new SequentialFrames(memory, 0x100000));
  const mmu = new Mmu(pt, { tlb });
  expect(tlb.hitIndex === first).toBe(false); // not .not.toBe: it compares 4 MiB arrays deeply
  expect(elementsInUse(first)).toBe(0);
  expect(mmu.tlb.find(7, 0)).toBeGreaterThanOrEqual(0);
});

// --- Random sequences against the TLB's own set search and the tables ---

type Op =
  | TlbOperation
  | { kind: 'protect'; page: number; writable: boolean }
  | { kind: 'remap'; page: number };

const PAGES = 10;

function opArbitrary(): fc.Arbitrary<Op> {
  const page = fc.integer({ min: 0, max: PAGES - 1 });
  return fc.oneof(
    ...tlbOperations(PAGES),
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('protect' as const), page, writable: fc.boolean() }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('remap' as const), page }) },
  );
}

/** Page `page`'s address: pages 0..7 low, 8 and 9 at 4 GiB and above on the 64-bit formats (never indexed). */
function pageVa(name: FormatName, page: number): number {
  if (page < 8 || name === 'i386') return 0x40000 + page * 0x1000;
  return 2 ** 32 + page * 0x1000;
}

function runSequence(name: FormatName, ops: Op[]): void {
  const memory = new PhysicalMemory(64 * MiB);
  const pt = new PageTables(createFormat(name), memory, new SequentialFrames(memory, 0x100000));
  const roots = [pt.createRoot(1), pt.createRoot(2)];
  const asids = name === 'i386' ? [0, 0] : [1, 2];
  const mmu = new Mmu(pt, { entries: 8, ways: 2 });
  let space = 0;
  mmu.setRoot(roots[0], asids[0]);
  for (const root of roots) {
    for (let page = 0; page < PAGES; page++)
      pt.map(
        root,
        pageVa(name, page),
        0x800000 + page * 0x2000 + (root === roots[1] ? 0x1000 : 0),
        4096,
        URW,
      );
  }
  const tlb = mmu.tlb;
  for (const op of ops) {
    switch (op.kind) {
      case 'access': {
        const va = pageVa(name, op.page) + op.offset;
        const access = op.access as Access;
        const mode = op.mode as Mode;
        const vpn = Math.floor(va / 4096);
        const way = tlb.find(vpn, mmu.asid);
        const predictedHit = way >= 0 && (tlb.rights[way] & (1 << (mode * 3 + access))) !== 0;
        const expected = predictedHit ? tlb.pa[way] + op.offset : mmu.translateUntracked(va, access, mode);
        const { hits, misses } = tlb.counters();
        expect(mmu.translate(va, access, mode)).toBe(expected);
        expect(tlb.counters()).toMatchObject(
          predictedHit ? { hits: hits + 1, misses } : { hits, misses: misses + 1 },
        );
        if (expected >= 0 && !predictedHit) {
          const flags = pt.lookup(mmu.root, va).flags;
          expect(flags & F.Accessed).toBe(F.Accessed);
          if (access === Access.Write) expect(flags & F.Dirty).toBe(F.Dirty);
        }
        break;
      }
      case 'invalidatePage':
        mmu.invalidatePage(pageVa(name, op.page));
        break;
      case 'invalidateAsid':
        mmu.invalidateAsid(mmu.asid);
        break;
      case 'invalidateAll':
        mmu.invalidateAll();
        break;
      case 'switch':
        space = op.space;
        mmu.setRoot(roots[space], asids[space], op.keep);
        break;
      case 'protect':
        pt.protect(roots[space], pageVa(name, op.page), op.writable ? URW : F.Read | F.User);
        mmu.invalidatePage(pageVa(name, op.page));
        break;
      case 'remap': {
        const va = pageVa(name, op.page);
        const pa = pt.unmap(roots[space], va);
        pt.map(roots[space], va, pa ^ 0x1000, 4096, URW);
        mmu.invalidatePage(va);
        break;
      }
    }
    tlb.check();
    expect(mmu.tlbDisagreements()).toEqual([]);
  }
  expect(elementsInUse(tlb.hitIndex)).toBe(tlb.hitIndex.used);
}

describe.each(FORMATS)('%s hit index against the set search', (name) => {
  it('random accesses, invalidations, switches and table edits: every hit and miss as the sets predict', () => {
    fc.assert(
      fc.property(fc.array(opArbitrary(), { maxLength: 60 }), (ops) => runSequence(name, ops)),
      { numRuns: 150 },
    );
  });
});
