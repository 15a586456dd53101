/**
 * The heap on real address spaces: payloads live in RAM frames behind the page tables of each
 * format, every block lies in an ANON region of the process, and a process's exit (or freeing
 * everything) gives every heap frame back to the physical memory manager.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Heap } from '../../src/heap/heap.js';
import { KernelHeap } from '../../src/heap/kernel-heap.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Access } from '../../src/mmu/flags.js';
import type { AddressSpace } from '../../src/vm/address-space.js';
import { RegionType } from '../../src/vm/region-types.js';

const FORMATS = ['i386', 'x86-64', 'sv39'] as const;

function inAnonRegion(space: AddressSpace, va: number, bytes: number): boolean {
  return space
    .snapshot()
    .regions.some((r) => r.type === RegionType.Anon && va >= r.base && va + bytes <= r.ceiling);
}

/** The byte at `va` read straight from RAM through the page tables (as the MMU resolves it). */
function ramByte(kernel: Kernel, space: AddressSpace, va: number): number {
  return kernel.machine.memory.read8(space.access(va, Access.Read));
}

describe.each(FORMATS)('heap on a %s process', (format) => {
  it('keeps payloads in RAM behind the page tables, inside ANON regions', () => {
    const kernel = new Kernel({ format, ramBytes: 32 * 1024 * 1024 });
    const p = kernel.createProcess('heapy');
    const heap = new Heap(p.space, { name: `heap of process ${p.pid}` });
    const blocks: Array<[number, number]> = [];
    for (const size of [1, 24, 100, 1000, 5000, 16384, 40000, 200000]) {
      const va = heap.malloc(size);
      expect(va % 16).toBe(0);
      expect(inAnonRegion(p.space, va, size)).toBe(true);
      p.space.fill(va, size, size & 0xff);
      blocks.push([va, size]);
    }
    for (const [va, size] of blocks) {
      expect(ramByte(kernel, p.space, va)).toBe(size & 0xff);
      expect(ramByte(kernel, p.space, va + size - 1)).toBe(size & 0xff);
    }
    // Only the pages written are resident: the areas are demand-zero.
    expect(p.space.residentBytes()).toBeLessThan(heap.footprint);
    // realloc grows the big block in place (extendAnon) and keeps its bytes.
    const [big, bigSize] = blocks[7];
    const grown = heap.realloc(big, 300000);
    expect(grown).toBe(big); // nothing is mapped after it, so extendAnon grew it in place
    expect(ramByte(kernel, p.space, grown + bigSize - 1)).toBe(bigSize & 0xff);
    heap.check();
    kernel.check();
    expect(() => heap.free(blocks[2][0] + 8)).toThrow(
      /heap of process \d+: free\(0x[0-9a-f]+\): interior pointer/,
    );
    heap.check();
    kernel.check();
  });

  it("a process's exit returns every heap frame", () => {
    const kernel = new Kernel({ format, ramBytes: 32 * 1024 * 1024 });
    const before = kernel.pmm.freeFrames;
    const p = kernel.createProcess();
    const heap = new Heap(p.space);
    for (let i = 0; i < 300; i++) {
      const va = heap.malloc((i * 97) % 9000);
      p.space.fill(va, (i * 97) % 9000, 1);
    }
    expect(kernel.pmm.freeFrames).toBeLessThan(before);
    kernel.check();
    kernel.exit(p.pid);
    kernel.check();
    expect(kernel.pmm.freeFrames).toBe(before);
  });

  it('freeing every block gives the frames back while the process lives', () => {
    const kernel = new Kernel({ format, ramBytes: 32 * 1024 * 1024 });
    const p = kernel.createProcess();
    const heap = new Heap(p.space);
    const empty = kernel.pmm.freeFrames;
    const vas: number[] = [];
    for (let i = 0; i < 500; i++) {
      const size = (i * 131) % 30000;
      const va = heap.calloc(1, size);
      p.space.fill(va, size, 0x33);
      vas.push(va);
    }
    for (const va of vas) heap.free(va);
    heap.trim();
    heap.check();
    kernel.check();
    expect(heap.footprint).toBe(0);
    expect(p.space.residentBytes()).toBe(0);
    expect(kernel.pmm.freeFrames).toBe(empty);
  });

  it('the kernel heap runs on the kernel range', () => {
    const kernel = new Kernel({ format, ramBytes: 32 * 1024 * 1024 });
    const kheap = new KernelHeap(kernel.kernelSpace);
    // The kernel range keeps the page-table pages it once needed (they are shared by every
    // space), so count frames from a state where they exist.
    for (const size of [200, 50000]) {
      const va = kheap.kmalloc(size);
      kernel.kernelSpace.fill(va, size, 1);
      kheap.kfree(va);
    }
    kheap.trim();
    const before = kernel.pmm.freeFrames;
    const a = kheap.kzalloc(200);
    const b = kheap.kmalloc(50000);
    expect(a >= kernel.kernelSpace.start && a < kernel.kernelSpace.end).toBe(true);
    kernel.kernelSpace.fill(b, 50000, 9);
    expect(ramByte(kernel, kernel.kernelSpace, b + 49999)).toBe(9);
    const data = new Uint8Array(200);
    kernel.kernelSpace.read(a, data);
    expect(data.every((x) => x === 0)).toBe(true);
    kheap.kfree(a);
    kheap.kfree(b);
    kheap.trim();
    kheap.check();
    kernel.check();
    expect(kernel.kernelSpace.residentBytes()).toBe(0);
    expect(kernel.pmm.freeFrames).toBe(before);
  });
});

describe('heap on a process, random sequences', () => {
  it('blocks stay disjoint, aligned, in ANON regions, and payloads survive; exit returns all', () => {
    const size = fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 500, max: 70000 }));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('malloc' as const), size }),
      fc.record({ kind: fc.constant('memalign' as const), shift: fc.integer({ min: 3, max: 13 }), size }),
      fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('realloc' as const), pick: fc.nat(), size }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...FORMATS),
        fc.array(op, { minLength: 1, maxLength: 30 }),
        (format, ops) => {
          const kernel = new Kernel({ format, ramBytes: 16 * 1024 * 1024 });
          const before = kernel.pmm.freeFrames;
          const p = kernel.createProcess();
          const heap = new Heap(p.space);
          const live: Array<{ va: number; size: number; tag: number; align: number }> = [];
          let tag = 1;
          const stamp = (b: { va: number; size: number; tag: number }) => {
            if (b.size > 0) p.space.fill(b.va, b.size, b.tag);
          };
          const verify = (b: { va: number; size: number; tag: number }) => {
            if (b.size === 0) return;
            const data = new Uint8Array(b.size);
            p.space.read(b.va, data);
            if (!data.every((x) => x === b.tag)) expect.fail(`payload at ${b.va} changed`);
          };
          for (const o of ops) {
            if (o.kind === 'malloc' || o.kind === 'memalign') {
              const align = o.kind === 'memalign' ? 2 ** o.shift : 16;
              const va = o.kind === 'malloc' ? heap.malloc(o.size) : heap.memalign(align, o.size);
              const b = { va, size: o.size, tag: tag++ & 0xff, align: Math.max(align, 16) };
              stamp(b);
              live.push(b);
            } else if (live.length > 0) {
              const i = o.pick % live.length;
              verify(live[i]);
              if (o.kind === 'free') {
                heap.free(live[i].va);
                live.splice(i, 1);
              } else if (o.size === 0) {
                heap.realloc(live[i].va, 0);
                live.splice(i, 1);
              } else {
                const va = heap.realloc(live[i].va, o.size);
                verify({ va, size: Math.min(live[i].size, o.size), tag: live[i].tag });
                live[i] = { va, size: o.size, tag: tag++ & 0xff, align: 16 };
                stamp(live[i]);
              }
            }
            heap.check();
            const sorted = [...live].sort((x, y) => x.va - y.va);
            for (let i = 0; i < sorted.length; i++) {
              const b = sorted[i];
              if (b.va % b.align !== 0) expect.fail(`block ${b.va} not aligned to ${b.align}`);
              if (i > 0 && b.va < sorted[i - 1].va + heap.usableSize(sorted[i - 1].va))
                expect.fail('blocks overlap');
              if (!inAnonRegion(p.space, b.va, Math.max(1, b.size)))
                expect.fail(`block ${b.va} not in an ANON region`);
            }
          }
          for (const b of live) verify(b);
          kernel.check();
          kernel.exit(p.pid);
          kernel.check();
          expect(kernel.pmm.freeFrames).toBe(before);
        },
      ),
      { numRuns: 25 },
    );
  });
});
