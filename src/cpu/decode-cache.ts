/**
 * The decode cache: each distinct instruction word is decoded once, and the interpreter reads
 * the operation, registers and immediate from parallel typed arrays. Compressed words index the
 * first 65536 slots directly (every halfword has its own slot); 32-bit words share the rest,
 * direct-mapped by a multiplicative hash and tagged with the word itself.
 *
 * Keyed by content rather than by address, the cache needs no invalidation: code that is
 * rewritten (a JIT, a loader, the riscv-tests' self-modifying test) shows a new word on its next
 * fetch and decodes afresh. That makes fence.i a no-op here.
 */
import { expandCompressed } from './compressed.js';
import { type DecodedFields, decodeWord } from './decoder.js';
import { Op } from './opcodes.js';

/** Slots for 32-bit words (a power of two). */
export const WIDE_SLOT_BITS = 14;
export const COMPRESSED_SLOTS = 65536;

export class DecodeCache {
  /** The key of each slot: the halfword for compressed slots, the full word otherwise. */
  readonly key: Int32Array;
  readonly op: Uint8Array;
  readonly rd: Uint8Array;
  readonly rs1: Uint8Array;
  readonly rs2: Uint8Array;
  readonly imm: Int32Array;
  /** Words decoded so far (misses of the cache). */
  decodes = 0;
  private readonly fields: DecodedFields = { op: 0, rd: 0, rs1: 0, rs2: 0, imm: 0 };

  constructor() {
    const slots = COMPRESSED_SLOTS + (1 << WIDE_SLOT_BITS);
    this.key = new Int32Array(slots);
    this.op = new Uint8Array(slots);
    this.rd = new Uint8Array(slots);
    this.rs1 = new Uint8Array(slots);
    this.rs2 = new Uint8Array(slots);
    this.imm = new Int32Array(slots);
    // Key 0 marks an empty slot; the one key that is really 0 (the all-zero halfword, reserved)
    // is filled now so its slot is never taken for empty.
    this.fill(0, 0);
  }

  /** The slot of `word` (its low halfword alone when compressed): filled on return. */
  slotOf(word: number): number {
    let slot: number;
    let key: number;
    if ((word & 3) !== 3) {
      key = word & 0xffff;
      slot = key;
    } else {
      key = word;
      slot = COMPRESSED_SLOTS + (Math.imul(word, 0x9e3779b1) >>> (32 - WIDE_SLOT_BITS));
    }
    if (this.key[slot] !== key || this.op[slot] === Op.Undecoded) this.fill(slot, key);
    return slot;
  }

  /** Decodes `key` into `slot`. */
  fill(slot: number, key: number): void {
    this.decodes++;
    const compressed = (key & 3) !== 3;
    const word = compressed ? expandCompressed(key) : key;
    decodeWord(word, this.fields);
    this.key[slot] = key;
    this.op[slot] = this.fields.op;
    this.rd[slot] = this.fields.rd;
    this.rs1[slot] = this.fields.rs1;
    this.rs2[slot] = this.fields.rs2;
    this.imm[slot] = this.fields.imm;
  }
}
