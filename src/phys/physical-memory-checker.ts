/**
 * What the physical memory manager reports and proves about itself: its statistics, and the
 * invariant checker over the frame table, the memory map and the allocator's lists.
 */
import { InvariantError } from '../common/errors.js';
import { frameName, MAX_USE, USE_NAMES } from './frame-arguments.js';
import { FrameState, type FrameTable, FrameUse } from './frame-table.js';
import { describeRange } from './memory-map.js';
import { FRAME_SIZE, type PhysicalMemory } from './physical-memory.js';
import type { FrameAllocator, MemoryRange, PhysicalStats } from './types.js';

/** The parts of a physical memory manager the statistics and the checker read. */
export interface PhysicalMemoryParts {
  readonly memory: PhysicalMemory;
  readonly frames: FrameTable;
  readonly allocator: FrameAllocator;
  readonly memoryMap: readonly MemoryRange[];
  readonly totalFrames: number;
  readonly usableFrames: number;
}

export function physicalStats(parts: PhysicalMemoryParts): PhysicalStats {
  const allocatedByUse: Record<string, number> = {};
  for (const name of USE_NAMES) allocatedByUse[name] = 0;
  const { state, use } = parts.frames;
  for (let pfn = 0; pfn < parts.totalFrames; pfn++) {
    if (state[pfn] === FrameState.Allocated) allocatedByUse[USE_NAMES[use[pfn]]]++;
  }
  const freeFrames = parts.allocator.freeFrameCount();
  const largestFreeRun = parts.allocator.largestFreeRun();
  return {
    totalFrames: parts.totalFrames,
    usableFrames: parts.usableFrames,
    reservedFrames: parts.totalFrames - parts.usableFrames,
    freeFrames,
    allocatedFrames: parts.usableFrames - freeFrames,
    allocatedByUse,
    freeBlocksByOrder: parts.allocator.freeBlocksByOrder(),
    largestFreeRun,
    fragmentation: freeFrames === 0 ? 0 : 1 - largestFreeRun / freeFrames,
    hostBytes: parts.memory.backedBytes + parts.frames.byteSize,
  };
}

/**
 * The layer's invariants: every frame is exactly one of free / allocated / reserved, reserved
 * frames are the map's non-usable ranges, allocated frames have a reference count of at least
 * 1 and free and reserved ones 0, counts agree, and the allocator's lists hold exactly the free
 * frames (with free buddies merged). Throws InvariantError.
 */
export function checkPhysicalMemory(parts: PhysicalMemoryParts): void {
  const { state, refCount, use } = parts.frames;
  let free = 0;
  let allocated = 0;
  for (const range of parts.memoryMap) {
    const first = range.base / FRAME_SIZE;
    const end = first + range.length / FRAME_SIZE;
    if (range.type !== 'usable') {
      for (let pfn = first; pfn < end; pfn++) {
        if (state[pfn] !== FrameState.Reserved || refCount[pfn] !== 0) {
          throw new InvariantError(
            `frame ${frameName(pfn)} in ${describeRange(range)} is not reserved (state ${state[pfn]}, refCount ${refCount[pfn]})`,
          );
        }
      }
      continue;
    }
    // One pass of plain comparisons per frame: check() runs after every step of the tests.
    for (let pfn = first; pfn < end; pfn++) {
      const frameState = state[pfn];
      if (frameState === FrameState.Free) {
        if (refCount[pfn] !== 0)
          throw new InvariantError(`free frame ${frameName(pfn)} has refCount ${refCount[pfn]}`);
        free++;
      } else if (frameState === FrameState.Allocated) {
        if (refCount[pfn] < 1) throw new InvariantError(`allocated frame ${frameName(pfn)} has refCount 0`);
        if (use[pfn] === FrameUse.None || use[pfn] > MAX_USE)
          throw new InvariantError(`allocated frame ${frameName(pfn)} has use ${use[pfn]}`);
        allocated++;
      } else {
        throw new InvariantError(`usable frame ${frameName(pfn)} has state ${frameState}`);
      }
    }
  }
  const counted = parts.allocator.freeFrameCount();
  if (free !== counted)
    throw new InvariantError(`${free} frames are free but the allocator counts ${counted}`);
  if (free + allocated !== parts.usableFrames) {
    throw new InvariantError(`free ${free} + allocated ${allocated} != usable ${parts.usableFrames}`);
  }
  parts.allocator.check();
}
