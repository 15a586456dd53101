/**
 * The frame table: one record per 4 KiB frame of RAM, the seed's `Pageframe`
 * (`{ flags; next_free }`), grown by what later layers need (a reference count for sharing, an
 * owner and a use for reports). Records live in parallel typed arrays, never in objects: a 4 GiB
 * machine has a million frames and the table costs 16 bytes a frame.
 */

/** Whether a frame can be handed out. Every frame is exactly one of these. */
export const FrameState = {
  /** On the allocator's free lists (or its per-frame cache). */
  Free: 0,
  /** Handed out by the allocator; `refCount` >= 1. */
  Allocated: 1,
  /** Never handed out: a hole, firmware, device memory or the kernel image (boot memory map). */
  Reserved: 2,
} as const;
export type FrameState = (typeof FrameState)[keyof typeof FrameState];

/** What an allocated frame holds; for reports, the browser's map and the invariant checker. */
export const FrameUse = {
  None: 0,
  /** Kernel data: the kernel heap, buffers. */
  Kernel: 1,
  /** A page-table page of some address space. */
  PageTable: 2,
  /** A page of a process (anonymous memory, heap, a moved or shared IPC area). */
  User: 3,
  /** Held by the kernel for a message in flight. */
  Message: 4,
  /** Allocated directly through the physical allocator interface (tests, scenarios, DMA buffers). */
  Direct: 5,
} as const;
export type FrameUse = (typeof FrameUse)[keyof typeof FrameUse];

/** Owner id of frames that belong to the kernel rather than a process. */
export const KERNEL_OWNER = 0;
/** A free-list link that points nowhere. */
export const NO_FRAME = -1;
/** Largest reference count a frame can hold (16-bit field). */
export const MAX_REF_COUNT = 0xffff;

export class FrameTable {
  readonly frameCount: number;
  /** FrameState of each frame. */
  readonly state: Uint8Array;
  /** FrameUse of each allocated frame. */
  readonly use: Uint8Array;
  /** Process id owning each allocated frame (KERNEL_OWNER for the kernel). */
  readonly owner: Uint16Array;
  /** Number of mappings or holders of each allocated frame; 0 when free or reserved. */
  readonly refCount: Uint16Array;
  /** Free-list links, private to the frame allocator (NO_FRAME = none). */
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Allocator-private per-frame byte (the buddy keeps a free block's order on its head frame). */
  readonly order: Uint8Array;

  constructor(frameCount: number) {
    this.frameCount = frameCount;
    this.state = new Uint8Array(frameCount);
    this.use = new Uint8Array(frameCount);
    this.owner = new Uint16Array(frameCount);
    this.refCount = new Uint16Array(frameCount);
    this.next = new Int32Array(frameCount).fill(NO_FRAME);
    this.prev = new Int32Array(frameCount).fill(NO_FRAME);
    this.order = new Uint8Array(frameCount);
  }

  /** Host bytes the table occupies. */
  get byteSize(): number {
    return this.frameCount * (1 + 1 + 2 + 2 + 4 + 4 + 1);
  }
}
