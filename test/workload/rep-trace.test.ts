import { describe, expect, it } from 'vitest';
import { Heap } from '../../src/heap/heap.js';
import { SparseSpace } from '../../src/heap/sparse-space.js';
import {
  formatRep,
  parseRep,
  RepOp,
  RepTraceBuilder,
  TraceFormatError,
} from '../../src/workload/rep-trace.js';
import { heapAllocator } from '../../src/workload/traces/heap-allocator.js';
import { type ReplayAllocator, ReplayError, replay, replayFast } from '../../src/workload/traces/replay.js';
import { generateTrace, TRACE_PATTERNS } from '../../src/workload/traces/trace-generator.js';

const SAMPLE = `20000
3
6
1
a 0 100
a 1 2000
r 0 300
f 1
f -1
f 0
`;

describe('.rep reader and writer', () => {
  it('reads the header and the operations', () => {
    const t = parseRep(SAMPLE, 'sample.rep');
    expect(t.suggestedHeapSize).toBe(20000);
    expect(t.idCount).toBe(3);
    expect(t.weight).toBe(1);
    expect(Array.from(t.kinds)).toEqual([
      RepOp.Alloc,
      RepOp.Alloc,
      RepOp.Realloc,
      RepOp.Free,
      RepOp.Free,
      RepOp.Free,
    ]);
    expect(Array.from(t.ids)).toEqual([0, 1, 0, 1, -1, 0]);
    expect(Array.from(t.sizes)).toEqual([100, 2000, 300, 0, 0, 0]);
  });

  it('writes what it reads', () => {
    expect(formatRep(parseRep(SAMPLE))).toBe(SAMPLE);
    const generated = generateTrace('random', 3, 0.05);
    expect(formatRep(parseRep(formatRep(generated)))).toBe(formatRep(generated));
  });

  const bad: Array<[string, string, RegExp]> = [
    ['short header', '1\n2\n', /t.rep:2: the header needs 4 numbers, found 2/],
    ['header word', '1\nx\n1\n1\n', /t.rep:2: header line 2 must be a number/],
    ['unknown op', '0\n1\n1\n1\nm 0 4\n', /t.rep:5: unknown operation 'm'/],
    ['missing size', '0\n1\n1\n1\na 0\n', /t.rep:5: 'a' takes 2 number/],
    ['id out of range', '0\n1\n1\n1\na 1 4\n', /t.rep:5: id 1 is outside 0..0/],
    ['double malloc', '0\n1\n2\n1\na 0 4\na 0 4\n', /t.rep:6: malloc of id 0, which is already allocated/],
    ['negative size', '0\n1\n1\n1\na 0 -4\n', /t.rep:5: size '-4' is not a byte count/],
    ['too many ops', '0\n1\n1\n1\na 0 4\nf 0\n', /t.rep:6: more operations than the 1/],
    ['too few ops', '0\n1\n3\n1\na 0 4\nf 0\n', /the header announces 3 operations, found 2/],
  ];
  for (const [name, text, message] of bad) {
    it(`rejects ${name} with file:line`, () => {
      expect(() => parseRep(text, 't.rep')).toThrow(TraceFormatError);
      expect(() => parseRep(text, 't.rep')).toThrow(message);
    });
  }
});

/**
 * Every rule of the reference driver's block table in one trace of our own: `r` of an id that
 * never held a block (a malloc), `f` of an id that holds none (nothing), `f -1` (nothing), an id
 * reused after its free, `r` of an id whose block was freed (a malloc again), and a realloc to a
 * smaller and to a bigger size.
 */
const RULES = `0
4
14
1
r 0 100
f 1
f -1
a 1 40
f 1
a 1 3000
r 0 50
f 0
r 0 700
f 0
f 0
r 2 24
r 2 5000
f 2
`;

describe('.rep semantics of the reference driver', () => {
  it('reads realloc and free of empty ids, which the reference driver allows', () => {
    const t = parseRep(RULES, 'rules.rep');
    expect(Array.from(t.kinds)).toEqual([2, 1, 1, 0, 1, 0, 2, 1, 2, 1, 1, 2, 2, 1]);
    expect(Array.from(t.ids)).toEqual([0, 1, -1, 1, 1, 1, 0, 0, 0, 0, 0, 2, 2, 2]);
  });

  it('replays them as realloc(NULL) = malloc and free(NULL) = nothing, checking every payload', () => {
    const space = new SparseSpace();
    const heap = new Heap(space);
    const calls: string[] = [];
    const inner = heapAllocator(heap);
    const logging: ReplayAllocator = {
      malloc: (n) => {
        calls.push(`malloc ${n}`);
        return inner.malloc(n);
      },
      free: (va) => {
        calls.push('free');
        inner.free(va);
      },
      realloc: (va, n) => {
        calls.push(`realloc ${n}`);
        return inner.realloc(va, n);
      },
      footprint: inner.footprint,
    };
    const result = replay(parseRep(RULES, 'rules.rep'), logging, { check: space, alignment: 16 });
    expect(calls).toEqual([
      'malloc 100', // r 0 100 on an empty id
      'malloc 40', // f 1 and f -1 call nothing
      'free',
      'malloc 3000', // id 1 reused
      'realloc 50',
      'free',
      'malloc 700', // r of a freed id
      'free', // the second f 0 calls nothing
      'malloc 24',
      'realloc 5000',
      'free',
    ]);
    // Live payload peaks at 3000 + 5000 (ids 1 and 2).
    expect(result.peakPayload).toBe(8000);
    expect(result.ops).toBe(14);
    heap.check();
    expect(heap.liveBlocks).toBe(1); // id 1 is never freed
  });

  it('replayFast follows the same rules', () => {
    const heap = new Heap(new SparseSpace());
    const trace = parseRep(RULES, 'rules.rep');
    const addresses = new Float64Array(trace.idCount);
    expect(replayFast(trace, heapAllocator(heap), addresses)).toBe(14);
    heap.check();
    expect(heap.liveBlocks).toBe(1);
    expect(Array.from(addresses).filter((va) => va !== 0)).toHaveLength(1);
  });
});

describe('trace generator', () => {
  it('is deterministic and writes valid traces for every pattern', () => {
    for (const pattern of TRACE_PATTERNS) {
      const a = formatRep(generateTrace(pattern, 7, 0.1));
      expect(formatRep(generateTrace(pattern, 7, 0.1))).toBe(a);
      expect(formatRep(parseRep(a, pattern))).toBe(a);
    }
    expect(formatRep(generateTrace('random', 8, 0.1))).not.toBe(formatRep(generateTrace('random', 7, 0.1)));
  });

  it('the builder reuses freed ids', () => {
    const b = new RepTraceBuilder('b');
    const x = b.alloc(4);
    b.free(x);
    expect(b.alloc(8)).toBe(x);
    expect(b.build().idCount).toBe(1);
  });
});

describe('replay driver', () => {
  it('replays every pattern through the heap with payload checking', () => {
    for (const pattern of TRACE_PATTERNS) {
      const space = new SparseSpace();
      const heap = new Heap(space);
      const result = replay(generateTrace(pattern, 2, 0.05), heapAllocator(heap), {
        check: space,
        alignment: 16,
      });
      expect(result.utilization).toBeGreaterThan(0);
      expect(result.utilization).toBeLessThanOrEqual(1);
      expect(result.peakPayload).toBeGreaterThan(0);
      heap.check();
      expect(heap.liveBlocks).toBe(0);
    }
  });

  it('computes utilization as peak payload over peak footprint', () => {
    const space = new SparseSpace();
    const heap = new Heap(space);
    const result = replay(parseRep(SAMPLE), heapAllocator(heap));
    expect(result.peakPayload).toBe(2300);
    // The area maps its first two pages only, and the blocks never need a third.
    expect(result.peakFootprint).toBe(2 * 4096);
    expect(result.utilization).toBeCloseTo(2300 / (2 * 4096), 6);
    // One page holds every block: the small slabs of the 112-byte class (one 128-byte unit), the
    // 2048-byte class (16 units) and the 304-byte class the realloc moved id 0 to (5 units: two
    // objects) share it, 22 of its 32 units.
    expect(result.peakResident).toBe(4096);
    expect(result.residentUtilization).toBeCloseTo(2300 / 4096, 6);
    expect(result.metadataBytes).toBe(heap.metadataBytes());
  });

  it('catches an allocator that overlaps blocks', () => {
    const space = new SparseSpace();
    const base = space.reserveAnon(65536, 4096);
    // A broken allocator: every malloc returns the same address.
    const broken: ReplayAllocator = {
      malloc: () => base,
      free: () => {},
      realloc: (va) => va,
      footprint: () => 65536,
    };
    expect(() => replay(parseRep(SAMPLE), broken, { check: space })).toThrow(ReplayError);
    expect(() => replay(parseRep(SAMPLE), broken, { check: space })).toThrow(/overwritten/);
  });

  it('reports an allocator out of memory', () => {
    const none: ReplayAllocator = { malloc: () => 0, free: () => {}, realloc: () => 0, footprint: () => 0 };
    expect(() => replay(parseRep(SAMPLE), none)).toThrow(/operation 1: malloc\(100\) ran out of memory/);
  });

  it('replayFast runs the same operations', () => {
    const heap = new Heap(new SparseSpace());
    const trace = generateTrace('phases', 1, 0.05);
    expect(replayFast(trace, heapAllocator(heap), new Float64Array(trace.idCount))).toBe(trace.kinds.length);
    heap.check();
    expect(heap.liveBlocks).toBe(0);
  });
});
