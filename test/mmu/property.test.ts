/**
 * Property tests: random map / unmap / protect / translate sequences on two address spaces
 * sharing the kernel half, against a reference model (a Map from page base to frame and flags),
 * for each format, through the TLB (small, so it evicts) and without it. After every step the
 * page tables' invariant checker runs and no TLB entry may disagree with the tables; at the end
 * everything is unmapped and destroyed and every table frame must be back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageframeError } from '../../src/common/errors.js';
import { Access, PageFlags as F, FaultCause, Mode } from '../../src/mmu/flags.js';
import { createFormat } from '../../src/mmu/formats.js';
import { Mmu } from '../../src/mmu/mmu.js';
import type { FormatName, PageTableFormat } from '../../src/mmu/page-table-format.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { PhysicalMemoryManager } from '../../src/phys/physical-memory-manager.js';
import { snapshotTables } from './helpers.js';

interface Mapping {
  pa: number;
  size: number;
  flags: number;
}

type Op =
  | { kind: 'map'; space: number; slot: number[]; level: number; frame: number; flags: number }
  | { kind: 'unmap'; space: number; slot: number[]; level: number }
  | { kind: 'protect'; space: number; slot: number[]; level: number; flags: number }
  | { kind: 'translate'; space: number; slot: number[]; offset: number; access: number; mode: number };

/** space 0, 1: user halves of two roots; 2: the shared kernel half. */
function vaOf(format: PageTableFormat, space: number, slot: number[], level: number): number {
  let va = space === 2 ? format.kernelBase : 0;
  for (let l = format.pageSizes.length - 1; l >= level; l--) va += slot[l] * format.pageSizes[l];
  return va;
}

function fixFlags(format: PageTableFormat, raw: number): number {
  let flags = raw & (F.Read | F.Write | F.Execute | F.User | F.Global | F.Soft0 | F.Soft1);
  if (format.name === 'sv39') {
    if (flags & F.Write) flags |= F.Read;
    if ((flags & (F.Read | F.Write | F.Execute)) === 0) flags |= F.Read;
  }
  return format.effectiveFlags(flags);
}

function allowed(format: PageTableFormat, flags: number, access: number, mode: number): boolean {
  const need = access === Access.Read ? F.Read : access === Access.Write ? F.Write : F.Execute;
  if (format.name === 'sv39') {
    if (((flags & F.User) !== 0) !== (mode === Mode.User)) return false;
    return (flags & need) !== 0;
  }
  if (mode === Mode.User && !(flags & F.User)) return false;
  return (flags & need) !== 0;
}

function opArbitrary(format: PageTableFormat): fc.Arbitrary<Op> {
  const levels = format.pageSizes.length;
  const slot = fc.tuple(
    ...Array.from({ length: levels }, (_, l) => fc.integer({ min: 0, max: l === 0 ? 3 : 1 })),
  );
  const level = fc.integer({ min: 0, max: levels - 1 });
  const space = fc.integer({ min: 0, max: 2 });
  const flags = fc.integer({ min: 0, max: 0x3ff });
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('map' as const),
        space,
        slot,
        level,
        frame: fc.nat(7),
        flags,
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('unmap' as const), space, slot, level }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('protect' as const), space, slot, level, flags }) },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('translate' as const),
        space,
        slot,
        offset: fc.nat(4095),
        access: fc.integer({ min: 0, max: 2 }),
        mode: fc.integer({ min: 0, max: 1 }),
      }),
    },
  );
}

function runSequence(name: FormatName, ops: Op[], useTlb: boolean): void {
  const format = createFormat(name);
  const largest = format.pageSizes[format.pageSizes.length - 1];
  const phys = new PhysicalMemoryManager({ ramBytes: 8 * largest > 2 ** 31 ? 2 ** 31 : 16 * largest });
  const baseline = phys.allocatedFrames;
  const pt = new PageTables(format, phys.memory, phys);
  const roots = [pt.createRoot(1), pt.createRoot(2)];
  const mmu = new Mmu(pt, { entries: 8, ways: 2 });
  const asids = format.name === 'i386' ? [0, 0] : [1, 2];
  const asidRoot = new Map(asids.map((a, i) => [a, roots[i]]));
  const rootOf = (asid: number) => (format.name === 'i386' ? mmu.root : asidRoot.get(asid));
  const models = [new Map<number, Mapping>(), new Map<number, Mapping>(), new Map<number, Mapping>()];
  const topLevel = format.levels - 1;
  const pinnedKernelTables = new Set<number>();
  const rootFor = (space: number) => (space === 2 ? roots[0] : roots[space]);
  const modelsSeen = (space: number) => (space === 2 ? [models[2]] : [models[space], models[2]]);
  const covering = (space: number, va: number): [number, Mapping] | undefined => {
    for (const model of modelsSeen(space)) {
      for (const [base, m] of model) if (va >= base && va < base + m.size) return [base, m];
    }
    return undefined;
  };
  const invalidate = (space: number, va: number) => {
    if (space === 2) for (const a of asids) mmu.invalidatePage(va, a);
    else mmu.invalidatePage(va, asids[space]);
  };
  const expectUnchanged = (call: () => void, error: unknown) => {
    const before = snapshotTables(pt);
    expect(call).toThrow(error as never);
    expect(snapshotTables(pt)).toBe(before);
  };

  for (const op of ops) {
    const space = op.space;
    const root = rootFor(space);
    const model = models[space];
    if (op.kind === 'map') {
      const size = format.pageSizes[op.level];
      const va = vaOf(format, space, op.slot, op.level);
      const pa = (op.frame % (phys.memory.size / size)) * size;
      // A global user page would outlive address-space switches in the TLB: kernels never do it.
      const flags = fixFlags(format, space === 2 ? op.flags : op.flags & ~F.Global);
      const overlaps = [...model].some(([b, m]) => b < va + size && va < b + m.size);
      // The kernel's tables under the root are shared by copying top-level entries into every
      // root, so once made they stay (as Linux keeps its kernel page tables): a top-level page
      // (i386 4 MiB, Sv39 1 GiB) cannot go where a kernel table once was.
      const topIndex = format.indexOf(va, topLevel);
      const onPinnedTable = space === 2 && op.level === topLevel && pinnedKernelTables.has(topIndex);
      if (overlaps || onPinnedTable) {
        expectUnchanged(() => pt.map(root, va, pa, size, flags), PageframeError);
      } else {
        pt.map(root, va, pa, size, flags);
        model.set(va, { pa, size, flags });
        if (space === 2 && op.level < topLevel) pinnedKernelTables.add(topIndex);
      }
    } else if (op.kind === 'unmap' || op.kind === 'protect') {
      const va = vaOf(format, space, op.slot, op.level);
      const exact = model.get(va);
      const flags =
        op.kind === 'protect' ? fixFlags(format, space === 2 ? op.flags : op.flags & ~F.Global) : 0;
      const call = () => (op.kind === 'unmap' ? pt.unmap(root, va) : pt.protect(root, va, flags));
      if (!exact) {
        expectUnchanged(call, PageframeError);
      } else if (op.kind === 'unmap') {
        expect(pt.unmap(root, va)).toBe(exact.pa);
        expect(pt.lastUnmappedSize).toBe(exact.size);
        model.delete(va);
        invalidate(space, va);
      } else {
        pt.protect(root, va, flags);
        exact.flags = flags;
        invalidate(space, va);
      }
    } else {
      const va = vaOf(format, space, op.slot, 0) + op.offset;
      const r = space === 2 ? (op.mode === 0 ? 0 : op.space) : space;
      mmu.setRoot(roots[r === 2 ? 0 : r], asids[r === 2 ? 0 : r], true);
      const found = covering(space, va);
      const access = op.access as Access;
      const mode = op.mode as Mode;
      const pa = useTlb ? mmu.translate(va, access, mode) : mmu.translateUntracked(va, access, mode);
      if (!found) {
        expect(pa).toBe(-1);
        expect(mmu.faultCause).toBe(FaultCause.NotPresent);
      } else if (!allowed(format, found[1].flags, access, mode)) {
        expect(pa).toBe(-1);
        expect(mmu.faultCause).toBe(FaultCause.Protection);
        expect(mmu.faultAddress).toBe(va);
      } else {
        expect(pa).toBe(found[1].pa + (va - found[0]));
        const entry = pt.lookup(mmu.root, va);
        expect(entry.flags & ~(F.Accessed | F.Dirty)).toBe(found[1].flags);
        if (useTlb) {
          expect(entry.flags & F.Accessed).toBe(F.Accessed);
          if (access === Access.Write) expect(entry.flags & F.Dirty).toBe(F.Dirty);
        }
      }
    }
    pt.check();
    if (useTlb) {
      expect(mmu.tlbDisagreements(rootOf)).toEqual([]);
      mmu.tlb.check();
    }
  }

  // The tables hold exactly the model.
  for (const space of [0, 1, 2]) {
    const seen: number[] = [];
    const kernelEnd = format.signExtended ? 0 : format.endVa;
    const [start, end] = space === 2 ? [format.kernelBase, kernelEnd] : [0, format.userEnd];
    pt.walkRange(rootFor(space), start, end, (va, pa, size) => {
      seen.push(va, pa, size);
    });
    const expected = [...models[space]].sort((a, b) => a[0] - b[0]).flatMap(([va, m]) => [va, m.pa, m.size]);
    expect(seen).toEqual(expected);
  }
  // Tear everything down: every table frame comes back.
  let removed = 0;
  for (const space of [0, 1]) pt.unmapRange(roots[space], 0, format.userEnd, () => removed++);
  pt.unmapRange(pt.kernelRoot, format.kernelBase, format.signExtended ? 0 : format.endVa, () => removed++);
  expect(removed).toBe(models[0].size + models[1].size + models[2].size);
  pt.check();
  for (const root of roots) pt.destroyRoot(root);
  pt.dispose();
  expect(pt.tablePageCount).toBe(0);
  expect(phys.allocatedFrames).toBe(baseline);
  phys.check();
}

describe.each(['i386', 'x86-64', 'sv39'] as const)('%s against a reference model', (name) => {
  for (const useTlb of [true, false]) {
    it(`random map / unmap / protect / translate ${useTlb ? 'through the TLB' : 'without the TLB'}`, () => {
      const format = createFormat(name);
      fc.assert(
        fc.property(fc.array(opArbitrary(format), { maxLength: 50 }), (ops) =>
          runSequence(name, ops, useTlb),
        ),
        // A failing run prints its seed and path: MMU_PROPERTY_SEED / MMU_PROPERTY_PATH replay it.
        {
          numRuns: 60,
          ...(process.env.MMU_PROPERTY_SEED ? { seed: Number(process.env.MMU_PROPERTY_SEED) } : {}),
          ...(process.env.MMU_PROPERTY_PATH ? { path: process.env.MMU_PROPERTY_PATH } : {}),
        },
      );
    });
  }
});
