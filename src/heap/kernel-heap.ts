/**
 * The kernel's heap: the same allocator over the kernel's space (kernel range, kernel mode), with
 * the names kernel code uses. The kernel layer builds it on its own space; nothing here depends on
 * the kernel, so the heap layer stays below it.
 */
import { Heap, type HeapOptions } from './heap.js';
import type { HeapSpace } from './heap-space.js';

export class KernelHeap extends Heap {
  constructor(space: HeapSpace, options: HeapOptions = {}) {
    super(space, { name: 'kernel heap', ...options });
  }

  /** kmalloc: as malloc; 0 when out of memory. */
  kmalloc(size: number): number {
    return this.malloc(size);
  }

  /** kzalloc: zeroed memory, as calloc(1, size). */
  kzalloc(size: number): number {
    return this.calloc(1, size);
  }

  /** krealloc: as realloc. */
  krealloc(va: number, size: number): number {
    return this.realloc(va, size);
  }

  /** kfree: as free; kfree(0) does nothing. */
  kfree(va: number): void {
    this.free(va);
  }
}
