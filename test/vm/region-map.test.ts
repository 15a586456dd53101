import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinkedRegionList } from '../../bench/linked-region-list.js';
import { AddressRangeError, AlignmentError, LimitError } from '../../src/common/errors.js';
import { PAGE_SIZE, RegionMap } from '../../src/vm/region-map.js';
import { Protection, RegionFlag, RegionType } from '../../src/vm/region-types.js';

const PAGES = 48;
const BASE = 0x100000;

interface PageModel {
  type: number;
  protection: number;
  flags: number;
  phys: number;
  name: string;
}

function expand(map: RegionMap): PageModel[] {
  const pages: PageModel[] = [];
  for (const g of map.regions()) {
    for (let va = g.base; va < g.ceiling; va += PAGE_SIZE) {
      pages.push({
        type: g.type,
        protection: g.protection,
        flags: g.flags,
        phys: g.type === RegionType.Phys ? g.physBase + (va - g.base) : 0,
        name: g.name,
      });
    }
  }
  return pages;
}

/** First fit over the page model: the reference for findFree. */
function modelFirstFit(model: PageModel[], pages: number, alignPages: number, fromPage: number): number {
  for (let p = Math.ceil(fromPage / alignPages) * alignPages; p + pages <= PAGES; p += alignPages) {
    let ok = true;
    for (let q = p; q < p + pages; q++) if (model[q].type !== RegionType.Free) ok = false;
    if (ok) return p;
  }
  return -1;
}

const opArb = fc.record({
  kind: fc.constantFrom('set', 'protect', 'flags', 'find'),
  first: fc.nat(PAGES - 1),
  length: fc.integer({ min: 1, max: 12 }),
  type: fc.constantFrom(RegionType.Free, RegionType.Anon, RegionType.Phys),
  protection: fc.constantFrom(Protection.Read, Protection.ReadWrite, Protection.All),
  name: fc.constantFrom('', 'heap', 'stack'),
  phys: fc.nat(64),
  align: fc.constantFrom(1, 2, 4),
  hint: fc.option(fc.nat(PAGES - 1)),
});

describe('RegionMap', () => {
  it('starts as one FREE region covering everything', () => {
    const map = new RegionMap(0, 0xf0000000);
    expect(map.count).toBe(1);
    expect(map.region(0)).toMatchObject({ base: 0, ceiling: 0xf0000000, type: RegionType.Free });
    map.check();
  });

  it('splits on partial operations and merges compatible neighbours', () => {
    const map = new RegionMap(0, 0x100000);
    map.set(0x4000, 0x8000, { type: RegionType.Anon, protection: Protection.ReadWrite });
    expect(map.count).toBe(3);
    map.set(0x8000, 0xa000, { type: RegionType.Anon, protection: Protection.ReadWrite });
    expect(map.count).toBe(3);
    expect(map.region(1)).toMatchObject({ base: 0x4000, ceiling: 0xa000 });
    map.protect(0x5000, 0x6000, Protection.Read);
    expect(map.count).toBe(5);
    map.protect(0x5000, 0x6000, Protection.ReadWrite);
    expect(map.count).toBe(3);
    map.set(0x4000, 0xa000, { type: RegionType.Free });
    expect(map.count).toBe(1);
    map.check();
  });

  it('merges PHYS regions only when their frames are contiguous', () => {
    const map = new RegionMap(0, 0x100000);
    map.set(0x1000, 0x2000, { type: RegionType.Phys, protection: 3, physBase: 0xb8000 });
    map.set(0x2000, 0x3000, { type: RegionType.Phys, protection: 3, physBase: 0xb9000 });
    expect(map.count).toBe(3);
    map.set(0x3000, 0x4000, { type: RegionType.Phys, protection: 3, physBase: 0x10000 });
    expect(map.count).toBe(4);
    map.check();
  });

  it('refuses unaligned or outside ranges with typed errors', () => {
    const map = new RegionMap(0x1000, 0x10000);
    expect(() => map.set(0x1800, 0x2000, { type: RegionType.Anon })).toThrow(AlignmentError);
    expect(() => map.set(0, 0x2000, { type: RegionType.Anon })).toThrow(AddressRangeError);
    expect(() => map.set(0x2000, 0x2000, { type: RegionType.Anon })).toThrow(AddressRangeError);
    expect(map.count).toBe(1);
  });

  it('throws LimitError past the limit and changes nothing', () => {
    const map = new RegionMap(0, 0x100000, { limit: 5 });
    map.set(0x1000, 0x2000, { type: RegionType.Anon, protection: 1 });
    map.set(0x3000, 0x4000, { type: RegionType.Anon, protection: 1 });
    expect(map.count).toBe(5);
    const before = map.regions();
    expect(() => map.set(0x6000, 0x7000, { type: RegionType.Anon, protection: 1 })).toThrow(LimitError);
    expect(map.regions()).toEqual(before);
    // Filling the gap between two compatible regions merges them: allowed at the limit.
    map.set(0x2000, 0x3000, { type: RegionType.Anon, protection: 1 });
    expect(map.count).toBe(3);
    map.check();
  });

  it('finds free space with first fit, alignment and a hint', () => {
    const map = new RegionMap(0, 0x100000, { searchFloor: 0x1000 });
    expect(map.findFree(0x2000)).toBe(0x1000);
    map.set(0x1000, 0x3000, { type: RegionType.Anon, protection: 3 });
    expect(map.findFree(0x1000)).toBe(0x3000);
    expect(map.findFree(0x1000, 0x10000)).toBe(0x10000);
    expect(map.findFree(0x1000, PAGE_SIZE, 0x50000)).toBe(0x50000);
    map.set(0x50000, 0x51000, { type: RegionType.Anon, protection: 3 });
    expect(map.findFree(0x1000, PAGE_SIZE, 0x50000)).toBe(0x51000);
    expect(map.findFree(0x200000)).toBe(-1);
  });

  it('finds a gap among many regions (gap index, not a scan)', () => {
    const map = new RegionMap(0, 0x10000000, { limit: 1000 });
    for (let i = 0; i < 499; i++) {
      map.set(i * 0x4000, i * 0x4000 + 0x3000, { type: RegionType.Anon, protection: i % 2 ? 1 : 3 });
    }
    expect(map.count).toBe(998);
    expect(map.findFree(0x1000)).toBe(0x3000);
    expect(map.findFree(0x2000)).toBe(498 * 0x4000 + 0x3000);
    map.check();
  });

  it('agrees with a per-page model over random operations', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer({ min: 3, max: 40 }), (ops, limit) => {
        const map = new RegionMap(BASE, BASE + PAGES * PAGE_SIZE, { limit });
        let model = expand(map);
        for (const op of ops) {
          const first = op.first;
          const end = Math.min(PAGES, first + op.length);
          const base = BASE + first * PAGE_SIZE;
          const ceiling = BASE + end * PAGE_SIZE;
          const before = map.regions();
          try {
            if (op.kind === 'set') {
              map.set(base, ceiling, {
                type: op.type,
                protection: op.protection,
                physBase: op.phys * PAGE_SIZE,
                name: op.name,
              });
              for (let p = first; p < end; p++) {
                model[p] =
                  op.type === RegionType.Free
                    ? { type: 0, protection: 0, flags: 0, phys: 0, name: '' }
                    : {
                        type: op.type,
                        protection: op.protection,
                        flags: 0,
                        phys: op.type === RegionType.Phys ? (op.phys + p - first) * PAGE_SIZE : 0,
                        name: op.name,
                      };
              }
            } else if (op.kind === 'protect') {
              map.protect(base, ceiling, op.protection);
              for (let p = first; p < end; p++) if (model[p].type !== 0) model[p].protection = op.protection;
            } else if (op.kind === 'flags') {
              map.addFlags(base, ceiling, RegionFlag.Sealed);
              for (let p = first; p < end; p++) if (model[p].type !== 0) model[p].flags |= RegionFlag.Sealed;
            } else {
              const hint = op.hint === null ? undefined : BASE + op.hint * PAGE_SIZE;
              const got = map.findFree(op.length * PAGE_SIZE, op.align * PAGE_SIZE, hint);
              let want = -1;
              if (hint !== undefined) {
                const h = Math.ceil(op.hint! / op.align) * op.align;
                if (modelFirstFit(model, op.length, op.align, h) === h) want = h;
                else want = modelFirstFit(model, op.length, op.align, op.hint!);
              }
              if (want < 0) want = modelFirstFit(model, op.length, op.align, 0);
              expect(got).toBe(want < 0 ? -1 : BASE + want * PAGE_SIZE);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(LimitError);
            expect(map.regions()).toEqual(before);
            model = expand(map);
          }
          map.check();
          expect(expand(map)).toEqual(model);
          expect(map.count).toBeLessThanOrEqual(limit);
          const probe = BASE + ((first * 7) % PAGES) * PAGE_SIZE + 5;
          const i = map.find(probe);
          expect(map.base(i) <= probe && probe < map.ceiling(i)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('clones an independent copy', () => {
    const map = new RegionMap(0, 0x100000);
    map.set(0x1000, 0x2000, { type: RegionType.Anon, protection: 3, name: 'a' });
    const copy = map.clone();
    map.set(0x1000, 0x2000, { type: RegionType.Free });
    expect(copy.usedRegions()).toHaveLength(1);
    expect(map.usedRegions()).toHaveLength(0);
    copy.check();
  });
});

describe('LinkedRegionList (the seed baseline)', () => {
  it('finds the node holding an address', () => {
    const list = new LinkedRegionList();
    list.append(0, 0x1000, RegionType.Free);
    list.append(0x1000, 0x3000, RegionType.Anon);
    expect(list.find(0x2fff)?.base).toBe(0x1000);
    expect(list.find(0x3000)).toBeNull();
  });

  it('inserts regions in address order whatever the order of creation', () => {
    const list = new LinkedRegionList();
    list.insert(0x5000, 0x6000, RegionType.Anon);
    list.insert(0x1000, 0x2000, RegionType.Anon);
    list.insert(0x3000, 0x4000, RegionType.Phys);
    expect(list.find(0x3800)?.type).toBe(RegionType.Phys);
    expect(list.find(0x5fff)?.base).toBe(0x5000);
    expect(list.find(0x2800)).toBeNull();
    expect(() => list.insert(0x3800, 0x4800, RegionType.Anon)).toThrow(RangeError);
    expect(list.count).toBe(3);
  });
});
