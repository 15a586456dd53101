/** Shared helpers of the phys tests: a snapshot of everything a failed call must leave alone. */
import { expect } from 'vitest';
import type { PhysicalMemoryManager } from '../../src/phys/physical-memory-manager.js';
import type { PhysicalStats } from '../../src/phys/types.js';

export interface PhysSnapshot {
  stats: PhysicalStats;
  state: Uint8Array;
  refCount: Uint16Array;
  use: Uint8Array;
  owner: Uint16Array;
  backedBytes: number;
}

export function snapshot(pmm: PhysicalMemoryManager): PhysSnapshot {
  return {
    stats: pmm.stats(),
    state: pmm.frames.state.slice(),
    refCount: pmm.frames.refCount.slice(),
    use: pmm.frames.use.slice(),
    owner: pmm.frames.owner.slice(),
    backedBytes: pmm.memory.backedBytes,
  };
}

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * Asserts that the machine is exactly as `before` (frame records, statistics, RAM backing) and
 * sound. Only the buddy's block histogram may differ: a refused contiguous request first gives
 * the single-frame cache back to the lists (where its frames merge), which moves no frame.
 */
export function expectUnchanged(pmm: PhysicalMemoryManager, before: PhysSnapshot): void {
  const after = snapshot(pmm);
  const { freeBlocksByOrder: _afterBlocks, ...afterStats } = after.stats;
  const { freeBlocksByOrder: _beforeBlocks, ...beforeStats } = before.stats;
  expect(afterStats).toEqual(beforeStats);
  expect(firstDifference(after.state, before.state), 'frame state').toBe(-1);
  expect(firstDifference(after.refCount, before.refCount), 'refCount').toBe(-1);
  expect(firstDifference(after.use, before.use), 'use').toBe(-1);
  expect(firstDifference(after.owner, before.owner), 'owner').toBe(-1);
  expect(after.backedBytes).toBe(before.backedBytes);
  pmm.check();
}

/** Runs `call`, expects it to throw `type` with a message matching `message`, and nothing to change. */
export function expectRefused(
  pmm: PhysicalMemoryManager,
  call: () => unknown,
  type: abstract new (...args: never[]) => Error,
  message?: RegExp,
): void {
  const before = snapshot(pmm);
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(type);
  if (message) expect((thrown as Error).message).toMatch(message);
  expectUnchanged(pmm, before);
}
