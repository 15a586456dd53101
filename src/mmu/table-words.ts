/**
 * Word views of the RAM chunks that hold table pages, for loops over a whole leaf table that
 * index entries directly instead of calling read32 / write32 per word (bulk takes and fills).
 * A view per chunk, made once and kept while the chunk's backing stays the same.
 */
import type { PhysicalMemory } from '../phys/physical-memory.js';

export class TableWordViews {
  private readonly memory: PhysicalMemory;
  private readonly words: (Uint32Array | undefined)[] = [];
  /** The byte arrays the views were made for: a chunk backed again needs a new view. */
  private readonly bytes: (Uint8Array | undefined)[] = [];

  constructor(memory: PhysicalMemory) {
    this.memory = memory;
  }

  /**
   * The 32-bit words of the RAM chunk holding `tablePa`, backed (written to once if it never
   * was): the word of `pa` is at (pa & (length * 4 - 1)) >>> 2.
   */
  of(tablePa: number): Uint32Array {
    const memory = this.memory;
    let bytes = memory.chunkOf(tablePa);
    const chunk = Math.floor(tablePa / bytes.length);
    if (this.bytes[chunk] === bytes) return this.words[chunk] as Uint32Array;
    // A never-written chunk shares one buffer of zeros: back it first (the word keeps its value).
    memory.write32(tablePa, memory.read32(tablePa));
    bytes = memory.chunkOf(tablePa);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    this.words[chunk] = words;
    this.bytes[chunk] = bytes;
    return words;
  }
}
