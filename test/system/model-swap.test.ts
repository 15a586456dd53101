/**
 * Replays of swap machines of the model test that found bugs (docs/testing.md, "Findings"): each
 * a short machine of the campaign, kept so the bug it found stays fixed whatever the seeds draw.
 */
import { describe, expect, it } from 'vitest';
import { runSystemModel } from './model-run.js';

describe('the model test on swap machines', () => {
  it('a user copy that broke copy-on-write and then ran out of frames undoes it after reclaim took the original', () => {
    // Sv39, random policy: step 263 writes a heap block over a copy-on-write page, whose original
    // frame reclaim evicts from its other holder before a later page finds no frame.
    const result = runSystemModel({
      format: 'sv39',
      allocator: 'first-fit',
      seed: 114,
      ops: 300,
      swap: { policy: 'random', residentLimit: 0 },
    });
    expect(result.ops).toBe(300);
    // Reclaim ran, and the stopped write and its undo are among the injected failures.
    expect(result.evictions).toBeGreaterThan(0);
    expect(result.injectedFailures).toBeGreaterThan(0);
  });

  it('a user copy whose copy-on-write copy replaced a frame only the swap cache shared undoes it', () => {
    // x86-64, random policy: step 434 writes a heap block whose first page is mapped once but
    // cached for a slot other entries name, so the write copies it and the copy unmapped the
    // frame's last mapping; a later page's injected failure then undid the copy with a frame
    // already given back (DoubleFreeError) before the fault log held it.
    const result = runSystemModel({
      format: 'x86-64',
      allocator: 'buddy',
      seed: 3020849507,
      ops: 440,
      swap: { policy: 'random', residentLimit: 12, policySeed: 840447 },
    });
    expect(result.ops).toBe(440);
    expect(result.evictions).toBeGreaterThan(0);
    expect(result.injectedFailures).toBeGreaterThan(0);
  });
});
