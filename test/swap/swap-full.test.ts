/**
 * A swap device that fills up: a write by a page's one holder frees its swap-cache slot, an
 * eviction that finds no free slot first takes back the slots resident pages keep in the swap
 * cache (as Linux does when vm_swap_full), and only then is refused, changing nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutOfMemoryError } from '../../src/common/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Access } from '../../src/mmu/flags.js';
import { NO_SLOT } from '../../src/swap/swap-cache.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';
import { Eviction } from '../../src/vm/reclaim.js';
import type { VmSwap } from '../../src/vm/vm-swap.js';
import { ScenarioError } from '../../src/workload/scenario/errors.js';
import { runScenario } from '../../src/workload/scenario/executor.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';
import { parseRw } from '../../src/workload/trace/rw-parser.js';
import { replayTrace } from '../../src/workload/trace/trace-replay.js';
import { byte, evict } from './helpers.js';

const PAGE = 4096;
const examples = join(import.meta.dirname, '..', '..', 'examples', 'traces', 'mem');
const belady = parseRw(readFileSync(join(examples, 'belady.rw'), 'utf8'));

/** A 1 MiB machine whose swap device has `slots` slots besides its header. */
function machine(slots: number, extra: Record<string, unknown> = {}) {
  const kernel = new Kernel({ ramBytes: 1 << 20, swapBytes: (slots + 1) * PAGE, ...extra });
  return { kernel, swap: kernel.machine.swap as VmSwap };
}

describe('a full swap device', () => {
  it('a write fault that brings a page back frees its slot: the copy is stale', () => {
    const { kernel, swap } = machine(4);
    const p = kernel.createProcess();
    const va = p.space.mapAnon(2 * PAGE);
    p.space.fill(va, 2 * PAGE, 5);
    evict(swap, p.space.access(va));
    evict(swap, p.space.access(va + PAGE));
    expect(swap.device.stats().usedSlots).toBe(2);
    p.space.access(va, Access.Read); // a read keeps the slot (a clean page can go without a write)
    expect(swap.cache.slotOfFrame[p.space.access(va) >>> 12]).not.toBe(NO_SLOT);
    expect(swap.device.stats().usedSlots).toBe(2);
    p.space.access(va + PAGE, Access.Write); // a write does not
    kernel.check();
    expect(swap.cache.slotOfFrame[p.space.access(va + PAGE) >>> 12]).toBe(NO_SLOT);
    expect(swap.device.stats().usedSlots).toBe(1);
    expect(swap.stats.staleSlotDrops).toBe(1);
    expect(p.space.faults.swapIn).toBe(2);
    expect(byte(p.space, va + PAGE + 9)).toBe(5);
    kernel.exit(p.pid);
    kernel.check();
    expect(swap.device.stats().usedSlots).toBe(0);
  });

  it('a user copy that writes swapped pages and runs out keeps their slots: its undo names them again', () => {
    let failing: FailingFrameSource | undefined;
    const kernel = new Kernel({
      ramBytes: 1 << 20,
      swapBytes: 3 * PAGE,
      wrapFrames: (pmm) => {
        failing = new FailingFrameSource(pmm);
        return failing;
      },
    });
    const swap = kernel.machine.swap as VmSwap;
    const p = kernel.createProcess();
    const va = p.space.mapAnon(2 * PAGE);
    p.space.fill(va, 2 * PAGE, 6);
    evict(swap, p.space.access(va));
    evict(swap, p.space.access(va + PAGE));
    kernel.check();
    const faults = { ...p.space.faults };
    failing?.failAfter(1); // the first page comes back, the second finds no frame
    expect(() => p.space.fill(va, 2 * PAGE, 7)).toThrow(OutOfMemoryError);
    expect(p.space.faults).toEqual(faults);
    expect(p.space.swappedPages()).toBe(2);
    expect(swap.device.stats().usedSlots).toBe(2);
    expect(swap.stats.staleSlotDrops).toBe(0);
    kernel.check();
    failing?.failAfter(Number.POSITIVE_INFINITY);
    expect(byte(p.space, va)).toBe(6);
    expect(byte(p.space, va + PAGE)).toBe(6);
    kernel.exit(p.pid);
    kernel.check();
  });

  it('a write to a cached page its last sharer takes over frees the slot (copy-on-write take-over)', () => {
    const { kernel, swap } = machine(4);
    const parent = kernel.createProcess();
    const va = parent.space.mapAnon(PAGE);
    parent.space.fill(va, PAGE, 3);
    const child = kernel.fork(parent.pid);
    expect(evict(swap, parent.space.access(va))).toBe(Eviction.Evicted);
    expect(byte(child.space, va)).toBe(3); // a major fault: the frame keeps the slot
    expect(byte(parent.space, va)).toBe(3); // a minor one: the same frame, read-only to both
    const pfn = parent.space.access(va) >>> 12;
    expect(swap.device.refs[swap.cache.slotOfFrame[pfn]]).toBe(1); // the cache's alone
    kernel.exit(child.pid);
    kernel.check();
    expect(swap.device.stats().usedSlots).toBe(1);
    parent.space.access(va, Access.Write); // a store of the process (a user copy keeps the slot for its undo)
    parent.space.fill(va, 1, 4);
    expect(parent.space.faults.cowTakeover).toBe(1);
    expect(swap.cache.slotOfFrame[pfn]).toBe(NO_SLOT);
    expect(swap.device.stats().usedSlots).toBe(0);
    expect(swap.stats.staleSlotDrops).toBe(1);
    kernel.check();
    // Evicted again, it has no copy: it is written to a new slot.
    const writes = swap.device.writes;
    expect(evict(swap, parent.space.access(va))).toBe(Eviction.Evicted);
    expect(swap.device.writes).toBe(writes + 1);
    expect(byte(parent.space, va)).toBe(4);
    expect(byte(parent.space, va + 1)).toBe(3);
    kernel.exit(parent.pid);
    kernel.check();
  });

  it('an eviction that finds no slot takes back the slots of cached resident pages, then evicts', () => {
    const { kernel, swap } = machine(2);
    const p = kernel.createProcess();
    const va = p.space.mapAnon(3 * PAGE);
    for (let k = 0; k < 3; k++) p.space.fill(va + k * PAGE, PAGE, k + 1);
    expect(evict(swap, p.space.access(va))).toBe(Eviction.Evicted);
    expect(evict(swap, p.space.access(va + PAGE))).toBe(Eviction.Evicted);
    expect(byte(p.space, va)).toBe(1); // back in RAM, still holding its slot: the device is full
    expect(swap.device.freeCount).toBe(0);
    const writes = swap.device.writes;
    expect(evict(swap, p.space.access(va + 2 * PAGE))).toBe(Eviction.Evicted);
    expect(swap.stats.cacheReleaseScans).toBe(1);
    expect(swap.stats.cacheSlotReleases).toBe(1);
    expect(swap.stats.skipped.noSlot).toBe(0);
    expect(swap.device.writes).toBe(writes + 1);
    expect(swap.cache.size).toBe(0);
    kernel.check();
    // The first page lost its copy: evicting it now needs a slot, and none is left.
    const pa = p.space.access(va);
    const before = { writes: swap.device.writes, used: swap.device.stats().usedSlots };
    expect(evict(swap, pa)).toBe(Eviction.NoSlot);
    expect(p.space.access(va)).toBe(pa);
    expect({ writes: swap.device.writes, used: swap.device.stats().usedSlots }).toEqual(before);
    expect(swap.stats.cacheReleaseScans).toBe(1); // nothing to take back: no scan
    kernel.check();
    for (let k = 0; k < 3; k++) expect(byte(p.space, va + k * PAGE)).toBe(k + 1);
    kernel.exit(p.pid);
    kernel.check();
    expect(swap.device.stats().usedSlots).toBe(0);
  });

  it('a slot other swap entries still name is not taken back; the eviction is refused and changes nothing', () => {
    const { kernel, swap } = machine(2);
    const parent = kernel.createProcess();
    const va = parent.space.mapAnon(3 * PAGE);
    for (let k = 0; k < 3; k++) parent.space.fill(va + k * PAGE, PAGE, k + 1);
    const child = kernel.fork(parent.pid);
    expect(evict(swap, parent.space.access(va))).toBe(Eviction.Evicted);
    expect(evict(swap, parent.space.access(va + PAGE))).toBe(Eviction.Evicted);
    expect(byte(child.space, va)).toBe(1); // cached; the parent's swap entry still names the slot
    parent.space.fill(va + 2 * PAGE, 1, 9); // a private copy of page 2 in the parent, no slot
    const pa = parent.space.access(va + 2 * PAGE);
    kernel.check();
    const before = {
      writes: swap.device.writes,
      used: swap.device.stats().usedSlots,
      cached: swap.cache.size,
      resident: parent.space.residentPages,
    };
    expect(evict(swap, pa)).toBe(Eviction.NoSlot);
    expect({
      writes: swap.device.writes,
      used: swap.device.stats().usedSlots,
      cached: swap.cache.size,
      resident: parent.space.residentPages,
    }).toEqual(before);
    expect(swap.stats.cacheSlotReleases).toBe(0);
    kernel.check();
    expect(byte(parent.space, va + 2 * PAGE)).toBe(9);
    expect(byte(child.space, va + 2 * PAGE)).toBe(3);
    kernel.exit(child.pid);
    kernel.exit(parent.pid);
    kernel.check();
    expect(swap.device.stats().usedSlots).toBe(0);
  });

  it("Belady's string with 3 frames and 3 slots: the textbook counts, no eviction refused", () => {
    // Five pages, three resident: two are out, and the third slot is the one the faulting page
    // holds while its victim goes. Slots the swap cache keeps for resident pages are taken back.
    const run = (policy: 'fifo' | 'lru' | 'opt') =>
      replayTrace(belady, { policy, frames: 3, swapBytes: 4 * PAGE, checkEachAccess: true });
    const results = [run('fifo'), run('lru'), run('opt')];
    expect(results.map((r) => r.pageFaults)).toEqual([9, 10, 7]);
    expect(results.map((r) => r.refusedEvictions)).toEqual([0, 0, 0]);
    expect(results.map((r) => r.evictions)).toEqual([6, 7, 4]);
  });

  it('a scenario whose pages need the cached slots keeps its resident limit', () => {
    const touches = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5]
      .map((page) => `touch a + ${page * 4}K 1 read`)
      .join('\n');
    const text = `machine swap 16K\nmachine policy fifo\nmachine resident 3\nprocess p\na = map anon 24K\n${touches}\nexpect major-faults p == 4\nexpect evictions == 6\nexpect swapped p == 2\nexit p\nexpect swap-slots == 0\nexpect all-freed\n`;
    let failures: string[];
    try {
      failures = runScenario(parseScenario(text, 's.pf')).failures;
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      failures = [error.message];
    }
    expect(failures).toEqual([]);
  });
});
