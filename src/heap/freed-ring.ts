/**
 * The last freed addresses, so a free of one of them after its slab or area is gone is reported
 * as a double free rather than as a wild pointer. Used by Heap's free path and its address lookup.
 */

/** Addresses remembered (a power of two, so the next slot is a mask away). */
export const FREED_RING_SIZE = 64;

export class FreedRing {
  private addresses = new Float64Array(FREED_RING_SIZE).fill(Number.NaN);
  private next = 0;

  remember(va: number): void {
    this.addresses[this.next] = va;
    this.next = (this.next + 1) & (FREED_RING_SIZE - 1);
  }

  has(va: number): boolean {
    return this.addresses.includes(va);
  }

  get byteLength(): number {
    return this.addresses.byteLength;
  }

  copyFrom(other: FreedRing): void {
    this.addresses = other.addresses.slice();
    this.next = other.next;
  }
}
