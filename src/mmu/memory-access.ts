/**
 * What the MMU needs from physical memory: its size and 32-bit little-endian words. pageframe's
 * PhysicalMemory implements it; BufferMemory puts it over any ArrayBuffer, SharedArrayBuffer or
 * WebAssembly.Memory, so an emulator can hand the MMU the RAM it already has (docs/mmu.md).
 */
import { InvalidArgumentError } from '../common/errors.js';

export interface PhysicalMemoryAccess {
  /** Bytes of RAM: physical addresses [0, size) exist; a walk that reaches beyond faults. */
  readonly size: number;
  /** The word at `pa` (4-byte aligned, in RAM). */
  read32(pa: number): number;
  write32(pa: number, value: number): void;
  /**
   * Optional, for the page walkers' common case (a TLB miss reads one leaf entry through the
   * paging-structure cache): the array of RAM's words as signed int32 that holds the word at `pa`
   * (in RAM, 4-byte aligned), at index wordIndexOf(pa). The walker keeps it for a leaf table
   * while its cache entry lives, so it must stay RAM's until the memory is resized. Without
   * these two, every walk reads through read32.
   */
  wordArrayOf?(pa: number): Int32Array;
  wordIndexOf?(pa: number): number;
}

/** What a BufferMemory can stand on. */
export type MemoryBacking = ArrayBuffer | SharedArrayBuffer | WebAssembly.Memory;

/**
 * Physical memory over a buffer: physical address 0 is byte `offset` of the buffer. A
 * WebAssembly.Memory that grows detaches its old buffer: the next access notices and takes the
 * new one (size stays what it was unless `size` was not given).
 */
export class BufferMemory implements PhysicalMemoryAccess {
  private readonly backing: MemoryBacking;
  private readonly offset: number;
  private readonly fixedSize: number | undefined;
  private words: Uint32Array;
  private signedWords: Int32Array;
  private bytes: number;

  constructor(backing: MemoryBacking, options: { offset?: number; size?: number } = {}) {
    const offset = options.offset ?? 0;
    const available = bufferOf(backing).byteLength - offset;
    const size = options.size ?? available;
    if (!Number.isInteger(offset) || offset < 0 || offset % 4 !== 0) {
      throw new InvalidArgumentError(`memory offset ${offset} must be a non-negative multiple of 4`);
    }
    if (!Number.isInteger(size) || size <= 0 || size % 4096 !== 0 || size > available) {
      throw new InvalidArgumentError(
        `memory size ${size} must be a positive multiple of 4096 within the ${available} bytes after offset ${offset}`,
      );
    }
    this.backing = backing;
    this.offset = offset;
    this.fixedSize = options.size;
    this.bytes = size;
    this.words = new Uint32Array(bufferOf(backing), offset, size >>> 2);
    this.signedWords = new Int32Array(this.words.buffer, offset, size >>> 2);
    if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
      throw new InvalidArgumentError('BufferMemory needs a little-endian host');
    }
  }

  /** Bytes of RAM (after a WebAssembly.Memory grew, the new size unless `size` was given). */
  get size(): number {
    return this.words.length !== 0 ? this.bytes : this.refreshed().bytes;
  }

  read32(pa: number): number {
    const value = this.words[pa >>> 2];
    return value !== undefined ? value : this.refreshed().words[pa >>> 2];
  }

  write32(pa: number, value: number): void {
    if (this.words.length === 0) this.refreshed();
    this.words[pa >>> 2] = value;
  }

  /**
   * The whole of RAM as signed words (the walkers keep it per leaf table: after a
   * WebAssembly.Memory grew, a kept view reads nothing and the walk reads through read32).
   */
  wordArrayOf(_pa: number): Int32Array {
    if (this.words.length === 0) this.refreshed();
    return this.signedWords;
  }

  wordIndexOf(pa: number): number {
    return pa >>> 2;
  }

  /** After a WebAssembly.Memory grew (its old buffer detached): views the new buffer. */
  private refreshed(): this {
    const buffer = bufferOf(this.backing);
    if (this.fixedSize === undefined) this.bytes = buffer.byteLength - this.offset;
    this.words = new Uint32Array(buffer, this.offset, this.bytes >>> 2);
    this.signedWords = new Int32Array(buffer, this.offset, this.bytes >>> 2);
    return this;
  }
}

function bufferOf(backing: MemoryBacking): ArrayBuffer | SharedArrayBuffer {
  return backing instanceof WebAssembly.Memory ? backing.buffer : backing;
}
