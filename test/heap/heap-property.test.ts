/**
 * Random malloc / free / realloc / calloc / memalign sequences against a reference model of the
 * live blocks: no two overlap, each is aligned and inside a range the heap holds mapped in the
 * space, payloads written through the space survive, and heap.check() holds after every step. On a
 * space that merges adjacent ranges and has few regions, releases fail too (splitting a merged
 * range): malloc, calloc and realloc may return 0 but never throw, and the heap stays consistent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Heap, type HeapOptions } from '../../src/heap/heap.js';
import type { HeapSpace } from '../../src/heap/heap-space.js';
import { SparseSpace, type SparseSpaceOptions } from '../../src/heap/sparse-space.js';

type Op =
  | { kind: 'malloc'; size: number }
  | { kind: 'calloc'; count: number; size: number }
  | { kind: 'memalign'; alignShift: number; size: number }
  | { kind: 'free'; pick: number }
  | { kind: 'realloc'; pick: number; size: number };

const size = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 600 }) },
  { weight: 3, arbitrary: fc.integer({ min: 600, max: 20000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 20000, max: 120000 }) },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('malloc' as const), size }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('calloc' as const),
      count: fc.integer({ min: 0, max: 8 }),
      size: fc.integer({ min: 0, max: 2000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('memalign' as const),
      alignShift: fc.integer({ min: 0, max: 14 }),
      size,
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('realloc' as const), pick: fc.nat(), size }) },
);

interface Block {
  va: number;
  size: number;
  seed: number;
}

function pattern(block: Block): Uint8Array {
  const data = new Uint8Array(block.size);
  for (let i = 0; i < data.length; i++) data[i] = (block.seed + i * 31) & 0xff;
  return data;
}

function verify(space: SparseSpace, block: Block): void {
  const data = new Uint8Array(block.size);
  space.read(block.va, data);
  const want = pattern(block);
  let same = true;
  for (let i = 0; i < data.length && same; i++) same = data[i] === want[i];
  if (!same) expect.fail(`payload of the block at ${block.va} changed`);
}

function checkModel(heap: Heap, space: SparseSpace, live: Block[], alignment: number[]): void {
  heap.check();
  const ranges = heap.mappedRanges();
  for (const b of live)
    if (heap.usableSize(b.va) < b.size) expect.fail(`block ${b.va} is smaller than ${b.size}`);
  const sorted = live.map((b) => [b.va, heap.usableSize(b.va)] as const).sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < sorted.length; i++) {
    const [va, usable] = sorted[i];
    if (i > 0 && va < sorted[i - 1][0] + sorted[i - 1][1])
      expect.fail(`blocks at ${sorted[i - 1][0]} and ${va} overlap`);
    if (!ranges.some(([start, bytes]) => va >= start && va + usable <= start + bytes))
      expect.fail(`block ${va} lies outside the heap's ranges`);
    if (!space.contains(va, usable)) expect.fail(`block ${va} is not mapped in the space`);
  }
  live.forEach((b, i) => {
    if (b.va % alignment[i] !== 0) expect.fail(`block ${b.va} is not aligned to ${alignment[i]}`);
  });
  expect(heap.liveBlocks).toBe(live.length);
}

describe('Heap against a model of live blocks', () => {
  const configs: Array<{ options: HeapOptions; extend: boolean; space?: SparseSpaceOptions }> = [
    { options: {}, extend: true },
    { options: {}, extend: true, space: { mergeAdjacent: true, maxRegions: 3 } },
    {
      options: { keepSpareArea: false, largeCacheEntries: 1 },
      extend: false,
      space: { mergeAdjacent: true, maxRegions: 2 },
    },
    {
      options: { alignment: 8 as const, areaSize: 16384, largeThreshold: 4096, borrowWaste: 0.25 },
      extend: true,
    },
    { options: { keepSpareArea: false, borrowWaste: 0, largeCacheEntries: 0 }, extend: false },
  ];
  for (const { options, extend, space: spaceOptions } of configs) {
    const limited = spaceOptions !== undefined;
    it(`random sequences keep every invariant (${JSON.stringify(options)}, extendAnon ${extend}, space ${JSON.stringify(spaceOptions ?? {})})`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
          const space = new SparseSpace(spaceOptions);
          // Without extendAnon the heap must move a growing large block.
          const heapSpace: HeapSpace = extend
            ? space
            : {
                reserveAnon: (b, a) => space.reserveAnon(b, a),
                release: (v, b) => space.release(v, b),
                read: (v, t, o, l) => space.read(v, t, o, l),
                write: (v, t, o, l) => space.write(v, t, o, l),
                fill: (v, l, x) => space.fill(v, l, x),
                copy: (d, s, l) => space.copy(d, s, l),
              };
          const heap = new Heap(heapSpace, options);
          const minAlign = heap.alignment;
          const live: Block[] = [];
          const aligns: number[] = [];
          let seed = 1;
          const add = (va: number, bytes: number, align: number) => {
            if (limited && va === 0) return; // out of regions: NULL, as C
            expect(va).toBeGreaterThan(0);
            const block = { va, size: bytes, seed: seed++ };
            space.write(va, pattern(block));
            live.push(block);
            aligns.push(align);
          };
          for (const o of ops) {
            if (o.kind === 'malloc') add(heap.malloc(o.size), o.size, minAlign);
            else if (o.kind === 'calloc') {
              const va = heap.calloc(o.count, o.size);
              if (limited && va === 0) continue;
              const zero = new Uint8Array(o.count * o.size);
              space.read(va, zero);
              if (!zero.every((b) => b === 0)) expect.fail('calloc memory is not zero');
              add(va, o.count * o.size, minAlign);
            } else if (o.kind === 'memalign') {
              const align = 2 ** o.alignShift;
              add(heap.memalign(align, o.size), o.size, Math.max(align, minAlign));
            } else if (live.length > 0) {
              const i = o.pick % live.length;
              const block = live[i];
              verify(space, block);
              if (o.kind === 'free') {
                heap.free(block.va);
                live.splice(i, 1);
                aligns.splice(i, 1);
              } else {
                const va = heap.realloc(block.va, o.size);
                if (limited && va === 0 && o.size > 0) {
                  verify(space, block); // out of regions: the old block is untouched
                } else if (o.size === 0) {
                  expect(va).toBe(0);
                  live.splice(i, 1);
                  aligns.splice(i, 1);
                } else {
                  const kept = { va, size: Math.min(block.size, o.size), seed: block.seed };
                  verify(space, kept);
                  live[i] = { va, size: o.size, seed: seed++ };
                  aligns[i] = minAlign;
                  space.write(va, pattern(live[i]));
                }
              }
            }
            checkModel(heap, space, live, aligns);
            if (live.length > 0) verify(space, live[ops.length % live.length]);
          }
          for (const block of live) verify(space, block);
          for (const block of live) heap.free(block.va);
          heap.trim();
          heap.check();
          expect(heap.footprint).toBe(0);
          expect(space.reservedBytes).toBe(0);
        }),
        { numRuns: 200 },
      );
    });
  }
});
