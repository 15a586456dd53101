/**
 * Bad input: every refused call throws a typed error naming the address and leaves every table
 * page byte for byte as it was; running out of frames mid-map gives back what it took.
 */
import { describe, expect, it } from 'vitest';
import {
  AlignmentError,
  BusyError,
  InvalidArgumentError,
  NotAllocatedError,
  OutOfMemoryError,
} from '../../src/common/errors.js';
import { NonCanonicalAddressError, NotInRamError } from '../../src/mmu/errors.js';
import { PageFlags as F } from '../../src/mmu/flags.js';
import { createFormat } from '../../src/mmu/formats.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { GLOBAL_ASID, MAX_ASID, Tlb } from '../../src/mmu/tlb.js';
import { TlbHitIndex } from '../../src/mmu/tlb-hit-index.js';
import { PhysicalMemory } from '../../src/phys/physical-memory.js';
import { SequentialFrames, snapshotTables } from './helpers.js';

const MiB = 1024 * 1024;
const RW = F.Read | F.Write | F.User;

function setup(name: FormatName) {
  const memory = new PhysicalMemory(64 * MiB);
  const frames = new SequentialFrames(memory, 0x100000);
  const pt = new PageTables(createFormat(name), memory, frames);
  const root = pt.createRoot(1);
  pt.map(root, 0x400000, 0x10000, 4096, RW);
  return { memory, frames, pt, root };
}

function unchanged(pt: PageTables, call: () => unknown, type: new (...args: never[]) => Error, text: RegExp) {
  const before = snapshotTables(pt);
  expect(call).toThrow(type);
  expect(call).toThrow(text);
  expect(snapshotTables(pt)).toBe(before);
  pt.check();
}

describe.each(['i386', 'x86-64', 'sv39'] as const)('%s bad input', (name) => {
  it('refuses addresses outside the format', () => {
    const { pt, root } = setup(name);
    const f = pt.format;
    const beyond = name === 'i386' ? 2 ** 32 : f.endVa;
    unchanged(pt, () => pt.map(root, beyond, 0x20000, 4096, RW), NonCanonicalAddressError, /not canonical/);
    unchanged(
      pt,
      () => pt.map(root, f.minVa - 4096, 0x20000, 4096, RW),
      NonCanonicalAddressError,
      /not canonical/,
    );
    unchanged(pt, () => pt.map(root, 4096.5, 0x20000, 4096, RW), NonCanonicalAddressError, /not canonical/);
    unchanged(pt, () => pt.unmap(root, beyond), NonCanonicalAddressError, /not canonical/);
    unchanged(pt, () => pt.lookup(root, -1 * 2 ** 60), NonCanonicalAddressError, /not canonical/);
  });

  it('refuses unaligned and out-of-RAM physical addresses and unaligned large pages', () => {
    const { pt, root } = setup(name);
    const large = pt.format.pageSizes[1];
    unchanged(
      pt,
      () => pt.map(root, 0x800000, 0x20010, 4096, RW),
      AlignmentError,
      /0x00020010 is not aligned/,
    );
    unchanged(
      pt,
      () => pt.map(root, 0x801000, 0x20000, 4096 * 3, RW),
      InvalidArgumentError,
      /has no 12288-byte/,
    );
    unchanged(pt, () => pt.map(root, 0x800000, 64 * MiB, 4096, RW), NotInRamError, /outside RAM/);
    unchanged(pt, () => pt.map(root, large + 4096, 0, large, RW), AlignmentError, /is not aligned/);
    unchanged(pt, () => pt.map(root, 2 * large, 4096, large, RW), AlignmentError, /is not aligned/);
    unchanged(
      pt,
      () => pt.map(root, 2 * large, 64 * MiB - large / 2, large, RW),
      AlignmentError,
      /not aligned/,
    );
  });

  it('refuses to map over anything present, and to unmap or protect nothing', () => {
    const { pt, root } = setup(name);
    const large = pt.format.pageSizes[1];
    unchanged(pt, () => pt.map(root, 0x400000, 0x20000, 4096, RW), BusyError, /already mapped/);
    // A large page over a table that holds a small page.
    const base = 0x400000 - (0x400000 % large);
    unchanged(pt, () => pt.map(root, base, 0, large, RW), BusyError, /already mapped/);
    pt.map(root, 4 * large, 0, large, RW);
    unchanged(pt, () => pt.map(root, 4 * large + 4096, 0x20000, 4096, RW), BusyError, /already inside/);
    unchanged(pt, () => pt.unmap(root, 4 * large + 4096), AlignmentError, /not at its start/);
    unchanged(pt, () => pt.unmap(root, 0x401000), NotAllocatedError, /no page is mapped/);
    unchanged(pt, () => pt.protect(root, 0x401000, RW), NotAllocatedError, /no page is mapped/);
    unchanged(pt, () => pt.unmap(0x123000, 0x400000), InvalidArgumentError, /not a live page-table root/);
    unchanged(
      pt,
      () => pt.unmapRange(root, 4 * large + 4096, 5 * large),
      AlignmentError,
      /split the large page/,
    );
  });

  it('refuses flags the format cannot store', () => {
    const { pt, root } = setup(name);
    unchanged(
      pt,
      () => pt.map(root, 0x800000, 0x20000, 4096, 1 << 12),
      InvalidArgumentError,
      /unknown page flags/,
    );
    if (name === 'sv39') {
      unchanged(
        pt,
        () => pt.map(root, 0x800000, 0x20000, 4096, F.Write),
        InvalidArgumentError,
        /must be readable/,
      );
      unchanged(
        pt,
        () => pt.map(root, 0x800000, 0x20000, 4096, F.User),
        InvalidArgumentError,
        /one of R, W, X/,
      );
      unchanged(
        pt,
        () => pt.map(root, 0x800000, 0x20000, 4096, F.Read | F.Soft2),
        InvalidArgumentError,
        /Soft2/,
      );
      unchanged(pt, () => pt.protect(root, 0x400000, F.Write), InvalidArgumentError, /must be readable/);
    }
  });

  it('running out of frames for a table page leaves the tables and the frames as they were', () => {
    const { pt, root, frames } = setup(name);
    const levelsToBuild = pt.format.levels - 1;
    for (let allowed = 0; allowed < levelsToBuild; allowed++) {
      frames.limit = frames.live.size + allowed;
      const live = new Set(frames.live);
      // A page far from the existing one needs a fresh table at every level below the root.
      const va = name === 'i386' ? 0xc0000000 : name === 'x86-64' ? 2 ** 46 : 2 ** 37;
      unchanged(pt, () => pt.map(root, va, 0x20000, 4096, RW), OutOfMemoryError, /limit/);
      expect(frames.live).toEqual(live);
      if (allowed === 0) unchanged(pt, () => pt.createRoot(2), OutOfMemoryError, /limit/);
    }
    frames.limit = Number.POSITIVE_INFINITY;
    const before = frames.live.size;
    pt.map(root, name === 'i386' ? 0xc0000000 : name === 'x86-64' ? 2 ** 46 : 2 ** 37, 0x20000, 4096, RW);
    expect(frames.live.size).toBe(before + levelsToBuild);
  });
});

describe('teardown', () => {
  it.each(['i386', 'x86-64', 'sv39'] as const)(
    '%s: every table page comes back, kernel tables survive user roots',
    (name) => {
      const memory = new PhysicalMemory(64 * MiB);
      const frames = new SequentialFrames(memory, 0x100000);
      const pt = new PageTables(createFormat(name), memory, frames);
      const f = pt.format;
      pt.map(pt.kernelRoot, f.kernelBase, 0x5000, 4096, F.Read | F.Write | F.Global);
      const a = pt.createRoot(1);
      const b = pt.createRoot(2);
      for (let i = 0; i < 40; i++) {
        pt.map(a, i * f.pageSizes[1] + 4096 * (i % 3), 0x20000 + i * 4096, 4096, RW);
        pt.map(b, 0x1000 * i, 0x20000, 4096, RW);
      }
      pt.map(a, f.kernelBase + f.pageSizes[1], 0x9000, 4096, F.Read); // a kernel page, through a user root
      expect(pt.lookup(b, f.kernelBase + f.pageSizes[1]).pa).toBe(0x9000);
      const kernelTables = 1 + (f.levels - 1) * 1; // root + one chain for the first kernel page
      pt.check();
      pt.destroyRoot(a);
      pt.check();
      expect(pt.lookup(b, f.kernelBase).pa).toBe(0x5000);
      let dropped = 0;
      pt.unmapRange(b, 0, f.userEnd, () => dropped++);
      expect(dropped).toBe(40);
      pt.check();
      pt.destroyRoot(b);
      pt.check();
      expect(pt.tablePageCount).toBeGreaterThanOrEqual(kernelTables);
      pt.unmap(pt.kernelRoot, f.kernelBase);
      pt.unmap(pt.kernelRoot, f.kernelBase + f.pageSizes[1]);
      pt.check();
      pt.dispose();
      expect(pt.tablePageCount).toBe(0);
      expect(frames.live.size).toBe(0);
    },
  );
});

describe('the TLB refuses an ASID out of range', () => {
  it('at insert, setContext and claim, leaving its entries and counts as they were', () => {
    const tlb = new Tlb({ entries: 16, ways: 4 });
    tlb.setContext(7);
    tlb.insert(0x10, 7, 0x5000, 3, 0);
    tlb.insert(0x11, GLOBAL_ASID, 0x6000, 3, 0);
    const before = JSON.stringify(tlb.snapshot());
    for (const asid of [MAX_ASID + 1, -2, 1.5, Number.NaN]) {
      expect(() => tlb.insert(0x12, asid, 0x7000, 3, 0)).toThrow(InvalidArgumentError);
      expect(() => tlb.setContext(asid)).toThrow(/ASID .* is out of range/);
      expect(() => tlb.claim(new TlbHitIndex(), asid)).toThrow(InvalidArgumentError);
    }
    // A global entry is no context to switch to.
    expect(() => tlb.setContext(GLOBAL_ASID)).toThrow(InvalidArgumentError);
    expect(JSON.stringify(tlb.snapshot())).toBe(before);
    tlb.check();
    // The bounds themselves are ASIDs.
    tlb.insert(0x13, MAX_ASID, 0x8000, 3, 0);
    tlb.setContext(MAX_ASID);
    tlb.setContext(0);
    tlb.check();
    expect(tlb.validEntries).toBe(3);
  });
});
