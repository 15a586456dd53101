/**
 * The heap on its own over an ArrayBuffer or a WebAssembly.Memory, with the C interface (malloc,
 * free, realloc, calloc, memalign, usableSize): what @thi.ng/malloc and AssemblyScript's TLSF offer,
 * for programs and emulators that manage their own buffer. Addresses are byte offsets.
 */
import { BufferSpace, type BufferSpaceOptions } from './buffer-space.js';
import { Heap, type HeapOptions } from './heap.js';

export interface BufferHeapOptions extends HeapOptions, BufferSpaceOptions {}

export class BufferHeap extends Heap {
  readonly memory: BufferSpace;

  constructor(source: ArrayBufferLike | WebAssembly.Memory, options: BufferHeapOptions = {}) {
    const { start, end, ...heapOptions } = options;
    const memory = new BufferSpace(source, {
      ...(start === undefined ? {} : { start }),
      ...(end === undefined ? {} : { end }),
    });
    super(memory, { name: 'buffer heap', ...heapOptions });
    this.memory = memory;
  }

  /** The buffer's bytes (a fresh view after a WebAssembly.Memory grew): `bytes[p]` is the first byte of block p. */
  get bytes(): Uint8Array {
    return this.memory.bytes;
  }
}
