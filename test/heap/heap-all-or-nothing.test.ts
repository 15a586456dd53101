/**
 * calloc's zeroing and realloc's copy can run out of frames after the heap has placed the new
 * block: the call then returns 0 and leaves the heap exactly as it was. Checked two ways: the
 * heap's state (statistics, blocks in id order, mapped ranges in order, the space's ranges) is
 * the same as before, and a twin heap that never saw the failed call goes on to hand out the very
 * same addresses, so lists, caches and ids were put back in order too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutOfMemoryError } from '../../src/common/errors.js';
import { Heap, type HeapOptions } from '../../src/heap/heap.js';
import { SparseSpace, type SparseSpaceOptions } from '../../src/heap/sparse-space.js';

/** A space whose next fill or copy can be made to run out of frames (before it writes anything). */
class FailingSpace extends SparseSpace {
  failNext = false;

  override fill(va: number, length: number, value: number): void {
    this.maybeFail();
    super.fill(va, length, value);
  }

  override copy(dstVa: number, srcVa: number, length: number): void {
    this.maybeFail();
    super.copy(dstVa, srcVa, length);
  }

  private maybeFail(): void {
    if (!this.failNext) return;
    this.failNext = false;
    throw new OutOfMemoryError('no frame (injected)');
  }
}

function state(heap: Heap, space: SparseSpace): string {
  return JSON.stringify({
    stats: heap.stats(),
    blocks: heap.blocks(),
    mapped: heap.mappedRanges(),
    regions: space.regions(),
    reserved: space.reservedBytes,
  });
}

function twins(options: HeapOptions = {}, spaceOptions: SparseSpaceOptions = {}) {
  const failing = new FailingSpace(spaceOptions);
  const plain = new SparseSpace(spaceOptions);
  return { failing, plain, a: new Heap(failing, options), b: new Heap(plain, options) };
}

type Step = (heap: Heap) => number;

/** Runs `steps` on both heaps (same results), then `failed` on the first with its memory step failing. */
function expectUndone(steps: Step[], failed: Step, after: Step[], options: HeapOptions = {}) {
  const { failing, plain, a, b } = twins(options);
  for (const step of steps) expect(step(a)).toBe(step(b));
  const before = state(a, failing);
  failing.failNext = true;
  expect(failed(a)).toBe(0);
  expect(failing.failNext).toBe(false); // the failure was reached
  expect(state(a, failing)).toBe(before);
  a.check();
  for (const step of after) expect(step(a)).toBe(step(b));
  expect(state(a, failing)).toBe(state(b, plain));
}

describe('calloc and realloc when the memory step runs out of frames', () => {
  it('realloc moving a small block into a new slab of a new area: 0, the old block kept, the area unmapped', () => {
    let va = 0;
    expectUndone(
      [
        (h) => {
          va = h.malloc(3000);
          return va;
        },
        (h) => h.malloc(60000), // a large block after it, so the next area lies elsewhere
      ],
      (h) => h.realloc(va, 12000),
      [(h) => h.malloc(12000), (h) => h.realloc(va, 12000), (h) => h.malloc(100)],
    );
  });

  it('realloc moving a block into a new large block: 0, the range given back', () => {
    let va = 0;
    expectUndone(
      [
        (h) => {
          va = h.malloc(20000);
          return va;
        },
        (h) => h.malloc(20000), // right after it: no growing in place
      ],
      (h) => h.realloc(va, 60000),
      [(h) => h.malloc(60000), (h) => h.realloc(va, 60000)],
    );
  });

  it('realloc into a cached large range: 0, the range back in its place in the cache', () => {
    let va = 0;
    const ranges: number[] = [];
    expectUndone(
      [
        (h) => {
          va = h.malloc(2000);
          return va;
        },
        // Three cached ranges; the middle one fits the realloc.
        ...[20000, 40000, 30000].map((size, i) => (h: Heap) => {
          ranges[i] = h.malloc(size);
          return ranges[i];
        }),
        ...[0, 1, 2].map((i) => (h: Heap) => {
          h.free(ranges[i]);
          return h.stats().cachedLargeBytes;
        }),
      ],
      (h) => h.realloc(va, 40000),
      [(h) => h.malloc(30000), (h) => h.malloc(40000), (h) => h.malloc(20000)],
    );
  });

  it('calloc over a reused object: 0, the object free again and the slab as it was', () => {
    let second = 0;
    expectUndone(
      [
        (h) => h.malloc(3000),
        (h) => {
          second = h.malloc(3000);
          return second;
        },
        (h) => h.malloc(3000),
        (h) => {
          h.free(second);
          return 0;
        },
      ],
      (h) => h.calloc(1, 3000),
      [(h) => h.calloc(1, 3000), (h) => h.malloc(3000)],
    );
  });

  it('calloc that makes a slab on pages that held blocks: 0, the slab unmade and the pages free', () => {
    let one = 0;
    expectUndone(
      [
        (h) => {
          one = h.malloc(8000); // a two-page slab, then emptied: its pages are dirty and free
          return one;
        },
        (h) => h.malloc(100),
        (h) => {
          h.free(one);
          return h.stats().slabs;
        },
      ],
      (h) => h.calloc(1, 8000), // the same class: a new slab on those pages
      [(h) => h.calloc(1, 8000), (h) => h.malloc(8000)],
    );
  });

  it('calloc of a cached large range: 0, the cache in its order', () => {
    const ranges: number[] = [];
    expectUndone(
      [
        ...[24000, 36000].map((size, i) => (h: Heap) => {
          ranges[i] = h.malloc(size);
          return ranges[i];
        }),
        (h) => {
          h.free(ranges[0]);
          h.free(ranges[1]);
          return h.stats().cachedLargeBytes;
        },
      ],
      (h) => h.calloc(1, 24000),
      [(h) => h.malloc(36000), (h) => h.malloc(24000)],
    );
  });

  it('realloc that grows an area in place to make room: 0, the area shrunk back', () => {
    let va = 0;
    expectUndone(
      [
        (h) => {
          va = h.malloc(100);
          return va;
        },
      ],
      (h) => h.realloc(va, 9000),
      [(h) => h.realloc(va, 9000), (h) => h.malloc(100)],
      { growAreas: true },
    );
  });

  it('calloc of an object freeAll emptied: 0, the slab kept again; then the object comes zeroed', () => {
    let first = 0;
    expectUndone(
      [
        (h) => {
          first = h.malloc(3000);
          return first;
        },
        (h) => h.malloc(3000),
        (h) => {
          h.freeAll();
          return h.stats().keptSlabs;
        },
      ],
      (h) => h.calloc(1, 3000),
      [(h) => h.calloc(1, 3000), (h) => h.malloc(3000), (h) => h.stats().keptSlabs],
    );
    const space = new SparseSpace();
    const heap = new Heap(space);
    const va = heap.malloc(3000);
    space.fill(va, 3000, 0xab);
    heap.freeAll();
    expect(heap.stats().keptSlabs).toBe(1);
    expect(heap.calloc(1, 3000)).toBe(va);
    const bytes = new Uint8Array(3000);
    space.read(va, bytes);
    expect(bytes.every((b) => b === 0)).toBe(true);
    expect(heap.stats().keptSlabs).toBe(0);
    heap.check();
  });

  describe('a refused call that made room in a table gives the room back (metadataBytes as before)', () => {
    /** The heap's table sizes that grow with it: slab ids, areas, hole records, bitmap words. */
    function tables(heap: Heap) {
      const inner = heap as unknown as {
        slabs: { area: Int32Array; bitmaps: { words: Uint32Array } };
        areas: { base: Float64Array; shared: { holes: { recordCapacity: number } } };
      };
      return {
        slabIds: inner.slabs.area.length,
        areas: inner.areas.base.length,
        holeRecords: inner.areas.shared.holes.recordCapacity,
        bitmapWords: inner.slabs.bitmaps.words.length,
      };
    }

    /** The tables `call` grows when it succeeds after `steps` (on a plain heap). */
    function grownBy(steps: Step[], call: Step, options: HeapOptions = {}): string[] {
      const heap = new Heap(new SparseSpace(), options);
      for (const step of steps) step(heap);
      const before = tables(heap);
      const bytes = heap.metadataBytes();
      expect(call(heap)).not.toBe(0);
      const after = tables(heap);
      const grown = (Object.keys(before) as Array<keyof typeof before>).filter((k) => after[k] > before[k]);
      if (grown.length > 0) expect(heap.metadataBytes()).toBeGreaterThan(bytes);
      return grown;
    }

    it('the 65th slab id', () => {
      let va = 0;
      const steps: Step[] = [
        (h) => {
          va = h.malloc(100);
          return va;
        },
        // 63 one-object slabs: 64 slab ids in use, the tables' first room.
        ...Array.from({ length: 63 }, () => (h: Heap) => h.malloc(3000)),
      ];
      const realloc: Step = (h) => h.realloc(va, 5000);
      expect(grownBy(steps, realloc)).toEqual(['slabIds']);
      expectUndone(steps, realloc, [realloc, (h) => h.malloc(5000), (h) => h.malloc(100)]);
    });

    it('the 17th area', () => {
      let va = 0;
      const options: HeapOptions = { areaSize: 4096, largeThreshold: 2048 };
      const steps: Step[] = [
        (h) => {
          va = h.malloc(16);
          return va;
        },
        // One-page areas with two 2048-byte objects each (the first: the 16-byte block and one):
        // 16 areas and no room left for another.
        (h) => {
          for (let i = 0; i < 31; i++) h.malloc(2000);
          return h.stats().areas;
        },
      ];
      const realloc: Step = (h) => h.realloc(va, 2000);
      expect(grownBy(steps, realloc, options)).toContain('areas');
      expectUndone(steps, realloc, [realloc, (h) => h.malloc(2000)], options);
    });

    it('the 65th hole record', () => {
      // 16-byte blocks side by side, every other one freed: one-unit holes, one record each, until
      // the refused call's fresh shared page needs one record more than there is room for.
      let va = 0;
      const stepsFor = (blocks: number): Step[] => [
        (h) => {
          va = h.malloc(16);
          const all: number[] = [];
          for (let i = 0; i < blocks; i++) all.push(h.malloc(16));
          for (let i = 0; i < blocks; i += 2) h.free(all[i]);
          return h.stats().slabs;
        },
      ];
      const realloc: Step = (h) => h.realloc(va, 3000);
      let found: Step[] | undefined;
      for (let blocks = 100; blocks < 160 && !found; blocks++) {
        const steps = stepsFor(blocks);
        // The new block's placement itself (the realloc's first step) takes the record.
        if (grownBy(steps, (h) => h.malloc(3000)).includes('holeRecords')) found = steps;
      }
      expect(found).toBeDefined();
      expectUndone(found ?? [], realloc, [realloc, (h) => h.malloc(16), (h) => h.malloc(3000)]);
    });

    it('the 257th slab: bitmap words and slab ids', () => {
      let va = 0;
      const steps: Step[] = [
        (h) => {
          va = h.malloc(16);
          // 255 more one-object slabs (two classes, each under the 256 blocks that make it dense).
          for (let i = 0; i < 127; i++) h.malloc(100);
          for (let i = 0; i < 128; i++) h.malloc(200);
          return h.stats().slabs;
        },
      ];
      const realloc: Step = (h) => h.realloc(va, 3000);
      expect(grownBy(steps, realloc)).toEqual(['slabIds', 'bitmapWords']);
      expectUndone(steps, realloc, [realloc, (h) => h.malloc(3000)]);
    });
  });

  it('random calls with failures injected into zeroing and copies: every failed call changes nothing', () => {
    const call = fc.record({
      kind: fc.constantFrom(
        'malloc',
        'calloc',
        'realloc',
        'free',
        'malloc',
        'calloc',
        'realloc',
        'free',
        'freeAll',
      ),
      size: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 3000, max: 70000 })),
      pick: fc.nat(),
      fail: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.boolean(), fc.array(call, { minLength: 1, maxLength: 60 }), (growAreas, calls) => {
        const { failing, plain, a, b } = twins({ growAreas });
        const live: number[] = [];
        for (const c of calls) {
          const pick = live.length > 0 ? c.pick % live.length : -1;
          const run = (h: Heap): number => {
            if (c.kind === 'malloc') return h.malloc(c.size);
            if (c.kind === 'calloc') return h.calloc(1, c.size);
            if (c.kind === 'freeAll') {
              h.freeAll();
              return 0;
            }
            if (pick < 0) return -1;
            if (c.kind === 'free') {
              h.free(live[pick]);
              return 0;
            }
            return h.realloc(live[pick], c.size);
          };
          const before = state(a, failing);
          // (Not a realloc that shrinks: that falls back to shrinking in place when its move fails.)
          const grows = c.kind === 'realloc' && pick >= 0 && c.size > a.usableSize(live[pick]);
          const armed = c.fail && (c.kind === 'calloc' || grows);
          failing.failNext = armed;
          const got = run(a);
          const failed = armed && !failing.failNext;
          failing.failNext = false;
          a.check();
          if (failed) {
            expect(got).toBe(0);
            expect(state(a, failing)).toBe(before);
            continue;
          }
          expect(got).toBe(run(b));
          if (c.kind === 'freeAll') live.length = 0;
          if (pick >= 0 && (c.kind === 'free' || c.kind === 'realloc')) live.splice(pick, 1);
          if (got > 0) live.push(got);
          expect(state(a, failing)).toBe(state(b, plain));
        }
      }),
      { numRuns: 150 },
    );
  });
});
