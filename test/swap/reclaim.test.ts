/**
 * Reclaim and swap-in, case by case: the swap cache (a clean page goes without a write), pages
 * shared by fork evicted from both spaces and read back, slots across fork and exit, the resident
 * limit, pinned pages skipped, and every refusal (no frame, no slot) leaving things as they were.
 */
import { describe, expect, it } from 'vitest';
import { InvariantError, OutOfMemoryError } from '../../src/common/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Access } from '../../src/mmu/flags.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';
import { Eviction } from '../../src/vm/reclaim.js';
import { Protection, RegionFlag } from '../../src/vm/region-types.js';
import type { VmSwap } from '../../src/vm/vm-swap.js';
import { byte, evict } from './helpers.js';

const PAGE = 4096;

function machine(extra: Record<string, unknown> = {}) {
  const kernel = new Kernel({ ramBytes: 1 << 20, swapBytes: 1 << 20, ...extra });
  const swap = kernel.machine.swap as VmSwap;
  return { kernel, swap };
}

describe('reclaim and swap-in', () => {
  it('writes a dirty page, drops a clean one that kept its slot, and writes it again once written', () => {
    const { kernel, swap } = machine();
    const p = kernel.createProcess();
    const va = p.space.mapAnon(PAGE);
    p.space.fill(va, PAGE, 7);
    expect(evict(swap, p.space.access(va))).toBe(Eviction.Evicted);
    expect(swap.device.writes).toBe(1);
    expect(p.space.swappedPages()).toBe(1);
    expect(p.space.residentPages).toBe(0);
    kernel.check();
    expect(byte(p.space, va + 100)).toBe(7); // a major fault
    expect(p.space.faults.swapIn).toBe(1);
    expect(swap.device.reads).toBe(1);
    expect(evict(swap, p.space.access(va))).toBe(Eviction.Evicted);
    expect(swap.device.writes).toBe(1); // clean: dropped, its slot still holds it
    expect(swap.stats.cleanDrops).toBe(1);
    p.space.fill(va + 5, 1, 9);
    expect(evict(swap, p.space.access(va))).toBe(Eviction.Evicted);
    expect(swap.device.writes).toBe(2);
    expect(byte(p.space, va + 5)).toBe(9);
    expect(byte(p.space, va + 6)).toBe(7);
    kernel.check();
    kernel.exit(p.pid);
    kernel.check();
    expect(swap.device.stats().usedSlots).toBe(0);
  });

  it('evicts a page shared by fork from both spaces; one reads it back, the other finds it cached', () => {
    const { kernel, swap } = machine({ format: 'x86-64' });
    const parent = kernel.createProcess();
    const va = parent.space.mapAnon(PAGE);
    parent.space.fill(va, PAGE, 1);
    const child = kernel.fork(parent.pid);
    const pa = parent.space.access(va);
    expect(child.space.access(va)).toBe(pa);
    expect(swap.reverseMap.mapCount[pa >>> 12]).toBe(2);
    expect(evict(swap, pa)).toBe(Eviction.Evicted);
    expect(parent.space.swappedPages()).toBe(1);
    expect(child.space.swappedPages()).toBe(1);
    expect(swap.device.stats().usedSlots).toBe(1);
    kernel.check(); // no TLB entry of either space reaches the freed frame
    expect(byte(child.space, va)).toBe(1);
    expect(child.space.faults.swapIn).toBe(1);
    expect(byte(parent.space, va)).toBe(1);
    expect(parent.space.faults.swapCache).toBe(1); // the same frame, no second read
    expect(swap.device.reads).toBe(1);
    expect(parent.space.access(va)).toBe(child.space.access(va));
    // Copy-on-write of the swapped-in shared page: the writer copies, the other keeps its byte.
    parent.space.fill(va, 1, 2);
    expect(byte(parent.space, va)).toBe(2);
    expect(byte(child.space, va)).toBe(1);
    kernel.check();
    kernel.exit(parent.pid);
    kernel.exit(child.pid);
    kernel.check();
    expect(swap.device.stats().usedSlots).toBe(0);
  });

  it('a fork of a space with swapped pages shares their slots; exits give them back', () => {
    const { kernel, swap } = machine({ format: 'sv39' });
    const parent = kernel.createProcess();
    const va = parent.space.mapAnon(3 * PAGE);
    for (let k = 0; k < 3; k++) parent.space.fill(va + k * PAGE, PAGE, 10 + k);
    for (let k = 0; k < 3; k++) evict(swap, parent.space.access(va + k * PAGE));
    const child = kernel.fork(parent.pid);
    expect(child.space.swappedPages()).toBe(3);
    expect(swap.device.stats().usedSlots).toBe(3);
    expect([...swap.device.refs.subarray(1, 4)]).toEqual([2, 2, 2]);
    kernel.check();
    child.space.fill(va + PAGE, 1, 99); // swap-in for a write of a slot the parent still names
    expect(byte(parent.space, va + PAGE)).toBe(11);
    expect(byte(child.space, va + PAGE)).toBe(99);
    kernel.exit(child.pid);
    kernel.check();
    for (let k = 0; k < 3; k++) expect(byte(parent.space, va + k * PAGE)).toBe(10 + k);
    kernel.exit(parent.pid);
    kernel.check();
    expect(swap.device.stats().usedSlots).toBe(0);
  });

  it('MAP_SHARED pages swapped out from both sharers stay one page when they come back', () => {
    const { kernel, swap } = machine();
    const parent = kernel.createProcess();
    const va = parent.space.mapAnon(PAGE, { flags: RegionFlag.Shared });
    parent.space.fill(va, PAGE, 3);
    const child = kernel.fork(parent.pid);
    evict(swap, parent.space.access(va));
    child.space.fill(va, 1, 4); // swap-in, writable: the region is shared
    expect(byte(parent.space, va)).toBe(4);
    evict(swap, parent.space.access(va)); // dirty: written again
    expect(swap.device.writes).toBe(2);
    parent.space.fill(va + 1, 1, 5);
    expect(byte(child.space, va + 1)).toBe(5);
    kernel.check();
    kernel.exit(child.pid);
    expect(byte(parent.space, va)).toBe(4);
    kernel.exit(parent.pid);
    kernel.check();
    expect(swap.device.stats().usedSlots).toBe(0);
  });

  it('munmap and mprotect over swapped pages: slots and emptied tables go back, data stays', () => {
    const { kernel, swap } = machine();
    const p = kernel.createProcess();
    const tablesBefore = kernel.pageTables.tablePageCount;
    const va = p.space.mapAnon(4 * PAGE, { at: 0x40000000 });
    for (let k = 0; k < 4; k++) p.space.fill(va + k * PAGE, PAGE, k + 1);
    for (let k = 0; k < 4; k++) evict(swap, p.space.access(va + k * PAGE));
    p.space.protect(va, 4 * PAGE, Protection.None);
    kernel.check();
    p.space.protect(va, 4 * PAGE, Protection.Read);
    expect(byte(p.space, va + 2 * PAGE)).toBe(3);
    expect(() => p.space.fill(va, 1, 0)).toThrow(/does not allow it/);
    p.space.unmap(va, 4 * PAGE);
    kernel.check();
    expect(swap.device.stats().usedSlots).toBe(0);
    expect(kernel.pageTables.tablePageCount).toBe(tablesBefore);
  });

  it('a swap-in that finds no frame changes nothing; an eviction that finds no slot leaves the page', () => {
    let failing: FailingFrameSource | undefined;
    const kernel = new Kernel({
      ramBytes: 1 << 20,
      swapBytes: 3 * PAGE, // two slots
      wrapFrames: (pmm) => {
        failing = new FailingFrameSource(pmm);
        return failing;
      },
    });
    const swap = kernel.machine.swap as VmSwap;
    const p = kernel.createProcess();
    const va = p.space.mapAnon(3 * PAGE);
    for (let k = 0; k < 3; k++) p.space.fill(va + k * PAGE, PAGE, k + 1);
    expect(evict(swap, p.space.access(va))).toBe(Eviction.Evicted);
    expect(evict(swap, p.space.access(va + PAGE))).toBe(Eviction.Evicted);
    expect(evict(swap, p.space.access(va + 2 * PAGE))).toBe(Eviction.NoSlot);
    expect(byte(p.space, va + 2 * PAGE)).toBe(3);
    kernel.check();
    // The only resident page is the one being read: nothing to reclaim when the frame fails.
    p.space.unmap(va + 2 * PAGE, PAGE);
    failing?.failAfter(0);
    const faults = { ...p.space.faults };
    expect(() => byte(p.space, va)).toThrow(OutOfMemoryError);
    expect(p.space.faults).toEqual(faults);
    expect(p.space.swappedPages()).toBe(2);
    expect(swap.device.reads).toBe(0);
    kernel.check();
    expect(byte(p.space, va)).toBe(1);
    kernel.exit(p.pid);
    kernel.check();
  });

  it('out of RAM and swap: OutOfMemoryError, and the write changed nothing', () => {
    const kernel = new Kernel({ ramBytes: 96 * 1024, swapBytes: 4 * PAGE });
    const p = kernel.createProcess();
    const pages = 40;
    const va = p.space.mapAnon(pages * PAGE);
    let written = 0;
    try {
      for (; written < pages; written++) p.space.fill(va + written * PAGE, PAGE, written + 1);
    } catch (error) {
      expect(error).toBeInstanceOf(OutOfMemoryError);
    }
    expect(written).toBeGreaterThan(20);
    expect(written).toBeLessThan(pages);
    kernel.check();
    // Room again: the first ten pages go; every other page reads back, the refused one as zeros.
    p.space.unmap(va, 10 * PAGE);
    for (let k = 10; k < written; k++) expect(byte(p.space, va + k * PAGE)).toBe(k + 1);
    expect(byte(p.space, va + written * PAGE)).toBe(0);
    kernel.exit(p.pid);
    kernel.check();
  });

  it('skips and counts a page pinned by a message in flight', () => {
    const { kernel, swap } = machine({ ramBytes: 128 * 1024 });
    const a = kernel.createProcess();
    const b = kernel.createProcess();
    const va = a.space.mapAnon(PAGE);
    a.space.fill(va, PAGE, 8);
    kernel.ipc.copy(a.pid, b.pid, va, PAGE);
    const pa = a.space.access(va);
    expect(evict(swap, pa)).toBe(Eviction.Pinned);
    // Pressure from another process: reclaim passes the pinned page over and counts it.
    const c = kernel.createProcess();
    const big = c.space.mapAnon(40 * PAGE);
    for (let k = 0; k < 40; k++) c.space.fill(big + k * PAGE, 1, 1);
    expect(swap.stats.skipped.pinned).toBeGreaterThan(0);
    expect(a.space.access(va)).toBe(pa);
    const byUse = kernel.pmm.stats().allocatedByUse;
    expect(swap.unevictable()).toEqual({
      pageTables: byUse.PageTable,
      kernel: byUse.Kernel ?? 0,
      messages: byUse.Message ?? 0,
      direct: byUse.Direct ?? 0,
      pinned: 1,
    });
    kernel.ipc.receive(b.pid);
    expect(swap.unevictable().pinned).toBe(0);
    kernel.check();
  });

  it('a resident limit keeps a process to its pages by replacing its own (local replacement)', () => {
    const { kernel, swap } = machine();
    const p = kernel.createProcess();
    const q = kernel.createProcess();
    const other = q.space.mapAnon(4 * PAGE);
    q.space.fill(other, 4 * PAGE, 1);
    kernel.setResidentLimit(p.pid, 3);
    expect(p.space.residentLimit).toBe(3);
    const va = p.space.mapAnon(10 * PAGE);
    for (let k = 0; k < 10; k++) {
      p.space.fill(va + k * PAGE, 1, k + 1);
      expect(p.space.residentPages).toBeLessThanOrEqual(3);
    }
    expect(p.space.swappedPages()).toBe(7);
    expect(q.space.residentPages).toBe(4); // global pages untouched
    expect(swap.stats.local).toBeGreaterThan(0);
    for (let k = 0; k < 10; k++) expect(byte(p.space, va + k * PAGE)).toBe(k + 1);
    kernel.check();
    kernel.setResidentLimit(p.pid, 1);
    expect(p.space.residentPages).toBe(1);
    kernel.check();
  });

  it('the checker finds a reverse map or a slot count that disagrees with the tables', () => {
    const { kernel, swap } = machine();
    const p = kernel.createProcess();
    const va = p.space.mapAnon(2 * PAGE);
    p.space.fill(va, 2 * PAGE, 1);
    const pa = p.space.access(va);
    evict(swap, p.space.access(va + PAGE));
    kernel.check();
    swap.device.refs[1]++;
    expect(() => kernel.check()).toThrow(/swap slot 1 has 2 holders but 1 were found/);
    swap.device.refs[1]--;
    swap.reverseMap.remove(pa >>> 12, p.space.swapId, va);
    expect(() => kernel.check()).toThrow(InvariantError);
  });

  it('counts major faults apart from minor ones', () => {
    const { kernel, swap } = machine();
    const p = kernel.createProcess();
    const va = p.space.mapAnon(2 * PAGE);
    p.space.access(va, Access.Write);
    p.space.access(va + PAGE, Access.Write);
    evict(swap, p.space.access(va));
    p.space.access(va, Access.Read);
    expect(p.space.faults).toEqual({
      demandZero: 2,
      phys: 0,
      cowCopy: 0,
      cowTakeover: 0,
      swapIn: 1,
      swapCache: 0,
    });
  });

  it('refuses bad swap settings by naming the field', () => {
    expect(() => new Kernel({ swapBytes: 5000 })).toThrow(/kernel config: swapBytes 5000/);
    expect(() => new Kernel({ swapBytes: 1 << 20, policy: 'belady' as 'fifo' })).toThrow(/policy 'belady'/);
    expect(() => new Kernel({ residentLimit: 4 })).toThrow(/residentLimit 4 is not usable without swap/);
    expect(() => new Kernel({ swapBytes: 1 << 20, lowWatermark: 8, highWatermark: 4 })).toThrow(
      /highWatermark 4/,
    );
    expect(() => new Kernel({ swapBytes: 1 << 20, swapLatencyNs: Number.NaN })).toThrow(/swapLatencyNs/);
    const plain = new Kernel({ ramBytes: 1 << 20 });
    const p = plain.createProcess();
    expect(() => plain.setResidentLimit(p.pid, 3)).toThrow(/needs a machine with swap/);
    const swapped = machine().kernel;
    expect(() => swapped.setResidentLimit(swapped.createProcess().pid, -1)).toThrow(/residentLimit: -1/);
  });
});
