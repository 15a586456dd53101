/**
 * RAM: the machine's physical bytes, backed lazily in 64 KiB chunks with one shared zero chunk
 * for what was never written. Everything that reads or writes physical memory goes through it.
 */
import { AddressRangeError, AlignmentError, InvalidArgumentError } from '../common/errors.js';
import { hex } from '../common/format.js';

/** Bytes in a frame (and in a small page): 4 KiB on every architecture we model. */
export const FRAME_SIZE = 4096;
export const FRAME_SHIFT = 12;

/**
 * The model's physical address space is 32 bits wide: RAM and device ranges lie below 4 GiB, so
 * a physical address is always a uint32 and `pa >>> FRAME_SHIFT` is its frame number. Larger
 * page-table formats still encode their full address fields; the high bits are simply zero.
 */
export const MAX_PHYSICAL_BYTES = 2 ** 32;

/** RAM is backed lazily in chunks of this many bytes, allocated on first write. */
const CHUNK_SHIFT = 16;
const CHUNK_SIZE = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SIZE - 1;

/** One chunk of zeros shared by every chunk never written: reads need no branch. */
const ZERO_WORDS = new Uint32Array(CHUNK_SIZE / 4);
const ZERO_BYTES = new Uint8Array(ZERO_WORDS.buffer);
const ZERO_SIGNED_WORDS = new Int32Array(ZERO_WORDS.buffer);

/**
 * The bytes of RAM. A 4 GiB machine costs host memory only for the 64 KiB chunks that were
 * written. Word accessors are little-endian, as every modelled architecture is, and take naturally
 * aligned addresses (page-table entries always are); byte ranges may cross chunks.
 */
export class PhysicalMemory {
  readonly size: number;
  private readonly bytes: Uint8Array[];
  private readonly words: Uint32Array[];
  /** The same chunks as signed words, for the page walkers (wordArrayOf). */
  private readonly signedWords: Int32Array[];
  private backedChunks = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size <= 0 || size % FRAME_SIZE !== 0) {
      throw new InvalidArgumentError(`RAM size ${size} must be a positive multiple of ${FRAME_SIZE} bytes`);
    }
    if (size > MAX_PHYSICAL_BYTES) {
      throw new InvalidArgumentError(`RAM size ${size} exceeds the 4 GiB physical address space`);
    }
    if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
      throw new InvalidArgumentError('pageframe needs a little-endian host');
    }
    this.size = size;
    const chunks = Math.ceil(size / CHUNK_SIZE);
    this.bytes = new Array<Uint8Array>(chunks).fill(ZERO_BYTES);
    this.words = new Array<Uint32Array>(chunks).fill(ZERO_WORDS);
    this.signedWords = new Array<Int32Array>(chunks).fill(ZERO_SIGNED_WORDS);
  }

  /** Host bytes spent on backing RAM so far. */
  get backedBytes(): number {
    return this.backedChunks * CHUNK_SIZE;
  }

  get frameCount(): number {
    return this.size / FRAME_SIZE;
  }

  read32(pa: number): number {
    return this.words[pa >>> CHUNK_SHIFT][(pa & CHUNK_MASK) >>> 2];
  }

  write32(pa: number, value: number): void {
    let words = this.words[pa >>> CHUNK_SHIFT];
    if (words === ZERO_WORDS) words = this.back(pa >>> CHUNK_SHIFT).words;
    words[(pa & CHUNK_MASK) >>> 2] = value;
  }

  /**
   * The chunk holding the word at `pa` as signed words, at index wordIndexOf(pa): what a page
   * walker reads a leaf table through (PhysicalMemoryAccess). A chunk never written is the
   * shared zero chunk until its first write; a written one keeps its array.
   */
  wordArrayOf(pa: number): Int32Array {
    return this.signedWords[pa >>> CHUNK_SHIFT];
  }

  wordIndexOf(pa: number): number {
    return (pa & CHUNK_MASK) >>> 2;
  }

  read8(pa: number): number {
    return this.bytes[pa >>> CHUNK_SHIFT][pa & CHUNK_MASK];
  }

  write8(pa: number, value: number): void {
    let bytes = this.bytes[pa >>> CHUNK_SHIFT];
    if (bytes === ZERO_BYTES) bytes = this.back(pa >>> CHUNK_SHIFT).bytes;
    bytes[pa & CHUNK_MASK] = value;
  }

  /** Copies `length` bytes of RAM starting at `pa` into `target` at `offset`. */
  read(pa: number, target: Uint8Array, offset = 0, length = target.length - offset): void {
    this.checkRange(pa, length);
    let done = 0;
    while (done < length) {
      const at = pa + done;
      const inChunk = at & CHUNK_MASK;
      const n = Math.min(length - done, CHUNK_SIZE - inChunk);
      target.set(this.bytes[at >>> CHUNK_SHIFT].subarray(inChunk, inChunk + n), offset + done);
      done += n;
    }
  }

  /** Copies `length` bytes of `source` from `offset` into RAM at `pa`. */
  write(pa: number, source: Uint8Array, offset = 0, length = source.length - offset): void {
    this.checkRange(pa, length);
    let done = 0;
    while (done < length) {
      const at = pa + done;
      const inChunk = at & CHUNK_MASK;
      const n = Math.min(length - done, CHUNK_SIZE - inChunk);
      this.writableBytes(at).set(source.subarray(offset + done, offset + done + n), inChunk);
      done += n;
    }
  }

  /** Sets `length` bytes at `pa` to `value`. Filling never-written RAM with zero costs nothing. */
  fill(pa: number, length: number, value: number): void {
    this.checkRange(pa, length);
    let done = 0;
    while (done < length) {
      const at = pa + done;
      const inChunk = at & CHUNK_MASK;
      const n = Math.min(length - done, CHUNK_SIZE - inChunk);
      const chunk = this.bytes[at >>> CHUNK_SHIFT];
      if (!(value === 0 && chunk === ZERO_BYTES)) this.writableBytes(at).fill(value, inChunk, inChunk + n);
      done += n;
    }
  }

  /** Copies `length` bytes from `srcPa` to `dstPa`; the ranges may overlap. */
  copy(dstPa: number, srcPa: number, length: number): void {
    this.checkRange(dstPa, length);
    this.checkRange(srcPa, length);
    if (length === 0 || dstPa === srcPa) return;
    if (dstPa < srcPa + length && srcPa < dstPa + length) {
      // Overlap is rare (a memmove inside one process): a temporary buffer keeps it simple.
      const temporary = new Uint8Array(length);
      this.read(srcPa, temporary);
      this.write(dstPa, temporary);
      return;
    }
    let done = 0;
    while (done < length) {
      const src = srcPa + done;
      const dst = dstPa + done;
      const srcIn = src & CHUNK_MASK;
      const dstIn = dst & CHUNK_MASK;
      const n = Math.min(length - done, CHUNK_SIZE - srcIn, CHUNK_SIZE - dstIn);
      const target = this.writableBytes(dst); // backs dst first, so a shared chunk is seen backed
      target.set(this.bytes[src >>> CHUNK_SHIFT].subarray(srcIn, srcIn + n), dstIn);
      done += n;
    }
  }

  /**
   * A view of one frame's bytes, for hot loops that touch a whole frame (zeroing, copying a page,
   * a bulk IPC copy). The frame becomes backed. The view aliases RAM: writes through it are real.
   */
  frameBytes(pfn: number): Uint8Array {
    const pa = pfn * FRAME_SIZE;
    const off = pa & CHUNK_MASK;
    return this.writableBytes(pa).subarray(off, off + FRAME_SIZE);
  }

  /** The backing chunk and offset of a byte, for callers that index RAM directly without a view. */
  chunkOf(pa: number): Uint8Array {
    return this.bytes[pa >>> CHUNK_SHIFT];
  }

  /** Zeroes one frame; a frame in a never-written chunk is already zero and stays unbacked. */
  zeroFrame(pfn: number): void {
    const pa = pfn * FRAME_SIZE;
    const chunk = this.bytes[pa >>> CHUNK_SHIFT];
    if (chunk === ZERO_BYTES) return;
    const off = pa & CHUNK_MASK;
    chunk.fill(0, off, off + FRAME_SIZE);
  }

  /** Whether a physical range lies inside RAM. */
  contains(pa: number, length: number): boolean {
    return (
      Number.isInteger(pa) && Number.isInteger(length) && pa >= 0 && length >= 0 && pa + length <= this.size
    );
  }

  private checkRange(pa: number, length: number): void {
    if (!this.contains(pa, length)) {
      throw new AddressRangeError(
        `physical range ${hex(pa)}+${length} is outside RAM (0 to ${hex(this.size)})`,
      );
    }
  }

  private writableBytes(pa: number): Uint8Array {
    const bytes = this.bytes[pa >>> CHUNK_SHIFT];
    return bytes === ZERO_BYTES ? this.back(pa >>> CHUNK_SHIFT).bytes : bytes;
  }

  private back(chunk: number): { bytes: Uint8Array; words: Uint32Array } {
    const words = new Uint32Array(CHUNK_SIZE / 4);
    const bytes = new Uint8Array(words.buffer);
    this.words[chunk] = words;
    this.signedWords[chunk] = new Int32Array(words.buffer);
    this.bytes[chunk] = bytes;
    this.backedChunks++;
    return { bytes, words };
  }
}

export function assertFrameAligned(pa: number, what: string): void {
  if (pa % FRAME_SIZE !== 0) throw new AlignmentError(`${what} ${hex(pa)} is not aligned to a 4 KiB frame`);
}
