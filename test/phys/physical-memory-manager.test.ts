import { describe, expect, it } from 'vitest';
import {
  AddressRangeError,
  AlignmentError,
  BusyError,
  DoubleFreeError,
  InvalidArgumentError,
  InvariantError,
  LimitError,
  NotAllocatedError,
  OutOfMemoryError,
} from '../../src/common/errors.js';
import { FrameState, FrameUse, MAX_REF_COUNT } from '../../src/phys/frame-table.js';
import { FRAME_SIZE } from '../../src/phys/physical-memory.js';
import { JUNK_BYTE, PhysicalMemoryManager } from '../../src/phys/physical-memory-manager.js';
import type { FrameAllocatorKind, PhysicalMemoryConfig } from '../../src/phys/types.js';
import { expectRefused, expectUnchanged, snapshot } from './helpers.js';

const MiB = 1024 * 1024;
const KINDS: FrameAllocatorKind[] = ['buddy', 'first-fit'];

/** A 4 MiB machine with the default PC map: 159 + 512 usable frames. */
function small(allocator: FrameAllocatorKind, extra: PhysicalMemoryConfig = {}): PhysicalMemoryManager {
  return new PhysicalMemoryManager({ ramBytes: 4 * MiB, allocator, ...extra });
}

describe('PhysicalMemoryManager configuration', () => {
  it('boots the default 64 MiB PC map with the buddy allocator and zero fill', () => {
    const pmm = new PhysicalMemoryManager();
    expect(pmm.ramBytes).toBe(64 * MiB);
    expect(pmm.allocator.kind).toBe('buddy');
    expect(pmm.fill).toBe('zero');
    const stats = pmm.stats();
    expect(stats.totalFrames).toBe(16384);
    expect(stats.usableFrames).toBe(159 + 15872);
    expect(stats.reservedFrames).toBe(1 + 96 + 256);
    expect(stats.freeFrames).toBe(stats.usableFrames);
    expect(stats.allocatedFrames).toBe(0);
    expect(stats.largestFreeRun).toBe(15872);
    expect(stats.fragmentation).toBeCloseTo(1 - 15872 / 16031);
    expect(pmm.stateOf(0)).toBe(FrameState.Reserved);
    expect(pmm.stateOf(0xa0000)).toBe(FrameState.Reserved);
    expect(pmm.stateOf(MiB)).toBe(FrameState.Reserved);
    expect(pmm.stateOf(2 * MiB)).toBe(FrameState.Free);
    pmm.check();
  });

  it('takes a given memory map; unnamed ranges are usable', () => {
    const pmm = new PhysicalMemoryManager({
      ramBytes: MiB,
      memoryMap: [{ base: 64 * 1024, length: 64 * 1024, type: 'device', label: 'mmio' }],
    });
    expect(pmm.usableFrames).toBe(256 - 16);
    expect(pmm.memoryMap.map((r) => r.type)).toEqual(['usable', 'device', 'usable']);
    pmm.check();
  });

  it('refuses bad configurations', () => {
    expect(() => new PhysicalMemoryManager({ ramBytes: 1000 })).toThrow(InvalidArgumentError);
    expect(() => new PhysicalMemoryManager({ ramBytes: 2 ** 33 })).toThrow(InvalidArgumentError);
    expect(() => new PhysicalMemoryManager({ allocator: 'slab' as FrameAllocatorKind })).toThrow(
      /unknown frame allocator/,
    );
    expect(() => new PhysicalMemoryManager({ fill: 'poison' as 'zero' })).toThrow(/unknown fill policy/);
    expect(
      () =>
        new PhysicalMemoryManager({
          ramBytes: MiB,
          memoryMap: [{ base: 0, length: 2 * MiB, type: 'kernel' }],
        }),
    ).toThrow(AddressRangeError);
  });

  it('boots 4 GiB cheaply: host memory is the frame table, not RAM', () => {
    const pmm = new PhysicalMemoryManager({ ramBytes: 2 ** 32 });
    const stats = pmm.stats();
    expect(stats.totalFrames).toBe(2 ** 20);
    expect(stats.hostBytes).toBeLessThan(32 * MiB);
    const dma = pmm.allocContiguous(16, { below: 16 * MiB });
    expect(dma + 16 * FRAME_SIZE).toBeLessThanOrEqual(16 * MiB);
    const high = pmm.allocContiguous(4, { above: 0xfe00_0000 });
    expect(high).toBeGreaterThanOrEqual(0xfe00_0000);
    expect(high + 4 * FRAME_SIZE).toBeLessThanOrEqual(0xfffc_0000);
    pmm.free(dma, 16);
    pmm.free(high, 4);
    pmm.check();
  });
});

describe.each(KINDS)('PhysicalMemoryManager with the %s allocator', (kind) => {
  describe('allocFrame', () => {
    it('hands out a usable frame with refCount 1, its use and owner', () => {
      const pmm = small(kind);
      const pa = pmm.allocFrame(FrameUse.User, 7);
      expect(pa % FRAME_SIZE).toBe(0);
      const pfn = pa / FRAME_SIZE;
      expect(pmm.frames.state[pfn]).toBe(FrameState.Allocated);
      expect(pmm.frames.refCount[pfn]).toBe(1);
      expect(pmm.frames.use[pfn]).toBe(FrameUse.User);
      expect(pmm.frames.owner[pfn]).toBe(7);
      expect(pmm.allocatedFrames).toBe(1);
      expect(pmm.stats().allocatedByUse).toMatchObject({ User: 1, Direct: 0 });
      const other = pmm.allocFrame();
      expect(other).not.toBe(pa);
      expect(pmm.frames.use[other / FRAME_SIZE]).toBe(FrameUse.Direct);
      pmm.check();
    });

    it('zeroes a reused frame (policy zero)', () => {
      const pmm = small(kind);
      const pa = pmm.allocFrame();
      pmm.memory.fill(pa, FRAME_SIZE, 0xee);
      pmm.free(pa);
      const again = pmm.allocFrame();
      expect(again).toBe(pa);
      const bytes = new Uint8Array(FRAME_SIZE);
      pmm.memory.read(again, bytes);
      expect(bytes.every((b) => b === 0)).toBe(true);
    });

    it('fills with junk (policy junk) and keeps old bytes (policy none)', () => {
      const junk = small(kind, { fill: 'junk' });
      const pa = junk.allocFrame();
      expect(junk.memory.read8(pa)).toBe(JUNK_BYTE);
      expect(junk.memory.read8(pa + FRAME_SIZE - 1)).toBe(JUNK_BYTE);
      const none = small(kind, { fill: 'none' });
      const pb = none.allocFrame();
      none.memory.write8(pb + 9, 0x33);
      none.free(pb);
      expect(none.allocFrame()).toBe(pb);
      expect(none.memory.read8(pb + 9)).toBe(0x33);
    });

    it('refuses a bad use or owner', () => {
      const pmm = small(kind);
      expectRefused(pmm, () => pmm.allocFrame(FrameUse.None), InvalidArgumentError, /use 0/);
      expectRefused(pmm, () => pmm.allocFrame(9 as FrameUse), InvalidArgumentError, /use 9/);
      expectRefused(pmm, () => pmm.allocFrame(FrameUse.User, 70000), InvalidArgumentError, /owner 70000/);
      expectRefused(pmm, () => pmm.allocFrame(FrameUse.User, -1), InvalidArgumentError, /owner -1/);
    });

    it('throws OutOfMemoryError when no frame is left, changing nothing', () => {
      const pmm = new PhysicalMemoryManager({ ramBytes: 64 * 1024, memoryMap: [], allocator: kind });
      const taken = new Set<number>();
      for (let i = 0; i < 16; i++) taken.add(pmm.allocFrame());
      expect(taken.size).toBe(16);
      expectRefused(pmm, () => pmm.allocFrame(), OutOfMemoryError, /no free frame/);
      expectRefused(pmm, () => pmm.allocContiguous(1), OutOfMemoryError);
      for (const pa of taken) pmm.free(pa);
      expect(pmm.freeFrames).toBe(16);
      pmm.check();
    });
  });

  describe('allocContiguous', () => {
    it('hands out any count of contiguous frames and gives the rounded-up tail back', () => {
      const pmm = small(kind);
      for (const count of [1, 2, 3, 5, 17, 100]) {
        const free = pmm.freeFrames;
        const pa = pmm.allocContiguous(count, undefined, FrameUse.Kernel, 3);
        expect(pmm.freeFrames).toBe(free - count);
        for (let i = 0; i < count; i++) {
          const pfn = pa / FRAME_SIZE + i;
          expect(pmm.frames.state[pfn]).toBe(FrameState.Allocated);
          expect(pmm.frames.owner[pfn]).toBe(3);
        }
        pmm.check();
      }
    });

    it('honours below, above and alignment', () => {
      const pmm = small(kind);
      const low = pmm.allocContiguous(10, { below: MiB });
      expect(low + 10 * FRAME_SIZE).toBeLessThanOrEqual(MiB);
      const aligned = pmm.allocContiguous(3, { alignment: 64 * 1024 });
      expect(aligned % (64 * 1024)).toBe(0);
      const above = pmm.allocContiguous(5, { above: 3 * MiB, alignment: 32 * 1024 });
      expect(above).toBeGreaterThanOrEqual(3 * MiB);
      expect(above % (32 * 1024)).toBe(0);
      const top = 4 * MiB - 2 * FRAME_SIZE;
      const window = pmm.allocContiguous(2, {
        above: top - FRAME_SIZE,
        below: top + 2 * FRAME_SIZE,
        alignment: 8192,
      });
      expect(window).toBe(top);
      pmm.check();
    });

    it('refuses bad counts and constraints, changing nothing', () => {
      const pmm = small(kind);
      pmm.allocFrame();
      for (const count of [0, -1, 1.5, Number.NaN]) {
        expectRefused(pmm, () => pmm.allocContiguous(count), InvalidArgumentError, /frame count/);
      }
      expectRefused(pmm, () => pmm.allocContiguous(1025), InvalidArgumentError, /larger than RAM/);
      expectRefused(pmm, () => pmm.allocContiguous(2, { above: 100 }), AlignmentError, /lower bound/);
      expectRefused(pmm, () => pmm.allocContiguous(2, { below: 4097 }), AlignmentError, /upper bound/);
      expectRefused(
        pmm,
        () => pmm.allocContiguous(2, { alignment: 3 * 4096 }),
        InvalidArgumentError,
        /alignment/,
      );
      expectRefused(
        pmm,
        () => pmm.allocContiguous(2, { alignment: 2048 }),
        InvalidArgumentError,
        /alignment/,
      );
      expectRefused(
        pmm,
        () => pmm.allocContiguous(2, { above: MiB, below: MiB }),
        AddressRangeError,
        /empty range/,
      );
    });

    it('throws OutOfMemoryError when no run fits, changing nothing', () => {
      const pmm = small(kind);
      // Below 1 MiB only the 159 frames of conventional memory are usable.
      expectRefused(pmm, () => pmm.allocContiguous(160, { below: MiB }), OutOfMemoryError, /160 contiguous/);
      expectRefused(pmm, () => pmm.allocContiguous(513), OutOfMemoryError, /longest run 512/);
      // Fragment: hold every other frame of extended memory.
      const held: number[] = [];
      while (pmm.freeFrames > 0) held.push(pmm.allocFrame());
      for (const pa of held) if ((pa / FRAME_SIZE) % 2 === 0) pmm.free(pa);
      expectRefused(pmm, () => pmm.allocContiguous(2), OutOfMemoryError);
      expect(pmm.stats().fragmentation).toBeGreaterThan(0.99);
      expect(held.filter((pa) => (pa / FRAME_SIZE) % 2 === 0)).toContain(pmm.allocContiguous(1));
    });
  });

  describe('allocAt', () => {
    it('takes exactly the frames asked for', () => {
      const pmm = small(kind);
      const pa = 2 * MiB + 5 * FRAME_SIZE;
      expect(pmm.allocAt(pa, 7, FrameUse.Message, 2)).toBe(pa);
      for (let i = -1; i <= 7; i++) {
        const expected = i >= 0 && i < 7 ? FrameState.Allocated : FrameState.Free;
        expect(pmm.stateOf(pa + i * FRAME_SIZE)).toBe(expected);
      }
      expect(pmm.allocAt(0x1000)).toBe(0x1000);
      expect(pmm.stats().allocatedByUse).toMatchObject({ Message: 7, Direct: 1 });
      pmm.check();
    });

    it('finds frames that were just freed (even in a per-CPU cache)', () => {
      const pmm = small(kind);
      const pa = pmm.allocFrame();
      pmm.free(pa);
      expect(pmm.allocAt(pa)).toBe(pa);
      const run = pmm.allocContiguous(4);
      pmm.free(run + FRAME_SIZE);
      pmm.free(run + 2 * FRAME_SIZE);
      expect(pmm.allocAt(run + FRAME_SIZE, 2)).toBe(run + FRAME_SIZE);
      pmm.check();
    });

    it('refuses frames in use, reserved frames and bad ranges, naming the frame', () => {
      const pmm = small(kind);
      const used = pmm.allocAt(3 * MiB + 3 * FRAME_SIZE);
      expectRefused(pmm, () => pmm.allocAt(3 * MiB, 8), BusyError, /frame 0x00303000 \(pfn 771\) is in use/);
      expectRefused(pmm, () => pmm.allocAt(0x9f000, 2), BusyError, /0x000a0000 .* reserved .*VGA/);
      expectRefused(pmm, () => pmm.allocAt(MiB + 8 * FRAME_SIZE), BusyError, /kernel image/);
      expectRefused(pmm, () => pmm.allocAt(3 * MiB + 10), AlignmentError, /0x0030000a is not aligned/);
      expectRefused(pmm, () => pmm.allocAt(4 * MiB), AddressRangeError, /outside RAM/);
      expectRefused(pmm, () => pmm.allocAt(-4096), AddressRangeError);
      expectRefused(
        pmm,
        () => pmm.allocAt(4 * MiB - FRAME_SIZE, 2),
        AddressRangeError,
        /past the end of RAM/,
      );
      expectRefused(pmm, () => pmm.allocAt(3 * MiB, 0), InvalidArgumentError);
      expectRefused(pmm, () => pmm.allocAt(3.5), InvalidArgumentError, /not an integer/);
      pmm.free(used);
    });
  });

  describe('free', () => {
    it('frees one frame, a whole run, part of a run, and a range over several allocations', () => {
      const pmm = small(kind);
      const free0 = pmm.freeFrames;
      const one = pmm.allocFrame();
      pmm.free(one);
      expect(pmm.freeFrames).toBe(free0);
      const run = pmm.allocContiguous(8);
      pmm.free(run + 2 * FRAME_SIZE, 3);
      expect(pmm.stateOf(run + 2 * FRAME_SIZE)).toBe(FrameState.Free);
      expect(pmm.stateOf(run + FRAME_SIZE)).toBe(FrameState.Allocated);
      pmm.check();
      pmm.free(run, 2);
      pmm.free(run + 5 * FRAME_SIZE, 3);
      expect(pmm.freeFrames).toBe(free0);
      pmm.check();
      const a = pmm.allocAt(3 * MiB, 4);
      pmm.allocAt(3 * MiB + 4 * FRAME_SIZE, 4);
      pmm.free(a, 8);
      expect(pmm.freeFrames).toBe(free0);
      expect(pmm.stats().largestFreeRun).toBe(512);
      pmm.check();
    });

    it('refuses a double free, a never allocated frame and a reserved frame, naming them', () => {
      const pmm = small(kind);
      const pa = pmm.allocFrame();
      const keep = pmm.allocFrame();
      pmm.free(pa);
      expectRefused(pmm, () => pmm.free(pa), DoubleFreeError, /already free/);
      expectRefused(
        pmm,
        () => pmm.free(3 * MiB),
        NotAllocatedError,
        /0x00300000 \(pfn 768\) was never allocated/,
      );
      expectRefused(pmm, () => pmm.free(0), NotAllocatedError, /reserved .*IVT/);
      expectRefused(pmm, () => pmm.free(MiB, 2), NotAllocatedError, /kernel image/);
      pmm.free(keep);
    });

    it('refuses a range that is only partly allocated and frees nothing of it', () => {
      const pmm = small(kind);
      const run = pmm.allocAt(3 * MiB, 4);
      expectRefused(pmm, () => pmm.free(run, 5), NotAllocatedError, /pfn 772/);
      expectRefused(pmm, () => pmm.free(run - FRAME_SIZE, 2), NotAllocatedError, /pfn 767/);
      pmm.free(run, 4);
    });

    it('refuses a shared frame, naming its count', () => {
      const pmm = small(kind);
      const pa = pmm.allocFrame();
      pmm.retain(pa);
      expectRefused(pmm, () => pmm.free(pa), BusyError, /shared by 2 holders/);
      expect(pmm.release(pa)).toBe(false);
      pmm.free(pa);
      pmm.check();
    });

    it('refuses unaligned, outside and malformed arguments', () => {
      const pmm = small(kind);
      const pa = pmm.allocFrame();
      expectRefused(pmm, () => pmm.free(pa + 1), AlignmentError);
      expectRefused(pmm, () => pmm.free(4 * MiB), AddressRangeError);
      expectRefused(pmm, () => pmm.free(2 ** 32), AddressRangeError);
      expectRefused(pmm, () => pmm.free(-4096), AddressRangeError);
      expectRefused(pmm, () => pmm.free(Number.NaN), InvalidArgumentError);
      expectRefused(pmm, () => pmm.free(pa, 0), InvalidArgumentError);
      expectRefused(pmm, () => pmm.free(pa, 2000), InvalidArgumentError, /larger than RAM/);
      expectRefused(pmm, () => pmm.free(4 * MiB - FRAME_SIZE, 2), AddressRangeError);
      pmm.free(pa);
    });
  });

  describe('retain, release and setOwner', () => {
    it('counts holders and frees at the last release', () => {
      const pmm = small(kind);
      const pa = pmm.allocFrame(FrameUse.User, 1);
      pmm.retain(pa);
      pmm.retain(pa);
      expect(pmm.refCountOf(pa)).toBe(3);
      pmm.check();
      expect(pmm.release(pa)).toBe(false);
      expect(pmm.release(pa)).toBe(false);
      expect(pmm.release(pa)).toBe(true);
      expect(pmm.stateOf(pa)).toBe(FrameState.Free);
      expect(pmm.refCountOf(pa)).toBe(0);
      expectRefused(pmm, () => pmm.release(pa), DoubleFreeError, /already freed/);
      expectRefused(pmm, () => pmm.retain(pa), DoubleFreeError);
      expectRefused(pmm, () => pmm.retain(3 * MiB), NotAllocatedError, /never allocated/);
      expectRefused(pmm, () => pmm.release(0xa0000), NotAllocatedError, /reserved/);
      expectRefused(pmm, () => pmm.retain(12), AlignmentError);
    });

    it('refuses to overflow the 16-bit reference count', () => {
      const pmm = small(kind);
      const pa = pmm.allocFrame();
      for (let i = 1; i < MAX_REF_COUNT; i++) pmm.retain(pa);
      expect(pmm.refCountOf(pa)).toBe(MAX_REF_COUNT);
      expectRefused(pmm, () => pmm.retain(pa), LimitError, /maximum 65535 holders/);
    });

    it('hands a frame to another owner', () => {
      const pmm = small(kind);
      const pa = pmm.allocFrame(FrameUse.User, 1);
      pmm.setOwner(pa, FrameUse.Message, 0);
      pmm.setOwner(pa, FrameUse.User, 2);
      expect(pmm.frames.owner[pa / FRAME_SIZE]).toBe(2);
      expect(pmm.stats().allocatedByUse).toMatchObject({ User: 1, Message: 0 });
      expectRefused(pmm, () => pmm.setOwner(pa, FrameUse.None, 2), InvalidArgumentError);
      expectRefused(pmm, () => pmm.setOwner(pa, FrameUse.User, 65536), InvalidArgumentError);
      expectRefused(pmm, () => pmm.setOwner(3 * MiB, FrameUse.User, 2), NotAllocatedError);
    });
  });

  describe('statistics and the invariant checker', () => {
    it('reports free blocks per order that add up to the free frames', () => {
      const pmm = small(kind);
      pmm.allocAt(3 * MiB + FRAME_SIZE, 3);
      pmm.allocFrame();
      const stats = pmm.stats();
      const sum = stats.freeBlocksByOrder.reduce((total, n, order) => total + n * 2 ** order, 0);
      if (kind === 'buddy') expect(sum).toBe(stats.freeFrames);
      else expect(sum).toBeLessThanOrEqual(stats.freeFrames);
      expect(stats.fragmentation).toBeGreaterThanOrEqual(0);
      expect(stats.fragmentation).toBeLessThan(1);
    });

    it('catches a frame whose state disagrees with the free lists', () => {
      const pmm = small(kind);
      const pa = pmm.allocFrame();
      pmm.frames.state[pa / FRAME_SIZE] = FrameState.Free;
      expect(() => pmm.check()).toThrow(InvariantError);
    });

    it('catches a free frame the allocator does not know', () => {
      const pmm = small(kind);
      pmm.allocAt(3 * MiB);
      pmm.frames.state[(3 * MiB) / FRAME_SIZE] = FrameState.Free;
      pmm.frames.refCount[(3 * MiB) / FRAME_SIZE] = 0;
      expect(() => pmm.check()).toThrow(InvariantError);
    });

    it('catches bad reference counts and reserved frames handed out', () => {
      const pmm = small(kind);
      const pa = pmm.allocFrame();
      pmm.frames.refCount[pa / FRAME_SIZE] = 0;
      expect(() => pmm.check()).toThrow(/refCount 0/);
      pmm.frames.refCount[pa / FRAME_SIZE] = 1;
      pmm.check();
      pmm.frames.state[0] = FrameState.Allocated;
      expect(() => pmm.check()).toThrow(/not reserved/);
    });
  });
});

describe('buddy specifics', () => {
  it('merges freed buddies back into the largest blocks', () => {
    const pmm = new PhysicalMemoryManager({ ramBytes: MiB, memoryMap: [] });
    const before = pmm.stats().freeBlocksByOrder;
    expect(before[8]).toBe(1);
    const frames: number[] = [];
    for (let i = 0; i < 100; i++) frames.push(pmm.allocFrame());
    const run = pmm.allocContiguous(37);
    for (const pa of frames.reverse()) pmm.free(pa);
    pmm.free(run, 37);
    pmm.drainFrameCache();
    expect(pmm.stats().freeBlocksByOrder).toEqual(before);
    pmm.check();
  });

  it('reading the statistics changes nothing: later frames come from the same place', () => {
    const observed = new PhysicalMemoryManager({ ramBytes: MiB, memoryMap: [] });
    const unobserved = new PhysicalMemoryManager({ ramBytes: MiB, memoryMap: [] });
    const trace = (pmm: PhysicalMemoryManager, look: boolean): number[] => {
      const out: number[] = [];
      for (let i = 0; i < 40; i++) {
        const pa = pmm.allocFrame();
        out.push(pa);
        if (i % 3 === 0) pmm.free(pa);
        if (look) pmm.stats();
      }
      return out;
    };
    expect(trace(observed, true)).toEqual(trace(unobserved, false));
    const stats = observed.stats();
    const sum = stats.freeBlocksByOrder.reduce((total, n, order) => total + n * 2 ** order, 0);
    expect(sum).toBe(stats.freeFrames);
  });

  it('catches unmerged free buddies', () => {
    const pmm = new PhysicalMemoryManager({ ramBytes: 64 * 1024, memoryMap: [] });
    const a = pmm.allocAt(0);
    pmm.allocAt(FRAME_SIZE);
    pmm.free(a);
    pmm.check();
    // Mark frame 1 free and list it by hand as a block of order 0 without merging.
    const allocator = pmm.allocator as unknown as { push(pfn: number, order: number): void };
    pmm.frames.state[1] = FrameState.Free;
    pmm.frames.refCount[1] = 0;
    (pmm.allocator as unknown as { drainAll(): void }).drainAll();
    allocator.push(1, 0);
    expect(() => pmm.check()).toThrow(/not merged/);
  });

  it('a single-frame alloc and free keeps the buddy lists still (the cache absorbs them)', () => {
    const pmm = new PhysicalMemoryManager({ ramBytes: MiB, memoryMap: [] });
    pmm.free(pmm.allocFrame());
    const state = snapshot(pmm);
    for (let i = 0; i < 1000; i++) pmm.free(pmm.allocFrame());
    expectUnchanged(pmm, state);
  });
});

describe('first-fit specifics', () => {
  it('takes the lowest fitting run and carves from its front', () => {
    const pmm = new PhysicalMemoryManager({ ramBytes: MiB, memoryMap: [], allocator: 'first-fit' });
    expect(pmm.allocFrame()).toBe(0);
    expect(pmm.allocContiguous(3)).toBe(FRAME_SIZE);
    pmm.free(0);
    expect(pmm.allocContiguous(2)).toBe(4 * FRAME_SIZE);
    expect(pmm.allocFrame()).toBe(0);
    pmm.check();
  });
});
