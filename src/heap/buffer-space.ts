/**
 * A HeapSpace over plain memory: an ArrayBuffer (or SharedArrayBuffer) or a WebAssembly.Memory,
 * with no machine behind it, so the heap can serve a program's own buffer as @thi.ng/malloc or
 * AssemblyScript's TLSF do. Used by BufferHeap; addresses are byte offsets into the buffer.
 */
import { AddressRangeError, InvalidArgumentError, OutOfMemoryError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { grown } from './grown.js';
import { PAGE_SIZE } from './heap-constants.js';
import type { HeapSpace } from './heap-space.js';

/** Bytes of a WebAssembly page: a WebAssembly.Memory grows by these. */
const WASM_PAGE_SIZE = 65536;

export interface BufferSpaceOptions {
  /** First byte the heap may use (page aligned, above 0 so no block is at NULL). Default 4096. */
  start?: number;
  /** End of the range the heap may use. Default: the end of the buffer (a WebAssembly.Memory grows past it). */
  end?: number;
}

export class BufferSpace implements HeapSpace {
  readonly start: number;
  private readonly memory: WebAssembly.Memory | undefined;
  private readonly fixedEnd: number | undefined;
  private view: Uint8Array;
  /** One entry a page of [start, end): 1 when reserved. */
  private reserved: Uint8Array;

  constructor(source: ArrayBufferLike | WebAssembly.Memory, options: BufferSpaceOptions = {}) {
    this.memory = source instanceof WebAssembly.Memory ? source : undefined;
    this.view = new Uint8Array(this.memory ? this.memory.buffer : (source as ArrayBufferLike));
    this.start = options.start ?? PAGE_SIZE;
    this.fixedEnd = options.end;
    const end = this.end;
    if (!Number.isInteger(this.start) || this.start <= 0 || this.start % PAGE_SIZE !== 0)
      throw new InvalidArgumentError(
        `BufferSpace start ${this.start} must be a positive multiple of ${PAGE_SIZE}`,
      );
    if (!Number.isInteger(end) || end > this.view.length || end < this.start)
      throw new InvalidArgumentError(
        `BufferSpace end ${end} must lie between the start and the buffer's end`,
      );
    this.reserved = new Uint8Array(Math.floor((end - this.start) / PAGE_SIZE));
  }

  /** The buffer as bytes (a new view after a WebAssembly.Memory grew). */
  get bytes(): Uint8Array {
    if (this.memory && this.view.buffer !== this.memory.buffer)
      this.view = new Uint8Array(this.memory.buffer);
    return this.view;
  }

  /** End of the usable range now. */
  get end(): number {
    return this.fixedEnd ?? this.bytes.length;
  }

  /** Bytes reserved now. */
  get reservedBytes(): number {
    let pages = 0;
    for (const page of this.reserved) pages += page;
    return pages * PAGE_SIZE;
  }

  reserveAnon(bytes: number, alignment: number): number {
    if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % PAGE_SIZE !== 0)
      throw new InvalidArgumentError(
        `reserveAnon(${bytes}): size must be a positive multiple of ${PAGE_SIZE}`,
      );
    if (!Number.isSafeInteger(alignment) || alignment < PAGE_SIZE || !Number.isInteger(Math.log2(alignment)))
      throw new InvalidArgumentError(
        `reserveAnon: alignment ${alignment} is not a power of two >= ${PAGE_SIZE}`,
      );
    let at = this.findGap(bytes, alignment);
    if (at < 0 && this.memory && this.fixedEnd === undefined) {
      // Grow the WebAssembly memory by enough for the range at its end, aligned.
      const end = this.end;
      const wanted = Math.ceil(end / alignment) * alignment + bytes - end;
      try {
        this.memory.grow(Math.ceil(wanted / WASM_PAGE_SIZE));
      } catch {
        throw new OutOfMemoryError(`reserveAnon(${bytes}): the WebAssembly memory cannot grow`);
      }
      this.reserved = grown(this.reserved, Math.floor((this.end - this.start) / PAGE_SIZE));
      at = this.findGap(bytes, alignment);
    }
    if (at < 0) throw new OutOfMemoryError(`reserveAnon(${bytes}): no free range of that size in the buffer`);
    this.mark(at, bytes, 1);
    return at;
  }

  extendAnon(va: number, bytes: number): boolean {
    if (va % PAGE_SIZE !== 0 || bytes <= 0 || bytes % PAGE_SIZE !== 0)
      throw new InvalidArgumentError(`extendAnon(${hex(va)}, ${bytes}): range is not page aligned`);
    if (va < this.start || va + bytes > this.end) return false;
    const first = (va - this.start) / PAGE_SIZE;
    for (let page = first; page < first + bytes / PAGE_SIZE; page++) if (this.reserved[page]) return false;
    this.mark(va, bytes, 1);
    return true;
  }

  release(va: number, bytes: number): void {
    if (va % PAGE_SIZE !== 0 || bytes <= 0 || bytes % PAGE_SIZE !== 0)
      throw new InvalidArgumentError(`release(${hex(va)}, ${bytes}): range is not page aligned`);
    this.checkReserved(va, bytes, 'release');
    // Free pages are kept zero, so a reserved range is demand-zero as the contract says.
    this.bytes.fill(0, va, va + bytes);
    this.mark(va, bytes, 0);
  }

  read(va: number, target: Uint8Array, offset = 0, length = target.length - offset): void {
    this.checkReserved(va, length, 'read');
    target.set(this.bytes.subarray(va, va + length), offset);
  }

  write(va: number, source: Uint8Array, offset = 0, length = source.length - offset): void {
    this.checkReserved(va, length, 'write');
    this.bytes.set(source.subarray(offset, offset + length), va);
  }

  fill(va: number, length: number, value: number): void {
    this.checkReserved(va, length, 'fill');
    this.bytes.fill(value, va, va + length);
  }

  copy(dstVa: number, srcVa: number, length: number): void {
    this.checkReserved(srcVa, length, 'copy from');
    this.checkReserved(dstVa, length, 'copy to');
    this.bytes.copyWithin(dstVa, srcVa, srcVa + length);
  }

  /** First fit: the lowest aligned address with `bytes` free bytes, or -1. */
  private findGap(bytes: number, alignment: number): number {
    const pages = bytes / PAGE_SIZE;
    const total = this.reserved.length;
    const alignedPage = (at: number) => (Math.ceil(at / alignment) * alignment - this.start) / PAGE_SIZE;
    let page = alignedPage(this.start);
    while (page + pages <= total) {
      let taken = -1;
      for (let p = page + pages - 1; p >= page; p--) {
        if (this.reserved[p]) {
          taken = p;
          break;
        }
      }
      if (taken < 0) return this.start + page * PAGE_SIZE;
      page = alignedPage(this.start + (taken + 1) * PAGE_SIZE);
    }
    return -1;
  }

  private mark(va: number, bytes: number, value: number): void {
    const first = (va - this.start) / PAGE_SIZE;
    this.reserved.fill(value, first, first + bytes / PAGE_SIZE);
  }

  private checkReserved(va: number, length: number, what: string): void {
    if (!Number.isSafeInteger(va) || !Number.isSafeInteger(length) || length < 0)
      throw new InvalidArgumentError(`${what} ${va}, ${length}: not an address and length`);
    if (length === 0) return;
    if (va < this.start || va + length > this.end)
      throw new AddressRangeError(`${what} ${hex(va)}..${hex(va + length)}: outside the heap's range`);
    const last = Math.floor((va + length - 1 - this.start) / PAGE_SIZE);
    for (let page = Math.floor((va - this.start) / PAGE_SIZE); page <= last; page++)
      if (!this.reserved[page])
        throw new AddressRangeError(`${what} ${hex(va)}..${hex(va + length)}: not reserved memory`);
  }
}
