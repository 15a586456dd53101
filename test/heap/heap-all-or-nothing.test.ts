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
