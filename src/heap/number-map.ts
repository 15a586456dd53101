/**
 * A hash map from integer-valued numbers (which may exceed 32 bits or be negative, as sign-extended
 * kernel addresses are) to non-negative int32 values, in typed arrays: open addressing with linear
 * probing and backward-shift deletion, so lookups and updates allocate nothing.
 */
const EMPTY = -1;

export class NumberMap {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 64) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.values = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes the map's arrays occupy (reported as heap metadata). */
  get byteLength(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  /** The value stored for `key`, or -1. */
  get(key: number): number {
    const keys = this.keys;
    const values = this.values;
    let slot = slotOf(key) & this.mask;
    for (;;) {
      const value = values[slot];
      if (value === EMPTY) return EMPTY;
      if (keys[slot] === key) return value;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Stores `value` (>= 0) for `key`, replacing any earlier value. */
  set(key: number, value: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.resize(this.keys.length * 2);
    let slot = slotOf(key) & this.mask;
    for (;;) {
      if (this.values[slot] === EMPTY) {
        this.keys[slot] = key;
        this.values[slot] = value;
        this.count++;
        return;
      }
      if (this.keys[slot] === key) {
        this.values[slot] = value;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: number): boolean {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let slot = slotOf(key) & mask;
    for (;;) {
      if (values[slot] === EMPTY) return false;
      if (keys[slot] === key) break;
      slot = (slot + 1) & mask;
    }
    // Backward-shift: pull later entries of the probe run into the hole so no tombstones remain.
    let hole = slot;
    let next = (hole + 1) & mask;
    while (values[next] !== EMPTY) {
      const home = slotOf(keys[next]) & mask;
      // Move the entry when its home is not cyclically inside (hole, next].
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        keys[hole] = keys[next];
        values[hole] = values[next];
        hole = next;
      }
      next = (next + 1) & mask;
    }
    values[hole] = EMPTY;
    this.count--;
    return true;
  }

  /** Calls `visit` for every entry (not on a hot path). */
  forEach(visit: (key: number, value: number) => void): void {
    for (let i = 0; i < this.keys.length; i++)
      if (this.values[i] !== EMPTY) visit(this.keys[i], this.values[i]);
  }

  /** An independent copy (a forked heap's bookkeeping). */
  clone(): NumberMap {
    const copy = new NumberMap(1);
    copy.copyFrom(this);
    return copy;
  }

  /** Makes this map an independent copy of `other`. */
  copyFrom(other: NumberMap): void {
    this.keys = other.keys.slice();
    this.values = other.values.slice();
    this.mask = other.mask;
    this.count = other.count;
  }

  private resize(capacity: number): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(capacity);
    this.values = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldValues[i] !== EMPTY) this.set(oldKeys[i], oldValues[i]);
  }
}

/** Mixes both 32-bit halves of an integer-valued number (|key| < 2^53). */
function slotOf(key: number): number {
  const low = key | 0;
  const high = Math.floor(key / 4294967296) | 0;
  let h = Math.imul(low ^ Math.imul(high, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  return h;
}
