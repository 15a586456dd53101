/**
 * The contracts of the physical layer that other layers program against.
 * Physical addresses are byte addresses (uint32, see physical-memory.ts); frame numbers are
 * `pa >>> FRAME_SHIFT`. The public face speaks addresses, as the seed's `ppm_alloc` does; the
 * allocators inside speak frame numbers.
 */
import type { FrameUse } from './frame-table.js';

/** Kinds of ranges in the boot memory map, as an e820 table or a device tree would report them. */
export type MemoryRangeType = 'usable' | 'reserved' | 'firmware' | 'kernel' | 'device';

export interface MemoryRange {
  /** First byte, frame-aligned. */
  base: number;
  /** Length in bytes, a multiple of 4096. */
  length: number;
  type: MemoryRangeType;
  /** A name for reports ("VGA hole", "kernel image"). */
  label?: string;
}

/** What to do with a frame's old bytes before it is handed out. */
export type FillPolicy = 'zero' | 'junk' | 'none';

export type FrameAllocatorKind = 'buddy' | 'first-fit';

export interface PhysicalMemoryConfig {
  /** Size of the physical address space in bytes (default 64 MiB). */
  ramBytes?: number;
  /** The boot memory map; ranges not named are usable. Default: a PC-like map (see memory-map.ts). */
  memoryMap?: MemoryRange[];
  allocator?: FrameAllocatorKind;
  /** Default 'zero'. 'junk' fills with 0x5a like xv6's kalloc to expose reads of stale memory. */
  fill?: FillPolicy;
}

/** Placement constraints for a contiguous allocation. All in bytes. */
export interface AllocationConstraint {
  /** Lowest physical address the block may start at (default 0). */
  above?: number;
  /** The block must end at or below this address (16 MiB for ISA DMA, 4 GiB for 32-bit devices). */
  below?: number;
  /** Alignment of the block's start: a power of two, at least 4096. */
  alignment?: number;
}

/**
 * A frame allocation strategy over the frame table, in frame numbers. It manages only free
 * frames: the PhysicalMemoryManager validates every request (double free, reserved frames,
 * ranges) before calling it, so an allocator's methods never see bad input.
 */
export interface FrameAllocator {
  readonly kind: FrameAllocatorKind;
  /** One free frame, or NO_FRAME when none is left. The hot path. */
  allocateOne(): number;
  /** Gives back one frame that allocateOne or allocate handed out. */
  freeOne(pfn: number): void;
  /**
   * `count` contiguous free frames starting at a multiple of `alignFrames`, inside
   * [minFrame, limitFrame). Returns the first frame, or NO_FRAME.
   */
  allocate(count: number, alignFrames: number, minFrame: number, limitFrame: number): number;
  /** Takes exactly [pfn, pfn + count) if every frame in it is free; returns false and changes nothing otherwise. */
  allocateAt(pfn: number, count: number): boolean;
  /** Gives back [pfn, pfn + count) in one call; the frames need not have been one allocation. */
  free(pfn: number, count: number): void;
  /** Adds usable frames at boot. */
  addFreeRange(pfn: number, count: number): void;
  /** Frames on free lists and caches. */
  freeFrameCount(): number;
  /** Length of the longest run of free frames the allocator could hand out contiguously. */
  largestFreeRun(): number;
  /** Number of free blocks of each order (size 2^order frames; first-fit counts blocks by floor(log2 size)). */
  freeBlocksByOrder(): number[];
  /** Throws InvariantError when the free lists disagree with the frame table. */
  check(): void;
}

/** What every layer above needs from physical memory: frames for tables, pages and buffers. */
export interface FrameSource {
  /** One frame, filled per the fill policy, with refCount 1. Throws OutOfMemoryError. Returns its physical address. */
  allocFrame(use: FrameUse, owner: number): number;
  /** Adds a holder of an allocated frame (a second mapping). */
  retain(pa: number): void;
  /** Drops a holder; the frame returns to the allocator when none is left. Returns whether it did. */
  release(pa: number): boolean;
  /** Hands an allocated frame to another holder (an IPC move: the message, then the receiver). */
  setOwner(pa: number, use: FrameUse, owner: number): void;
}

export interface PhysicalStats {
  totalFrames: number;
  usableFrames: number;
  reservedFrames: number;
  freeFrames: number;
  allocatedFrames: number;
  /** Allocated frames per FrameUse name. */
  allocatedByUse: Record<string, number>;
  freeBlocksByOrder: number[];
  largestFreeRun: number;
  /**
   * External fragmentation: 1 - largestFreeRun / freeFrames (0 when all free memory is one run,
   * near 1 when it is scattered in single frames); 0 when nothing is free.
   */
  fragmentation: number;
  /** Host bytes spent on RAM backing and on the frame table. */
  hostBytes: number;
}
