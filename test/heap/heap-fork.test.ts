/**
 * A heap after fork: the child's heap is a clone of the parent's bookkeeping on the forked space
 * (Heap.cloneFor), so each can free and realloc its own copies of the inherited blocks, payloads
 * stay separate (copy-on-write), both heaps check, and the exit of both gives every frame back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotAllocatedError } from '../../src/common/errors.js';
import { Heap } from '../../src/heap/heap.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { Process } from '../../src/kernel/process.js';

const FORMATS = ['i386', 'x86-64', 'sv39'] as const;

/** Live blocks of one process: address -> [size, the byte that fills it]. */
type Model = Map<number, [number, number]>;

interface Side {
  process: Process;
  heap: Heap;
  model: Model;
}

function verify(side: Side, va: number): void {
  const [size, byte] = side.model.get(va) as [number, number];
  const bytes = new Uint8Array(size);
  side.process.space.read(va, bytes);
  const wrong = bytes.findIndex((b) => b !== byte);
  expect(wrong, `block ${va.toString(16)}+${size} of process ${side.process.pid}`).toBe(-1);
}

function malloc(side: Side, size: number, byte: number): void {
  const va = side.heap.malloc(size);
  expect(va).not.toBe(0);
  side.process.space.fill(va, size, byte);
  side.model.set(va, [size, byte]);
}

const op = fc.oneof(
  fc.record({
    kind: fc.constant('malloc' as const),
    size: fc.integer({ min: 1, max: 40000 }),
    byte: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('realloc' as const),
    pick: fc.nat(),
    size: fc.integer({ min: 1, max: 40000 }),
  }),
  fc.record({ kind: fc.constant('write' as const), pick: fc.nat(), byte: fc.integer({ min: 1, max: 255 }) }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function apply(side: Side, o: Op): void {
  if (o.kind === 'malloc') {
    malloc(side, o.size, o.byte);
    return;
  }
  const live = [...side.model.keys()];
  if (live.length === 0) return;
  const va = live[o.pick % live.length];
  verify(side, va); // the payload survived everything the other process did
  const [size, byte] = side.model.get(va) as [number, number];
  if (o.kind === 'free') {
    side.heap.free(va);
    side.model.delete(va);
  } else if (o.kind === 'realloc') {
    const moved = side.heap.realloc(va, o.size);
    expect(moved).not.toBe(0);
    side.model.delete(va);
    const kept = Math.min(size, o.size);
    // The bytes beyond the old size are not defined: fill them so the model stays one byte.
    if (o.size > kept) side.process.space.fill(moved + kept, o.size - kept, byte);
    side.model.set(moved, [o.size, byte]);
    verify(side, moved);
  } else {
    side.process.space.fill(va, size, o.byte);
    side.model.set(va, [size, o.byte]);
  }
}

describe.each(FORMATS)('heap after fork on %s', (format) => {
  it('parent and child free and realloc their copies independently', () => {
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.boolean(), op), { minLength: 1, maxLength: 30 }),
        (before, after) => {
          const kernel = new Kernel({ format, ramBytes: 8 << 20 });
          const baseline = kernel.pmm.allocatedFrames;
          const p = kernel.createProcess('parent');
          const parent: Side = {
            process: p,
            heap: new Heap(p.space, { name: 'parent heap' }),
            model: new Map(),
          };
          for (const o of before) apply(parent, o);
          const c = kernel.fork(p.pid, { name: 'child' });
          const child: Side = {
            process: c,
            heap: parent.heap.cloneFor(c.space, 'child heap'),
            model: new Map(parent.model),
          };
          expect(child.heap.stats()).toEqual(parent.heap.stats());
          child.heap.check();
          for (const [toChild, o] of after) {
            apply(toChild ? child : parent, o);
            parent.heap.check();
            child.heap.check();
            kernel.check();
          }
          for (const side of [parent, child]) for (const va of side.model.keys()) verify(side, va);
          kernel.exit(p.pid);
          for (const va of child.model.keys()) verify(child, va); // the parent's exit took nothing of the child's
          kernel.exit(c.pid);
          kernel.check();
          expect(kernel.pmm.allocatedFrames).toBe(baseline);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the child frees an inherited block (a fresh heap could not) and the parent keeps its own', () => {
    const kernel = new Kernel({ format, ramBytes: 8 << 20 });
    const baseline = kernel.pmm.allocatedFrames;
    const p = kernel.createProcess('parent');
    const heap = new Heap(p.space);
    const small = heap.malloc(100);
    const large = heap.malloc(30000);
    p.space.fill(small, 100, 0xaa);
    const c = kernel.fork(p.pid);
    expect(() => new Heap(c.space).free(small)).toThrow(NotAllocatedError);
    const childHeap = heap.cloneFor(c.space);
    childHeap.free(small);
    const grown = childHeap.realloc(large, 60000);
    c.space.fill(grown, 60000, 0x11);
    expect(heap.isLive(small)).toBe(true);
    const b = new Uint8Array(100);
    p.space.read(small, b);
    expect(b.every((x) => x === 0xaa)).toBe(true);
    heap.free(small);
    heap.free(large);
    childHeap.free(grown);
    heap.check();
    childHeap.check();
    kernel.check();
    kernel.exit(c.pid);
    kernel.exit(p.pid);
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  });
});
