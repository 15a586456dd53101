/**
 * `pageframe replay --bench`: after the checked replay, warm throughput by the benchmark protocol
 * (a warm-up pass, then passes without payload checks for at least 300 ms), whose operations a
 * second replace the single pass's in the text and the JSON; the machine stays consistent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayText } from '../../src/cli/replay-command.js';
import { Heap } from '../../src/heap/heap.js';
import { SparseSpace } from '../../src/heap/sparse-space.js';
import { parseRep } from '../../src/workload/rep-trace.js';
import { heapAllocator } from '../../src/workload/traces/heap-allocator.js';
import { warmThroughput } from '../../src/workload/traces/warm-throughput.js';

const SHELL = join(import.meta.dirname, '../../examples/traces/shell.rep');

describe('replay --bench', () => {
  it('reports warm passes of at least 300 ms and their rate', () => {
    const outcome = replayText(readFileSync(SHELL, 'utf8'), SHELL, {
      seed: 1,
      check: true,
      progress: false,
      bench: true,
    });
    const warm = outcome.warm!;
    expect(warm.passes).toBeGreaterThanOrEqual(1);
    expect(warm.seconds).toBeGreaterThanOrEqual(0.3);
    expect(outcome.result.opsPerSec).toBe(warm.opsPerSec);
    expect(warm.opsPerSec).toBeCloseTo((warm.passes * outcome.result.ops) / warm.seconds, 6);
    expect(outcome.report.processes[0].heap?.liveBlocks).toBe(0);
  });

  it('empties the allocator between passes and counts only timed passes', () => {
    const trace = parseRep(readFileSync(SHELL, 'utf8'));
    const heap = new Heap(new SparseSpace());
    let resets = 0;
    const warm = warmThroughput(
      trace,
      {
        allocator: heapAllocator(heap),
        reset: () => {
          resets++;
          heap.releaseAll();
          heap.check();
          expect(heap.liveBlocks).toBe(0);
        },
      },
      50,
    );
    expect(resets).toBe(warm.passes + 1); // the warm-up pass is reset too
    expect(warm.seconds).toBeGreaterThanOrEqual(0.05);
  });
});
