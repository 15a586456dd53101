/** Adapts a Heap to the replay driver. */
import type { Heap } from '../../heap/heap.js';
import type { ReplayAllocator } from './replay.js';

export function heapAllocator(heap: Heap): ReplayAllocator {
  return {
    malloc: (size) => heap.malloc(size),
    free: (address) => heap.free(address),
    realloc: (address, size) => heap.realloc(address, size),
    footprint: () => heap.footprint,
    peakFootprint: () => heap.peakFootprint,
  };
}
