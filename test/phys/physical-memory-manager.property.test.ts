/**
 * Random sequences of every operation on both allocators against a small reference model (one
 * number a frame: its reference count, or FREE / RESERVED), with the invariant checker after each
 * step and, for every refused call, proof that nothing changed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutOfMemoryError, PageframeError } from '../../src/common/errors.js';
import { FrameState, FrameUse } from '../../src/phys/frame-table.js';
import { FRAME_SIZE } from '../../src/phys/physical-memory.js';
import { PhysicalMemoryManager } from '../../src/phys/physical-memory-manager.js';
import type { AllocationConstraint, FrameAllocatorKind, MemoryRange } from '../../src/phys/types.js';
import { expectUnchanged, snapshot } from './helpers.js';

const FREE = 0;
const RESERVED = -1;

interface Machine {
  frames: number;
  reserved: { first: number; count: number }[];
}

type Command =
  | { op: 'allocFrame'; owner: number }
  | { op: 'allocContiguous'; count: number; constraint?: { above: number; below: number; align: number } }
  | { op: 'allocAt'; pfn: number; count: number; pick: boolean }
  | { op: 'free'; pfn: number; count: number; pick: boolean }
  | { op: 'retain'; pfn: number; pick: boolean }
  | { op: 'release'; pfn: number; pick: boolean };

const machineArb: fc.Arbitrary<Machine> = fc
  .record({
    frames: fc.integer({ min: 8, max: 140 }),
    holes: fc.array(fc.record({ at: fc.nat(), count: fc.integer({ min: 1, max: 6 }) }), { maxLength: 3 }),
  })
  .map(({ frames, holes }) => {
    // Non-overlapping holes: place them in order, skipping any that would overlap or overflow.
    const reserved: { first: number; count: number }[] = [];
    let from = 0;
    for (const hole of holes.sort((a, b) => a.at - b.at)) {
      const first = from + (hole.at % Math.max(1, frames - from));
      if (first + hole.count > frames) continue;
      reserved.push({ first, count: hole.count });
      from = first + hole.count;
    }
    return { frames, reserved };
  });

const pfnArb = fc.integer({ min: -2, max: 145 });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    arbitrary: fc.record({ op: fc.constant('allocFrame' as const), owner: fc.integer({ min: 0, max: 3 }) }),
    weight: 4,
  },
  {
    arbitrary: fc.record(
      {
        op: fc.constant('allocContiguous' as const),
        count: fc.integer({ min: 1, max: 20 }),
        constraint: fc.record({
          above: fc.integer({ min: 0, max: 100 }),
          below: fc.integer({ min: 1, max: 160 }),
          align: fc.constantFrom(1, 2, 4, 8, 16),
        }),
      },
      { requiredKeys: ['op', 'count'] },
    ),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('allocAt' as const),
      pfn: pfnArb,
      count: fc.integer({ min: 1, max: 8 }),
      pick: fc.boolean(),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('free' as const),
      pfn: pfnArb,
      count: fc.integer({ min: 1, max: 10 }),
      pick: fc.boolean(),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({ op: fc.constant('retain' as const), pfn: pfnArb, pick: fc.boolean() }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ op: fc.constant('release' as const), pfn: pfnArb, pick: fc.boolean() }),
    weight: 3,
  },
);

function boot(kind: FrameAllocatorKind, machine: Machine): { pmm: PhysicalMemoryManager; model: number[] } {
  const memoryMap: MemoryRange[] = machine.reserved.map(({ first, count }) => ({
    base: first * FRAME_SIZE,
    length: count * FRAME_SIZE,
    type: 'device',
  }));
  const pmm = new PhysicalMemoryManager({
    ramBytes: machine.frames * FRAME_SIZE,
    memoryMap,
    allocator: kind,
  });
  const model = new Array<number>(machine.frames).fill(FREE);
  for (const { first, count } of machine.reserved) model.fill(RESERVED, first, first + count);
  return { pmm, model };
}

/** Whether frames [first, first + count) lie in RAM and all satisfy `test`. */
function all(model: number[], first: number, count: number, test: (value: number) => boolean): boolean {
  if (first < 0 || first + count > model.length) return false;
  for (let f = first; f < first + count; f++) if (!test(model[f])) return false;
  return true;
}

function fits(
  model: number[],
  count: number,
  constraint?: { above: number; below: number; align: number },
): boolean {
  const above = constraint?.above ?? 0;
  const limit = Math.min(constraint?.below ?? model.length, model.length);
  const align = constraint?.align ?? 1;
  for (let s = Math.ceil(above / align) * align; s + count <= limit; s += align) {
    if (all(model, s, count, (v) => v === FREE)) return true;
  }
  return false;
}

function expectMatchesModel(pmm: PhysicalMemoryManager, model: number[]): void {
  for (let f = 0; f < model.length; f++) {
    const expected = model[f];
    const state = pmm.frames.state[f];
    if (expected === RESERVED) expect(state, `frame ${f}`).toBe(FrameState.Reserved);
    else if (expected === FREE) expect(state, `frame ${f}`).toBe(FrameState.Free);
    else {
      expect(state, `frame ${f}`).toBe(FrameState.Allocated);
      expect(pmm.frames.refCount[f], `refCount of frame ${f}`).toBe(expected);
    }
  }
  expect(pmm.freeFrames).toBe(model.filter((v) => v === FREE).length);
}

/**
 * New frames must come zeroed (the default fill); then they are dirtied, so that a frame handed
 * out again without zeroing would show it.
 */
function handedOut(pmm: PhysicalMemoryManager, first: number, count: number): void {
  for (let pfn = first; pfn < first + count; pfn++) {
    const pa = pfn * FRAME_SIZE;
    expect(pmm.memory.read32(pa), `first word of frame ${pfn}`).toBe(0);
    expect(pmm.memory.read32(pa + FRAME_SIZE - 4), `last word of frame ${pfn}`).toBe(0);
    pmm.memory.write32(pa, 0xdeadbeef);
    pmm.memory.write32(pa + FRAME_SIZE - 4, 0xfeedface);
  }
}

/** The target frame of a command: with `pick`, one the model holds (so that frees mostly succeed). */
function target(model: number[], pfn: number, pick: boolean, wanted = (v: number) => v > 0): number {
  if (!pick) return pfn;
  const candidates: number[] = [];
  for (let f = 0; f < model.length; f++) if (wanted(model[f])) candidates.push(f);
  return candidates.length === 0 ? pfn : candidates[Math.abs(pfn) % candidates.length];
}

/** Runs one command on the machine and the model; a refused command must change nothing. */
function step(pmm: PhysicalMemoryManager, model: number[], command: Command): void {
  const refuse = (call: () => unknown, type: typeof PageframeError = PageframeError): void => {
    const before = snapshot(pmm);
    expect(call).toThrow(type);
    expectUnchanged(pmm, before);
  };
  switch (command.op) {
    case 'allocFrame': {
      if (!model.includes(FREE)) {
        refuse(() => pmm.allocFrame(FrameUse.User, command.owner), OutOfMemoryError);
        return;
      }
      const pfn = pmm.allocFrame(FrameUse.User, command.owner) / FRAME_SIZE;
      expect(model[pfn]).toBe(FREE);
      handedOut(pmm, pfn, 1);
      model[pfn] = 1;
      return;
    }
    case 'allocContiguous': {
      const { count, constraint: c } = command;
      const constraint: AllocationConstraint | undefined = c && {
        above: c.above * FRAME_SIZE,
        below: c.below * FRAME_SIZE,
        alignment: c.align * FRAME_SIZE,
      };
      if (count > model.length || (c && c.above >= c.below)) {
        refuse(() => pmm.allocContiguous(count, constraint));
        return;
      }
      if (!fits(model, count, c)) {
        refuse(() => pmm.allocContiguous(count, constraint), OutOfMemoryError);
        return;
      }
      const first = pmm.allocContiguous(count, constraint) / FRAME_SIZE;
      expect(all(model, first, count, (v) => v === FREE)).toBe(true);
      if (c) {
        expect(first).toBeGreaterThanOrEqual(c.above);
        expect(first + count).toBeLessThanOrEqual(c.below);
        expect(first % c.align).toBe(0);
      }
      handedOut(pmm, first, count);
      model.fill(1, first, first + count);
      return;
    }
    case 'allocAt': {
      // With `pick`, a free frame (perhaps one in the buddy's single-frame cache).
      const pfn = target(model, command.pfn, command.pick, (v) => v === FREE);
      const { count } = command;
      if (!all(model, pfn, count, (v) => v === FREE)) {
        refuse(() => pmm.allocAt(pfn * FRAME_SIZE, count));
        return;
      }
      expect(pmm.allocAt(pfn * FRAME_SIZE, count)).toBe(pfn * FRAME_SIZE);
      handedOut(pmm, pfn, count);
      model.fill(1, pfn, pfn + count);
      return;
    }
    case 'free': {
      const pfn = target(model, command.pfn, command.pick);
      // Free a whole or partial run of held frames: as many as are held once from pfn on.
      let count = 0;
      while (count < command.count && pfn + count < model.length && model[pfn + count] === 1) count++;
      if (command.pick && count > 0 && command.count % 3 !== 0) {
        pmm.free(pfn * FRAME_SIZE, count);
        model.fill(FREE, pfn, pfn + count);
        return;
      }
      const n = command.count;
      if (!all(model, pfn, n, (v) => v === 1)) {
        refuse(() => pmm.free(pfn * FRAME_SIZE, n));
        return;
      }
      pmm.free(pfn * FRAME_SIZE, n);
      model.fill(FREE, pfn, pfn + n);
      return;
    }
    case 'retain': {
      const pfn = target(model, command.pfn, command.pick);
      if (!all(model, pfn, 1, (v) => v > 0)) {
        refuse(() => pmm.retain(pfn * FRAME_SIZE));
        return;
      }
      pmm.retain(pfn * FRAME_SIZE);
      model[pfn]++;
      return;
    }
    case 'release': {
      const pfn = target(model, command.pfn, command.pick);
      if (!all(model, pfn, 1, (v) => v > 0)) {
        refuse(() => pmm.release(pfn * FRAME_SIZE));
        return;
      }
      expect(pmm.release(pfn * FRAME_SIZE)).toBe(model[pfn] === 1);
      model[pfn]--;
      return;
    }
  }
}

describe.each(['buddy', 'first-fit'] as const)('%s allocator against a reference model', (kind) => {
  it('agrees with the model on random operation sequences, with check() after every step', () => {
    fc.assert(
      fc.property(machineArb, fc.array(commandArb, { minLength: 1, maxLength: 60 }), (machine, commands) => {
        const { pmm, model } = boot(kind, machine);
        pmm.check();
        for (const command of commands) {
          step(pmm, model, command);
          pmm.check();
          expectMatchesModel(pmm, model);
        }
        // Tear down: every frame comes back.
        for (let f = 0; f < model.length; f++)
          while (model[f] > 0) step(pmm, model, { op: 'release', pfn: f, pick: false });
        pmm.check();
        expect(pmm.allocatedFrames).toBe(0);
        expect(pmm.freeFrames).toBe(pmm.usableFrames);
      }),
      { numRuns: 300 },
    );
  });
});
