/**
 * The free runs of units ("holes") on the areas' shared pages, indexed by length, so a new small
 * slab finds its best fit (the shortest hole that holds it, the lowest such) without scanning
 * pages. A hole never crosses a multiple of `segmentUnits` (SharedPages: a page). Units are
 * numbered across areas (`area * unitsPerArea + unit`). Used by SharedPages; read by the checker.
 *
 * As in TLSF, a list of holes for each length and a bitmap of the lengths that have one; a hole
 * is found from its first unit (its length) and from its last unit (its first), so a freed run
 * merges with the holes on either side at once.
 */
import { WORD_BITS } from './bit-runs.js';
import { grown } from './grown.js';
import { NONE } from './heap-constants.js';

export class HoleIndex {
  /** At a hole's first unit: its length; 0 at any other unit. */
  lengthAt = new Int32Array(0);
  /** At a hole's last unit: its first unit; NONE at any other unit. */
  startOfEnd = new Int32Array(0);
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  /** First hole of each length, or NONE. */
  private readonly head: Int32Array;
  /** A bit for each length that has a hole. */
  private readonly present: Uint32Array;
  /** Holes now. */
  count = 0;
  /** The hole find() chose last. */
  foundHole = NONE;

  constructor(
    private readonly unitsPerArea: number,
    /** A hole never crosses a multiple of this many units (a page's, or an area's). */
    readonly segmentUnits: number,
  ) {
    this.head = new Int32Array(segmentUnits + 1).fill(NONE);
    this.present = new Uint32Array(Math.ceil((segmentUnits + 1) / WORD_BITS));
  }

  /**
   * The first unit of the best place for `count` units starting at a multiple of `step`: in the
   * shortest hole that holds them, the lowest such hole, at its lowest such start; NONE if none.
   */
  find(count: number, step: number): number {
    const present = this.present;
    for (let w = count >>> 5; w < present.length; w++) {
      let bits = present[w];
      if (w === count >>> 5) bits &= ~((1 << (count & 31)) - 1);
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        const length = (w << 5) + 31 - Math.clz32(low);
        let best = NONE;
        for (let h = this.head[length]; h !== NONE; h = this.next[h]) {
          if (h < best || best === NONE) {
            const start = this.alignedStart(h, step);
            if (start + count <= h + length) best = h;
          }
        }
        if (best !== NONE) {
          this.foundHole = best;
          return this.alignedStart(best, step);
        }
      }
    }
    return NONE;
  }

  /** The hole that holds unit `unit` (which is free), found from the hole ends around it. */
  holeAround(unit: number, areaStart: number): number {
    for (let u = unit; u >= areaStart; u--) if (this.lengthAt[u] > 0 && u + this.lengthAt[u] > unit) return u;
    return NONE;
  }

  /** Takes `count` units from `start` out of the hole `hole` that holds them; what is left stays holes. */
  take(hole: number, start: number, count: number): void {
    const length = this.lengthAt[hole];
    this.remove(hole);
    if (start > hole) this.add(hole, start - hole);
    const end = start + count;
    if (end < hole + length) this.add(end, hole + length - end);
  }

  /** Makes `count` units from `start` a hole, merged with the holes just before and after it. */
  free(start: number, count: number): void {
    let first = start;
    let end = start + count;
    if (start % this.segmentUnits !== 0) {
      const before = this.startOfEnd[start - 1];
      if (before !== NONE) {
        first = before;
        this.remove(before);
      }
    }
    if (end % this.segmentUnits !== 0 && this.lengthAt[end] > 0) {
      const after = end;
      end = after + this.lengthAt[after];
      this.remove(after);
    }
    this.add(first, end - first);
  }

  /** Takes units `start` to `start + count - 1` (all free, inside one hole) out of the holes. */
  cut(start: number, count: number): void {
    const hole = this.holeAround(start, start - (start % this.segmentUnits));
    this.take(hole, start, count);
  }

  /** Room for `areas` areas' units. */
  grow(areas: number): void {
    const units = areas * this.unitsPerArea;
    this.lengthAt = grown(this.lengthAt, units);
    this.startOfEnd = grown(this.startOfEnd, units, NONE);
    this.next = grown(this.next, units, NONE);
    this.prev = grown(this.prev, units, NONE);
  }

  get byteLength(): number {
    return (
      this.lengthAt.byteLength +
      this.startOfEnd.byteLength +
      this.next.byteLength +
      this.prev.byteLength +
      this.head.byteLength +
      this.present.byteLength
    );
  }

  copyFrom(other: HoleIndex): void {
    this.lengthAt = other.lengthAt.slice();
    this.startOfEnd = other.startOfEnd.slice();
    this.next = other.next.slice();
    this.prev = other.prev.slice();
    this.head.set(other.head);
    this.present.set(other.present);
    this.count = other.count;
  }

  private alignedStart(hole: number, step: number): number {
    return step === 1 ? hole : Math.ceil(hole / step) * step;
  }

  private add(start: number, length: number): void {
    this.lengthAt[start] = length;
    this.startOfEnd[start + length - 1] = start;
    const head = this.head[length];
    this.next[start] = head;
    this.prev[start] = NONE;
    if (head !== NONE) this.prev[head] = start;
    else this.present[length >>> 5] |= 1 << (length & 31);
    this.head[length] = start;
    this.count++;
  }

  private remove(start: number): void {
    const length = this.lengthAt[start];
    const next = this.next[start];
    const prev = this.prev[start];
    if (prev === NONE) {
      this.head[length] = next;
      if (next === NONE) this.present[length >>> 5] &= ~(1 << (length & 31));
    } else this.next[prev] = next;
    if (next !== NONE) this.prev[next] = prev;
    this.lengthAt[start] = 0;
    this.startOfEnd[start + length - 1] = NONE;
    this.count--;
  }
}
