/**
 * Smaller findings of the system tests, each pinned by a test that failed before its fix: the
 * fault log's undo of a copy-on-write break restores the entry's Accessed and Dirty bits (the
 * snapshot leaves A and D out, so the failure-injection tests pass over them); a change of SUM
 * drops rights the TLB cached under the old value; i386 translateUntracked wraps like translate;
 * under swap, the undo of a copy whose old frame only the swap cache shared gives back the frame
 * and its slot.
 */
import { describe, expect, it } from 'vitest';
import { OutOfMemoryError } from '../../src/common/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Access, FaultCause, Mode, PageFlags } from '../../src/mmu/flags.js';
import { createFormat } from '../../src/mmu/formats.js';
import { Mmu } from '../../src/mmu/mmu.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { PhysicalMemory } from '../../src/phys/physical-memory.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';
import { Eviction, evictFrame } from '../../src/vm/reclaim.js';
import { Protection } from '../../src/vm/region-types.js';
import type { VmSwap } from '../../src/vm/vm-swap.js';
import { SequentialFrames } from '../mmu/helpers.js';
import { machineDifference, machineSnapshot } from './snapshot.js';
import { FORMATS } from './system-model.js';

const PAGE = 4096;
const AT = 0x400000;
const HARDWARE = PageFlags.Accessed | PageFlags.Dirty;

function machine(format: (typeof FORMATS)[number], swapBytes = 0) {
  let failing: FailingFrameSource | undefined;
  const kernel = new Kernel({
    format,
    ramBytes: 8 << 20,
    swapBytes,
    wrapFrames: (pmm) => {
      failing = new FailingFrameSource(pmm);
      return failing;
    },
  });
  return { kernel, failing: failing as FailingFrameSource };
}

/** The Accessed and Dirty bits of the leaf mapping `va`. */
function hardwareBits(kernel: Kernel, root: number, va: number): number {
  return kernel.machine.pageTables.lookup(root, va).flags & HARDWARE;
}

describe.each([...FORMATS])('%s: undoing a copy-on-write break restores A and D', (format) => {
  it('a copy: the parent wrote both pages (A and D), forked, and its write of three runs out at the third', () => {
    const { kernel, failing } = machine(format);
    const parent = kernel.createProcess('parent');
    const space = parent.space;
    space.mapAnon(3 * PAGE, { at: AT, protection: Protection.ReadWrite });
    space.fill(AT, 2 * PAGE, 7);
    kernel.fork(parent.pid);
    expect(hardwareBits(kernel, space.root, AT)).toBe(HARDWARE);
    // Two copies (frames 1 and 2), then the third page's demand-zero frame fails.
    failing.failAfter(2);
    expect(() => space.fill(AT, 3 * PAGE, 9)).toThrow(OutOfMemoryError);
    failing.disarm();
    expect(hardwareBits(kernel, space.root, AT)).toBe(HARDWARE);
    expect(hardwareBits(kernel, space.root, AT + PAGE)).toBe(HARDWARE);
    expect(space.faults.cowCopy).toBe(0);
    kernel.check();
  });

  it('a takeover: the parent only read both pages (A, not D), its child exited, and its write runs out', () => {
    const { kernel, failing } = machine(format);
    const parent = kernel.createProcess('parent');
    const space = parent.space;
    space.mapAnon(3 * PAGE, { at: AT, protection: Protection.ReadWrite });
    space.read(AT, new Uint8Array(2 * PAGE));
    const child = kernel.fork(parent.pid);
    kernel.exit(child.pid);
    expect(hardwareBits(kernel, space.root, AT)).toBe(PageFlags.Accessed);
    // Both pages are taken over in place (no frame), then the third page's frame fails.
    failing.failAfter(0);
    expect(() => space.fill(AT, 3 * PAGE, 9)).toThrow(OutOfMemoryError);
    failing.disarm();
    for (const va of [AT, AT + PAGE]) {
      const entry = kernel.machine.pageTables.lookup(space.root, va);
      expect(entry.flags & (HARDWARE | PageFlags.Write)).toBe(PageFlags.Accessed);
    }
    expect(space.faults.cowTakeover).toBe(0);
    kernel.check();
  });
});

describe.each([...FORMATS])('%s: region records after an edit', (format) => {
  it('what is left of an ANON region after unmapping its head keeps physBase 0 (the soak: seed 20261130, run 21)', () => {
    const { kernel } = machine(format);
    const space = kernel.createProcess('p').space;
    // Two areas of one name merge into one region; a refused receive unmaps the one it added.
    space.mapAnon(2 * PAGE, { at: AT + 2 * PAGE, name: 'ipc' });
    const before = space.regions.regions();
    space.mapAnon(2 * PAGE, { at: AT, name: 'ipc' });
    space.unmap(AT, 2 * PAGE);
    expect(space.regions.regions()).toEqual(before);
    const cut = space.regions.find(AT + 2 * PAGE);
    expect([space.regions.base(cut), space.regions.physBase(cut)]).toEqual([AT + 2 * PAGE, 0]);
    kernel.check();
  });
});

describe('MMU control state the TLB must follow', () => {
  it('Sv39: clearing SUM takes back a supervisor read of a U page that the TLB cached under SUM = 1', () => {
    const memory = new PhysicalMemory(16 << 20);
    const tables = new PageTables(createFormat('sv39'), memory, new SequentialFrames(memory, 0x100000));
    const root = tables.createRoot(1);
    const mmu = new Mmu(tables, { entries: 64, ways: 4 });
    mmu.setRoot(root, 1);
    tables.map(root, 0x5000, 0x9000, PAGE, PageFlags.Read | PageFlags.User);
    mmu.sum = true;
    expect(mmu.translate(0x5010, Access.Read, Mode.Kernel)).toBe(0x9010);
    mmu.sum = false;
    expect(mmu.translate(0x5010, Access.Read, Mode.Kernel)).toBe(-1);
    expect([mmu.faultCause, mmu.faultCode]).toEqual([FaultCause.Protection, 13]);
    mmu.sum = true;
    expect(mmu.translate(0x5010, Access.Read, Mode.Kernel)).toBe(0x9010);
  });

  it('i386: translateUntracked takes an address at or above 2^32 modulo 2^32, as translate does', () => {
    const { kernel } = machine('i386');
    const p = kernel.createProcess('p');
    p.space.mapAnon(PAGE, { at: AT, protection: Protection.ReadWrite });
    p.space.fill(AT, PAGE, 1);
    p.space.activate();
    const mmu = kernel.machine.mmu;
    const wrapped = 2 ** 32 + AT + 0x10;
    const pa = mmu.translateUntracked(AT + 0x10, Access.Read, Mode.User);
    expect(pa).toBeGreaterThanOrEqual(0);
    expect(mmu.translate(wrapped, Access.Read, Mode.User)).toBe(pa);
    expect(mmu.translateUntracked(wrapped, Access.Read, Mode.User)).toBe(pa);
    expect(mmu.translateUntracked(-(2 ** 32) + AT + 0x10, Access.Read, Mode.User)).toBe(pa);
  });
});

describe.each([...FORMATS])('%s: undoing a copy whose page only the swap cache shared', (format) => {
  it('a write copies a page mapped once but cached for a slot a child still names, then runs out: frame and slot come back', () => {
    const { kernel, failing } = machine(format, 1 << 20);
    const swap = kernel.machine.swap as VmSwap;
    const parent = kernel.createProcess('parent');
    const space = parent.space;
    space.mapAnon(2 * PAGE, { at: AT, protection: Protection.ReadWrite });
    space.fill(AT, PAGE, 7);
    const child = kernel.fork(parent.pid);
    // Out of both spaces onto one slot, then back into the parent alone: one mapping, read-only,
    // and the frame cached for a slot the child's entry still names.
    expect(evictFrame(swap, swap.frames, space.access(AT) >>> 12)).toBe(Eviction.Evicted);
    space.read(AT, new Uint8Array(1));
    const frame = kernel.machine.pageTables.lookup(space.root, AT).pa;
    const pfn = frame >>> 12;
    const slot = swap.cache.slotOfFrame[pfn];
    expect(swap.reverseMap.mapCount[pfn]).toBe(1);
    expect(swap.isSlotShared(pfn)).toBe(true);
    const before = machineSnapshot(kernel);
    // The first page is copied (the child must keep the old bytes), the second page's
    // demand-zero frame fails.
    failing.failAfter(1);
    expect(() => space.fill(AT, 2 * PAGE, 9)).toThrow(OutOfMemoryError);
    failing.disarm();
    expect(machineDifference(before, machineSnapshot(kernel))).toBeNull();
    expect(kernel.machine.pageTables.lookup(space.root, AT).pa).toBe(frame);
    expect(swap.cache.slotOfFrame[pfn]).toBe(slot);
    kernel.check();
    // And the write succeeds once frames are there; the child still reads the old bytes.
    space.fill(AT, 2 * PAGE, 9);
    const seen = new Uint8Array(1);
    child.space.read(AT, seen);
    expect(seen[0]).toBe(7);
    kernel.exit(child.pid);
    kernel.exit(parent.pid);
    kernel.check();
    expect(swap.device.stats().usedSlots).toBe(0);
  });
});
