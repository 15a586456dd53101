/**
 * The resident bound of a trace: hand-computed figures on small traces, and on the small-program
 * traces our heap's measured resident utilization never exceeds it (a bound no allocator beats).
 */
import { describe, expect, it } from 'vitest';
import { Heap } from '../../src/heap/heap.js';
import { SparseSpace } from '../../src/heap/sparse-space.js';
import { RepTraceBuilder } from '../../src/workload/rep-trace.js';
import { heapAllocator } from '../../src/workload/traces/heap-allocator.js';
import { replay } from '../../src/workload/traces/replay.js';
import { residentBound } from '../../src/workload/traces/resident-bound.js';
import { generateSmallProgram, SMALL_PROGRAMS } from '../../src/workload/traces/small-programs.js';

describe('residentBound', () => {
  it('rounds each live block to the alignment and the peak to whole pages', () => {
    const t = new RepTraceBuilder('hand');
    const a = t.alloc(1); // 16 aligned
    const b = t.alloc(4000); // 4000 aligned
    const c = t.alloc(0); // 0 payload, 16 aligned
    t.free(b);
    t.realloc(a, 100); // 112 aligned
    const d = t.alloc(4090); // 4096 aligned: payload 4190, aligned 4224, both peaks here
    t.free(d);
    t.free(c);
    t.free(a);
    t.free(t.emptyId()); // free(NULL): nothing
    const bound = residentBound(t.build());
    expect(bound.peakPayload).toBe(4190);
    expect(bound.peakAlignedBytes).toBe(4224);
    expect(bound.pages).toBe(2);
    expect(bound.residentUtilization).toBe(4190 / 8192);
  });

  it('takes the aligned peak where it is, even after the payload peak', () => {
    const t = new RepTraceBuilder('hand');
    const big = t.alloc(4096); // payload 4096, aligned 4096
    t.free(big);
    for (let i = 0; i < 300; i++) t.alloc(1); // payload 300, aligned 4800
    const bound = residentBound(t.build(), 16);
    expect(bound.peakPayload).toBe(4096);
    expect(bound.peakAlignedBytes).toBe(4800);
    expect(bound.pages).toBe(2);
    expect(residentBound(t.build(), 8).peakAlignedBytes).toBe(4096);
  });

  it.each(SMALL_PROGRAMS)('bounds our heap on the %s trace', (program) => {
    const trace = generateSmallProgram(program, 1);
    const heap = new Heap(new SparseSpace());
    const measured = replay(trace, heapAllocator(heap));
    const bound = residentBound(trace, heap.alignment);
    expect(bound.peakPayload).toBe(measured.peakPayload);
    expect(measured.residentUtilization).toBeLessThanOrEqual(bound.residentUtilization);
    expect(measured.peakResident).toBeGreaterThanOrEqual(bound.pages * 4096);
  });
});
