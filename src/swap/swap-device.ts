/**
 * The swap device: a simulated block device cut into 4 KiB slots, handed out and freed like
 * frames. The VM's reclaim writes evicted pages here and its swap-in reads them back.
 *
 * Slot state lives in typed arrays: a reference count per slot (every swap entry that names the
 * slot holds one, so a forked child shares its parent's swapped pages, and the swap cache holds
 * one while a resident frame keeps the slot's copy) and a stack of free slots. Slot 0 is never
 * handed out: it is the device's header page, as on Linux, so no swap entry encodes as zero (an
 * empty entry). The bytes are backed lazily in chunks, so a 64 MiB device costs nothing until
 * pages are written to it, in Node and in the browser. Every read and write is counted and
 * costs `latencyNs` of simulated time: the time a process would spend waiting for the disk.
 */
import {
  DoubleFreeError,
  InvalidArgumentError,
  InvariantError,
  NotAllocatedError,
} from '../common/errors.js';
import type { PhysicalMemory } from '../phys/physical-memory.js';

export const SLOT_SIZE = 4096;
/** The header slot, never handed out. */
export const HEADER_SLOT = 0;
/** Largest reference count a slot can hold (16-bit field, as a frame's). */
export const MAX_SLOT_REFS = 0xffff;
/** Backing bytes are allocated this many slots at a time (64 KiB, as RAM's chunks). */
const SLOTS_PER_CHUNK = 16;
const CHUNK_BYTES = SLOTS_PER_CHUNK * SLOT_SIZE;

export interface SwapDeviceConfig {
  /** Size of the device in bytes: a multiple of 4096, at least two slots (the header and one page). */
  bytes: number;
  /** Simulated time of one read or write, in nanoseconds (default 0). */
  latencyNs?: number;
}

export interface SwapStats {
  /** Slots that can hold pages (the header excluded). */
  slots: number;
  usedSlots: number;
  /** Pages read back from the device (major faults' I/O). */
  reads: number;
  /** Pages written to the device (evictions of dirty pages). */
  writes: number;
  /** Simulated nanoseconds spent waiting for the device: (reads + writes) x latency. */
  waitNs: number;
  /** Host bytes spent on backing written slots. */
  backedBytes: number;
}

export class SwapDevice {
  readonly bytes: number;
  /** Slots including the header. */
  readonly slotCount: number;
  readonly latencyNs: number;
  /** Holders of each slot; 0 for a free slot (and the header). */
  readonly refs: Uint16Array;
  reads = 0;
  writes = 0;
  /** References dropped so far (release calls): tells a caller whether slot counts changed. */
  releases = 0;
  waitNs = 0;
  /** Free slots, a stack: the lowest slots first at boot. */
  private readonly freeSlots: Int32Array;
  private freeTop: number;
  private readonly chunks: (Uint8Array | null)[];
  private backedChunks = 0;

  constructor(config: SwapDeviceConfig) {
    const { bytes } = config;
    const latencyNs = config.latencyNs ?? 0;
    if (!Number.isInteger(bytes) || bytes < 2 * SLOT_SIZE || bytes % SLOT_SIZE !== 0)
      throw new InvalidArgumentError(
        `swapBytes: ${bytes} must be a multiple of ${SLOT_SIZE} of at least two slots (the header and a page)`,
      );
    if (!Number.isFinite(latencyNs) || latencyNs < 0)
      throw new InvalidArgumentError(`swapLatencyNs: ${latencyNs} must be a finite number >= 0`);
    this.bytes = bytes;
    this.slotCount = bytes / SLOT_SIZE;
    this.latencyNs = latencyNs;
    this.refs = new Uint16Array(this.slotCount);
    this.freeSlots = new Int32Array(this.slotCount - 1);
    // Pushed from the highest, so the first slot handed out is 1.
    for (let k = 0; k < this.slotCount - 1; k++) this.freeSlots[k] = this.slotCount - 1 - k;
    this.freeTop = this.slotCount - 1;
    this.chunks = new Array<Uint8Array | null>(Math.ceil(this.slotCount / SLOTS_PER_CHUNK)).fill(null);
  }

  get freeCount(): number {
    return this.freeTop;
  }

  /** A free slot with one reference, or -1 when the device is full. */
  allocSlot(): number {
    if (this.freeTop === 0) return -1;
    const slot = this.freeSlots[--this.freeTop];
    this.refs[slot] = 1;
    return slot;
  }

  /** Adds a holder of an allocated slot (a fork's copy of a swap entry). */
  retain(slot: number): void {
    this.checkAllocated(slot, 'retain');
    if (this.refs[slot] === MAX_SLOT_REFS)
      throw new InvalidArgumentError(`swap slot ${slot} already has ${MAX_SLOT_REFS} holders`);
    this.refs[slot]++;
  }

  /** Drops a holder; the slot is free again when none is left. Returns whether it was freed. */
  release(slot: number): boolean {
    this.checkAllocated(slot, 'release');
    this.releases++;
    if (--this.refs[slot] !== 0) return false;
    this.freeSlots[this.freeTop++] = slot;
    return true;
  }

  /** Writes the frame at physical address `pa` to `slot` (one I/O). */
  writePage(slot: number, memory: PhysicalMemory, pa: number): void {
    this.checkAllocated(slot, 'write');
    const chunk = slot >>> 4;
    let bytes = this.chunks[chunk];
    if (bytes === null) {
      bytes = new Uint8Array(CHUNK_BYTES);
      this.chunks[chunk] = bytes;
      this.backedChunks++;
    }
    memory.read(pa, bytes, (slot & (SLOTS_PER_CHUNK - 1)) * SLOT_SIZE, SLOT_SIZE);
    this.writes++;
    this.waitNs += this.latencyNs;
  }

  /** Reads `slot` into the frame at physical address `pa` (one I/O). */
  readPage(slot: number, memory: PhysicalMemory, pa: number): void {
    this.checkAllocated(slot, 'read');
    const bytes = this.chunks[slot >>> 4];
    if (bytes === null) throw new InvariantError(`swap slot ${slot} is read but was never written`);
    memory.write(pa, bytes, (slot & (SLOTS_PER_CHUNK - 1)) * SLOT_SIZE, SLOT_SIZE);
    this.reads++;
    this.waitNs += this.latencyNs;
  }

  stats(): SwapStats {
    return {
      slots: this.slotCount - 1,
      usedSlots: this.slotCount - 1 - this.freeTop,
      reads: this.reads,
      writes: this.writes,
      waitNs: this.waitNs,
      backedBytes: this.backedChunks * CHUNK_BYTES,
    };
  }

  /**
   * Throws InvariantError unless every slot is either free (count 0, on the free stack once) or
   * held, the header is neither, and `expected` (when given: the holders the machine counted
   * per slot) equals every count.
   */
  check(expected?: Uint32Array): void {
    const onStack = new Uint8Array(this.slotCount);
    for (let k = 0; k < this.freeTop; k++) {
      const slot = this.freeSlots[k];
      if (slot <= HEADER_SLOT || slot >= this.slotCount)
        throw new InvariantError(`swap free stack holds ${slot}, not a slot`);
      if (onStack[slot]) throw new InvariantError(`swap slot ${slot} is on the free stack twice`);
      if (this.refs[slot] !== 0)
        throw new InvariantError(`swap slot ${slot} is free but has ${this.refs[slot]} holders`);
      onStack[slot] = 1;
    }
    if (this.refs[HEADER_SLOT] !== 0) throw new InvariantError('the swap header slot has holders');
    for (let slot = 1; slot < this.slotCount; slot++) {
      if (!onStack[slot] && this.refs[slot] === 0)
        throw new InvariantError(`swap slot ${slot} is lost: neither free nor held`);
      if (expected && expected[slot] !== this.refs[slot])
        throw new InvariantError(
          `swap slot ${slot} has ${this.refs[slot]} holders but ${expected[slot]} were found`,
        );
    }
  }

  private checkAllocated(slot: number, what: string): void {
    if (!Number.isInteger(slot) || slot <= HEADER_SLOT || slot >= this.slotCount)
      throw new NotAllocatedError(
        `swap ${what}: ${slot} is not a slot of this device (1..${this.slotCount - 1})`,
      );
    if (this.refs[slot] === 0) throw new DoubleFreeError(`swap ${what}: slot ${slot} is free`);
  }
}
