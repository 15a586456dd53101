/**
 * The TLB miss's common case (Mmu.miss with the walkers' walkCommon, Tlb.probe and
 * Tlb.fillChosen) against a plain reference TLB written here: over random sequences of accesses,
 * remappings with every kind of entry (clean, never accessed, read-only, kernel-only, global,
 * absent, a frame from 2 GiB up, a page from 4 GiB up), invalidations and switches, every address
 * is the one translateUntracked gives, and the hits, misses, evictions and the ways themselves
 * are the reference's, for several TLB shapes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Access, PageFlags as F, Mode } from '../../src/mmu/flags.js';
import { createFormat } from '../../src/mmu/formats.js';
import { BufferMemory, type PhysicalMemoryAccess } from '../../src/mmu/memory-access.js';
import { Mmu } from '../../src/mmu/mmu.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { WRITE_RIGHTS } from '../../src/mmu/rights.js';
import { GLOBAL_ASID, type TlbEntry } from '../../src/mmu/tlb.js';
import { PhysicalMemory } from '../../src/phys/physical-memory.js';
import { SequentialFrames } from './helpers.js';
import { type TlbOperation, tlbOperations } from './tlb-operations.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const FORMATS = ['i386', 'x86-64', 'sv39'] as const;
const PAGES = 10;
/** Frames for the pages: low ones, and ones from 2 GiB up (never in the hit index). */
const LOW_FRAMES = 0x800000;
const HIGH_FRAMES = 2 * GiB + 0x100000;

/**
 * Page `page`'s address: in three 2 MiB spans below 4 GiB, and (64-bit formats) two pages above,
 * 16 KiB apart so that they crowd a TLB of four sets or fewer into one set and evict.
 */
function pageVa(name: FormatName, page: number): number {
  if (page >= 8 && name !== 'i386') return 2 ** 32 + page * 0x4000;
  return [0x40000, 0x600000, 0x40000000][page % 3] + page * 0x4000;
}

/** The kinds of entry a page can be remapped to. */
const KINDS = [
  F.Read | F.Write | F.User | F.Accessed | F.Dirty,
  F.Read | F.Write | F.User | F.Accessed, // clean: a store walks to set D
  F.Read | F.Write | F.User, // never accessed: the walk sets A
  F.Read | F.User | F.Accessed,
  F.Read | F.Write | F.Accessed | F.Dirty, // kernel only
  F.Read | F.Write | F.User | F.Global | F.Accessed | F.Dirty,
  F.Read | F.Execute | F.User | F.Accessed,
  -1, // absent
] as const;

/** A TLB way of the reference. */
interface Way {
  vpn: number;
  asid: number;
  pa: number;
  rights: number;
}

/** The TLB's replacement policy written plainly: set = vpn mod sets, an empty way, else round-robin. */
class ReferenceTlb {
  readonly ways: (Way | null)[];
  readonly victim: number[];
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(
    readonly entries: number,
    readonly associativity: number,
  ) {
    this.ways = new Array<Way | null>(entries).fill(null);
    this.victim = new Array<number>(entries / associativity).fill(0);
  }

  private first(vpn: number): number {
    const sets = this.entries / this.associativity;
    return (((vpn % sets) + sets) % sets) * this.associativity;
  }

  find(vpn: number, asid: number): number {
    const first = this.first(vpn);
    for (let way = first; way < first + this.associativity; way++) {
      const entry = this.ways[way];
      if (entry !== null && entry.vpn === vpn && (entry.asid === asid || entry.asid === GLOBAL_ASID))
        return way;
    }
    return -1;
  }

  fill(found: number, entry: Way): void {
    let way = found;
    if (way < 0 || this.ways[way]?.asid !== entry.asid) {
      const first = this.first(entry.vpn);
      way = first;
      while (way < first + this.associativity && this.ways[way] !== null) way++;
      if (way === first + this.associativity) {
        const set = first / this.associativity;
        way = first + this.victim[set];
        this.victim[set] = (this.victim[set] + 1) % this.associativity;
        this.evictions++;
      }
    }
    this.ways[way] = entry;
  }

  drop(keep: (entry: Way) => boolean): void {
    for (let way = 0; way < this.entries; way++) {
      const entry = this.ways[way];
      if (entry !== null && !keep(entry)) this.ways[way] = null;
    }
  }

  snapshot(): Pick<TlbEntry, 'index' | 'va' | 'asid' | 'pa' | 'rights'>[] {
    const out = [];
    for (let way = 0; way < this.entries; way++) {
      const entry = this.ways[way];
      if (entry !== null)
        out.push({ index: way, va: entry.vpn * 4096, asid: entry.asid, pa: entry.pa, rights: entry.rights });
    }
    return out;
  }
}

type Op = TlbOperation | { kind: 'remap'; page: number; flags: number; high: boolean };

function opArbitrary(): fc.Arbitrary<Op> {
  const page = fc.integer({ min: 0, max: PAGES - 1 });
  return fc.oneof(...tlbOperations(PAGES), {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('remap' as const),
      page,
      flags: fc.constantFrom(...KINDS),
      high: fc.boolean(),
    }),
  });
}

function runSequence(name: FormatName, entries: number, ways: number, ops: Op[]): void {
  const memory = new PhysicalMemory(2 * GiB + 64 * MiB);
  const pt = new PageTables(createFormat(name), memory, new SequentialFrames(memory, 0x100000));
  const roots = [pt.createRoot(1), pt.createRoot(2)];
  const asids = name === 'i386' ? [0, 0] : [1, 2];
  const mmu = new Mmu(pt, { entries, ways });
  const tlb = mmu.tlb;
  const reference = new ReferenceTlb(entries, ways);
  const mapped = roots.map(() => new Array<boolean>(PAGES).fill(false));
  let space = 0;
  const frameOf = (page: number, high: boolean) => (high ? HIGH_FRAMES : LOW_FRAMES) + page * 0x2000;
  for (let s = 0; s < roots.length; s++) {
    for (let page = 0; page < PAGES; page++) {
      pt.map(roots[s], pageVa(name, page), frameOf(page, false) + s * 0x1000, 4096, KINDS[page % 3]);
      mapped[s][page] = true;
    }
  }
  mmu.setRoot(roots[0], asids[0]);
  const flagsOf = (va: number) => (pt.lookup(mmu.root, va).present ? pt.lookup(mmu.root, va).flags : 0);
  for (const op of ops) {
    switch (op.kind) {
      case 'access': {
        const va = pageVa(name, op.page) + op.offset;
        const access = op.access as Access;
        const mode = op.mode as Mode;
        const vpn = Math.floor(va / 4096);
        const found = reference.find(vpn, mmu.asid);
        const entry = found >= 0 ? reference.ways[found] : null;
        let expected: number;
        if (entry !== null && (entry.rights & (1 << (mode * 3 + access))) !== 0) {
          reference.hits++;
          expected = entry.pa + op.offset;
        } else {
          reference.misses++;
          expected = mmu.translateUntracked(va, access, mode);
          if (expected >= 0) {
            let rights = 0;
            for (let pair = 0; pair < 6; pair++)
              if (mmu.translateUntracked(va, (pair % 3) as Access, Math.floor(pair / 3) as Mode) >= 0)
                rights |= 1 << pair;
            const flags = flagsOf(va);
            if ((flags & F.Dirty) === 0 && access !== Access.Write) rights &= ~WRITE_RIGHTS;
            const asid = (flags & F.Global) !== 0 ? GLOBAL_ASID : mmu.asid;
            reference.fill(found, { vpn, asid, pa: expected - op.offset, rights });
          }
        }
        expect(mmu.translate(va, access, mode)).toBe(expected);
        if (expected >= 0 && reference.find(vpn, mmu.asid) === found && entry === null) {
          const flags = flagsOf(va);
          expect(flags & F.Accessed).toBe(F.Accessed);
          if (access === Access.Write) expect(flags & F.Dirty).toBe(F.Dirty);
        }
        break;
      }
      case 'remap': {
        // In both address spaces alike: a global page must be the same in every one.
        const va = pageVa(name, op.page);
        const global = op.flags !== -1 && (op.flags & F.Global) !== 0;
        for (let s = 0; s < roots.length; s++) {
          if (mapped[s][op.page]) pt.unmap(roots[s], va);
          mapped[s][op.page] = op.flags !== -1;
          const frame = frameOf(op.page, op.high) + (global ? 0 : s * 0x1000);
          if (op.flags !== -1) pt.map(roots[s], va, frame, 4096, op.flags);
          mmu.invalidatePage(va, asids[s]);
          reference.drop((e) => !(e.vpn === va / 4096 && (e.asid === asids[s] || e.asid === GLOBAL_ASID)));
        }
        break;
      }
      case 'invalidatePage': {
        const vpn = pageVa(name, op.page) / 4096;
        mmu.invalidatePage(vpn * 4096);
        reference.drop((e) => !(e.vpn === vpn && (e.asid === mmu.asid || e.asid === GLOBAL_ASID)));
        break;
      }
      case 'invalidateAsid': {
        const asid = mmu.asid;
        mmu.invalidateAsid(asid);
        reference.drop((e) => e.asid !== asid);
        break;
      }
      case 'invalidateAll':
        mmu.invalidateAll();
        reference.drop(() => false);
        break;
      case 'switch': {
        space = op.space;
        const asid = asids[space];
        mmu.setRoot(roots[space], asid, op.keep);
        if (name === 'i386') reference.drop((e) => e.asid === GLOBAL_ASID);
        else if (name === 'x86-64' && !op.keep) reference.drop((e) => e.asid !== asid);
        break;
      }
    }
    const { hits, misses, evictions } = tlb.counters();
    expect({ hits, misses, evictions }).toEqual({
      hits: reference.hits,
      misses: reference.misses,
      evictions: reference.evictions,
    });
    expect(
      tlb.snapshot().map(({ index, va, asid, pa, rights }) => ({ index, va, asid, pa, rights })),
    ).toEqual(reference.snapshot());
    tlb.check();
    expect(mmu.tlbDisagreements()).toEqual([]);
  }
}

describe.each(FORMATS)('%s common-case miss against a reference TLB', (name) => {
  it.each([
    [1, 1],
    [8, 2],
    [16, 4],
  ])('%i entries, %i ways: every address, count and way as the reference says', (entries, ways) => {
    fc.assert(
      fc.property(fc.array(opArbitrary(), { maxLength: 50 }), (ops) => runSequence(name, entries, ways, ops)),
      { numRuns: 100 },
    );
  });
});

describe.each(FORMATS)('%s miss without a set search', (name) => {
  /** A one-set TLB of four ways over six pages at 0x40000, with probe() counted. */
  function machine() {
    const memory = new PhysicalMemory(2 * GiB + 64 * MiB);
    const pt = new PageTables(createFormat(name), memory, new SequentialFrames(memory, 0x100000));
    const roots = [pt.createRoot(1), pt.createRoot(2)];
    const flags = F.Read | F.Write | F.User | F.Accessed | F.Dirty;
    for (const root of roots)
      for (let page = 0; page < 6; page++)
        pt.map(root, 0x40000 + page * 0x1000, LOW_FRAMES + page * 0x1000, 4096, flags);
    const mmu = new Mmu(pt, { entries: 4, ways: 4 });
    mmu.setRoot(roots[0], name === 'i386' ? 0 : 1);
    const tlb = mmu.tlb;
    const searches = { count: 0 };
    const probe = tlb.probe.bind(tlb);
    tlb.probe = (vpn, asid) => {
      searches.count++;
      return probe(vpn, asid);
    };
    const read = (page: number) => mmu.translate(0x40000 + page * 0x1000, Access.Read, Mode.User);
    return { pt, roots, mmu, tlb, searches, read, flags };
  }

  it('skips the search while every way of the context is indexed, and searches once one is not', () => {
    const { pt, roots, mmu, tlb, searches, read, flags } = machine();
    for (const page of [0, 1, 2, 3, 4, 5, 0]) expect(read(page)).toBe(LOW_FRAMES + page * 0x1000);
    expect(searches.count).toBe(0);
    expect(tlb.unindexed).toBe(0);
    expect(tlb.counters()).toMatchObject({ hits: 0, misses: 7, evictions: 3 });
    // A frame from 2 GiB up is never indexed: the general path fills it, and the next miss searches.
    pt.unmap(roots[0], 0x40000 + 0x1000);
    pt.map(roots[0], 0x40000 + 0x1000, HIGH_FRAMES, 4096, flags);
    mmu.invalidatePage(0x40000 + 0x1000);
    expect(read(1)).toBe(HIGH_FRAMES);
    expect(tlb.unindexed).toBe(1);
    tlb.check();
    expect(read(2)).toBe(LOW_FRAMES + 0x2000);
    expect(searches.count).toBe(1);
    expect(read(1)).toBe(HIGH_FRAMES); // a hit in the set, by a search
    expect(searches.count).toBe(2);
    expect(tlb.counters()).toMatchObject({ hits: 1, misses: 9 });
    // insert() leaves its entry out of the index until its first hit.
    tlb.invalidateAll();
    expect(tlb.unindexed).toBe(0);
    tlb.insert(0x40, mmu.asid, LOW_FRAMES + 0x4000, 0x3f, 0);
    expect(tlb.unindexed).toBe(1);
    tlb.check();
    expect(read(3)).toBe(LOW_FRAMES + 0x3000);
    expect(searches.count).toBe(3);
    expect(read(0)).toBe(LOW_FRAMES + 0x4000); // the inserted entry, found in the set and indexed
    expect(tlb.unindexed).toBe(0);
    expect(searches.count).toBe(4);
    expect(read(4)).toBe(LOW_FRAMES + 0x4000);
    expect(searches.count).toBe(4); // every way indexed again: no search
    tlb.check();
  });

  it('a right the element lacks still searches the set (a store to a clean page)', () => {
    const { pt, roots, mmu, tlb, searches, read } = machine();
    pt.map(roots[0], 0x50000, LOW_FRAMES + 0x10000, 4096, F.Read | F.Write | F.User | F.Accessed);
    expect(mmu.translate(0x50000, Access.Read, Mode.User)).toBe(LOW_FRAMES + 0x10000);
    expect(mmu.translate(0x50008, Access.Write, Mode.User)).toBe(LOW_FRAMES + 0x10008);
    expect(searches.count).toBe(1);
    expect(tlb.counters()).toMatchObject({ hits: 0, misses: 2, evictions: 0 });
    expect(tlb.validEntries).toBe(1);
    expect(read(0)).toBe(LOW_FRAMES);
    expect(searches.count).toBe(1);
    tlb.check();
  });

  // Not on i386, which has one address space: a switch flushes every non-global entry.
  if (name !== 'i386')
    it('a switch that keeps the entries leaves them unindexed until found', () => {
      const { roots, mmu, tlb, searches, read } = machine();
      for (const page of [0, 1, 2]) read(page);
      mmu.setRoot(roots[1], 2, true);
      expect(tlb.unindexed).toBe(0); // the other context's ways do not count
      read(0);
      expect(tlb.unindexed).toBe(0);
      mmu.setRoot(roots[0], 1, true);
      expect(tlb.unindexed).toBe(3); // two of its own ways, unindexed by the switch; one went to page 0 of ASID 2
      tlb.check();
      searches.count = 0;
      expect(read(1)).toBe(LOW_FRAMES + 0x1000);
      expect(tlb.unindexed).toBe(2);
      expect(searches.count).toBe(1);
      expect(tlb.counters().hits).toBe(1);
      tlb.check();
    });

  it('a page in two ways (a global entry and one of its own) is left unindexed when the other goes', () => {
    const { pt, roots, mmu, tlb, searches, read, flags } = machine();
    const kernelGlobal = F.Read | F.Write | F.Global | F.Accessed | F.Dirty;
    const twice = (va: number) => {
      // A kernel-only global entry, then the page remapped user-only without an invalidation:
      // the user's miss finds the global entry without the right and fills a way of its own.
      pt.map(roots[0], va, LOW_FRAMES + 0x20000, 4096, kernelGlobal);
      expect(mmu.translate(va, Access.Read, Mode.Kernel)).toBe(LOW_FRAMES + 0x20000);
      pt.unmap(roots[0], va);
      pt.map(roots[0], va, LOW_FRAMES + 0x21000, 4096, flags);
      expect(mmu.translate(va, Access.Read, Mode.User)).toBe(LOW_FRAMES + 0x21000);
      expect(tlb.snapshot().filter((entry) => entry.va === va)).toHaveLength(2);
      expect(tlb.unindexed).toBe(0);
      tlb.check();
    };
    twice(0x60000);
    read(0);
    read(1);
    // The TLB is full: page 2 takes the global entry's way, whose element the own entry shared.
    expect(searches.count).toBe(1);
    expect(read(2)).toBe(LOW_FRAMES + 0x2000);
    expect(searches.count).toBe(1);
    expect(tlb.unindexed).toBe(1);
    tlb.check();
    expect(mmu.translate(0x60008, Access.Read, Mode.User)).toBe(LOW_FRAMES + 0x21008); // found in the set
    expect(searches.count).toBe(2);
    expect(tlb.unindexed).toBe(0);
    tlb.check();
    // An invalidation of the context's own entries leaves the global one unindexed.
    twice(0x61000);
    mmu.invalidateAsid(mmu.asid);
    expect(tlb.validEntries).toBe(1);
    expect(tlb.unindexed).toBe(1);
    tlb.check();
    // The user's miss fills a way of its own again beside the global one: one element for both.
    expect(mmu.translate(0x61000, Access.Read, Mode.User)).toBe(LOW_FRAMES + 0x21000);
    expect(tlb.validEntries).toBe(2);
    expect(tlb.unindexed).toBe(0);
    expect(tlb.counters().hits).toBe(1);
    tlb.check();
  });

  it('the checker finds a wrong count of unindexed ways', () => {
    const { tlb, read } = machine();
    read(0);
    tlb.unindexed = 1;
    expect(() => tlb.check()).toThrow(/1 unindexed ways and 0 global ones, but holds 0 and 0/);
  });
});

/**
 * A 64-bit guest whose four pages at 0x400000 map frames 0x10000 up, read-write and user, with
 * a table a page from 0x1000 (the root) down to the leaf table, whose address it returns.
 */
function guest64(name: 'x86-64' | 'sv39', memory: PhysicalMemoryAccess): number {
  const format = createFormat(name);
  const entry = new Uint32Array(2);
  const write = (at: number, pa: number, level: number, table: boolean) => {
    if (table) format.encodeTable(pa, level, entry);
    else format.encodeLeaf(pa, format.effectiveFlags(F.Read | F.Write | F.User), level, entry);
    memory.write32(at, entry[0]);
    memory.write32(at + 4, entry[1]);
  };
  const top = format.levels - 1;
  const tables = [0x1000, 0x2000, 0x3000, 0x4000].slice(0, format.levels);
  for (let level = top; level > 0; level--) {
    const index = Math.floor(0x400000 / 2 ** format.levelShift(level)) % 512;
    write(tables[top - level] + index * 8, tables[top - level + 1], level, true);
  }
  for (let page = 0; page < 4; page++) write(tables[top] + page * 8, 0x10000 + page * 0x1000, 0, false);
  return tables[top];
}

describe.each(['x86-64', 'sv39'] as const)('%s common-case miss over memory of its own', (name) => {
  it('reads through read32 when the memory lends no word arrays', () => {
    const buffer = new BufferMemory(new ArrayBuffer(1 << 20));
    const memory: PhysicalMemoryAccess = {
      size: buffer.size,
      read32: (pa) => buffer.read32(pa),
      write32: (pa, value) => buffer.write32(pa, value),
    };
    guest64(name, memory);
    const mmu = new Mmu({ format: createFormat(name), memory }, { root: 0x1000, entries: 1, ways: 1 });
    for (const page of [0, 1, 2, 3, 0, 2])
      expect(mmu.translate(0x400000 + page * 0x1000 + 8, Access.Write, Mode.User)).toBe(
        0x10008 + page * 0x1000,
      );
    expect(mmu.structureCacheSize).toBe(1);
    expect(mmu.tlb.counters()).toMatchObject({ hits: 0, misses: 6, evictions: 5 });
  });

  it('follows a WebAssembly.Memory that grows after the leaf table was cached', () => {
    const ram = new WebAssembly.Memory({ initial: 2 });
    const memory = new BufferMemory(ram);
    const leafTable = guest64(name, memory);
    const mmu = new Mmu({ format: createFormat(name), memory }, { root: 0x1000, entries: 1, ways: 1 });
    expect(mmu.translate(0x400010, Access.Read, Mode.User)).toBe(0x10010);
    ram.grow(1); // the cached leaf table's word array is detached
    for (const page of [1, 2, 3, 0])
      expect(mmu.translate(0x400000 + page * 0x1000, Access.Write, Mode.User)).toBe(0x10000 + page * 0x1000);
    const dirty = name === 'sv39' ? 0xc0 : 0x60;
    expect(memory.read32(leafTable + 8) & dirty).toBe(dirty); // A and D set by the walk
  });
});
