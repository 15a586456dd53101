/**
 * Adapts a Heap to the replay driver: its footprint, resident and metadata figures included. Used by
 * `pageframe replay`, the heap benchmark and tests.
 */
import type { Heap } from '../../heap/heap.js';
import type { ReplayAllocator } from './replay.js';

export function heapAllocator(heap: Heap): ReplayAllocator {
  return {
    malloc: (size) => heap.malloc(size),
    free: (address) => heap.free(address),
    realloc: (address, size) => heap.realloc(address, size),
    footprint: () => heap.footprint,
    peakFootprint: () => heap.peakFootprint,
    peakResident: () => heap.peakResidentBytes,
    metadataBytes: () => heap.metadataBytes(),
  };
}
