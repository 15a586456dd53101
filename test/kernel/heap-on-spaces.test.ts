/** The heap layer runs unchanged on a process's space and on the kernel's (the HeapSpace contract). */
import { describe, expect, it } from 'vitest';
import { Heap } from '../../src/heap/heap.js';
import type { HeapSpace } from '../../src/heap/heap-space.js';
import { KernelHeap } from '../../src/heap/kernel-heap.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';

describe.each<FormatName>(['i386', 'x86-64', 'sv39'])('heaps on address spaces (%s)', (format) => {
  it('malloc, realloc and free on a process and on the kernel, with every frame back at the end', () => {
    const kernel = new Kernel({ format, ramBytes: 16 << 20 });
    const baseline = kernel.pmm.allocatedFrames;
    const baselineTables = kernel.pageTables.tablePageCount;
    const p = kernel.createProcess();
    const userSpace: HeapSpace = p.space;
    const kernelSpace: HeapSpace = kernel.kernelSpace;
    const heap = new Heap(userSpace);
    const kheap = new KernelHeap(kernelSpace);
    const blocks: number[] = [];
    for (let k = 1; k <= 40; k++) {
      const va = heap.malloc(k * 700);
      expect(va).not.toBe(0);
      p.space.fill(va, k * 700, k);
      blocks.push(va);
    }
    const big = heap.realloc(blocks[39], 200_000);
    const b = new Uint8Array(1);
    p.space.read(big + 40 * 700 - 1, b);
    expect(b[0]).toBe(40);
    const kva = kheap.kzalloc(10_000);
    kernel.kernelSpace.read(kva + 9999, b);
    expect(b[0]).toBe(0);
    kernel.check();
    for (const va of blocks.slice(0, 39)) heap.free(va);
    heap.free(big);
    kheap.kfree(kva);
    kernel.check();
    kernel.exit(p.pid);
    kernel.check();
    // The kernel heap may keep its areas (and the kernel its tables); the process's memory is all back.
    const kernelFrames =
      kernel.kernelSpace.residentBytes() / 4096 + kernel.pageTables.tablePageCount - baselineTables;
    expect(kernel.pmm.allocatedFrames - baseline).toBe(kernelFrames);
  });
});
