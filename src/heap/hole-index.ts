/**
 * The free runs of units ("holes") on the shared pages, indexed by length, so a new small slab
 * finds its best fit (the shortest hole that holds it, the lowest-numbered such) without
 * scanning pages.
 * Units are numbered by segment (`segment * segmentUnits + unit`: SharedPages gives each shared
 * page a segment while it is shared); a hole never crosses a segment's end. Used by SharedPages;
 * read by the checker.
 *
 * As in TLSF, a list of holes for each length and a bitmap of the lengths that have one; a hole
 * is a record found from its first unit and from its last (a table of each segment's units), so
 * a freed run merges with the holes on either side at once.
 */
import { WORD_BITS } from './bit-runs.js';
import { resized } from './grown.js';
import { NONE } from './heap-constants.js';

const INITIAL_HOLES = 64;

export class HoleIndex {
  /** Holes now. */
  count = 0;
  /** The first unit of the hole find() chose last. */
  foundHole = NONE;
  // Indexed by hole record.
  private start = new Int32Array(0);
  private length = new Uint16Array(0);
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  private freeRecords = new Int32Array(0);
  private freeRecordCount = 0;
  private recordsUsed = 0;
  /**
   * Per unit of each segment, the hole that has an end there: its record `r` at its first unit,
   * `-(r + 2)` at its last (a one-unit hole: `r`), NONE elsewhere. (Hash maps from first and last
   * unit to record instead cost the shell's trace a fifth of its speed.)
   */
  private edge = new Int32Array(0);
  /** First hole of each length, or NONE. */
  private readonly head: Int32Array;
  /** A bit for each length that has a hole. */
  private readonly present: Uint32Array;

  constructor(
    /** Units of a segment (a page's). */
    readonly segmentUnits: number,
  ) {
    this.head = new Int32Array(segmentUnits + 1).fill(NONE);
    this.present = new Uint32Array(Math.ceil((segmentUnits + 1) / WORD_BITS));
    this.growRecords(INITIAL_HOLES);
  }

  /** The length of the hole that starts at `unit`, or 0. */
  lengthAt(unit: number): number {
    const r = this.edge[unit];
    return r >= 0 ? this.length[r] : 0;
  }

  /** The first unit of the hole that ends at `unit`, or NONE. */
  startOfEnd(unit: number): number {
    const r = this.endingAt(unit);
    return r === NONE ? NONE : this.start[r];
  }

  /** The record of the hole whose last unit is `unit`, or NONE. */
  private endingAt(unit: number): number {
    const v = this.edge[unit];
    if (v >= 0) return this.length[v] === 1 ? v : NONE;
    return v === NONE ? NONE : -v - 2;
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
        for (let r = this.head[length]; r !== NONE; r = this.next[r]) {
          const h = this.start[r];
          if ((best === NONE || h < best) && alignedStart(h, step) + count <= h + length) best = h;
        }
        if (best !== NONE) {
          this.foundHole = best;
          return alignedStart(best, step);
        }
      }
    }
    return NONE;
  }

  /** Takes `count` units from `start` out of the hole that starts at `hole`; what is left stays holes. */
  take(hole: number, start: number, count: number): void {
    const r = this.edge[hole];
    const length = this.length[r];
    this.remove(r);
    if (start > hole) this.add(hole, start - hole);
    const end = start + count;
    if (end < hole + length) this.add(end, hole + length - end);
  }

  /** Makes `count` units from `start` a hole, merged with the holes just before and after it. */
  free(start: number, count: number): void {
    let first = start;
    let end = start + count;
    if (start % this.segmentUnits !== 0) {
      const before = this.endingAt(start - 1);
      if (before !== NONE) {
        first = this.start[before];
        this.remove(before);
      }
    }
    if (end % this.segmentUnits !== 0) {
      const after = this.edge[end];
      if (after >= 0) {
        end += this.length[after];
        this.remove(after);
      }
    }
    this.add(first, end - first);
  }

  /** Room for `segments` segments (more, or fewer when the last ones are unused and empty). */
  resize(segments: number): void {
    const units = segments * this.segmentUnits;
    this.edge = resized(this.edge, units, NONE);
  }

  get byteLength(): number {
    return (
      this.start.byteLength +
      this.length.byteLength +
      this.next.byteLength +
      this.prev.byteLength +
      this.freeRecords.byteLength +
      this.edge.byteLength +
      this.head.byteLength +
      this.present.byteLength
    );
  }

  copyFrom(other: HoleIndex): void {
    this.count = other.count;
    this.start = other.start.slice();
    this.length = other.length.slice();
    this.next = other.next.slice();
    this.prev = other.prev.slice();
    this.freeRecords = other.freeRecords.slice();
    this.freeRecordCount = other.freeRecordCount;
    this.recordsUsed = other.recordsUsed;
    this.edge = other.edge.slice();
    this.head.set(other.head);
    this.present.set(other.present);
  }

  private add(start: number, length: number): void {
    if (this.freeRecordCount === 0 && this.recordsUsed === this.start.length)
      this.growRecords(this.start.length * 2);
    const r = this.freeRecordCount > 0 ? this.freeRecords[--this.freeRecordCount] : this.recordsUsed++;
    this.start[r] = start;
    this.length[r] = length;
    this.edge[start] = r;
    if (length > 1) this.edge[start + length - 1] = -(r + 2);
    const head = this.head[length];
    this.next[r] = head;
    this.prev[r] = NONE;
    if (head !== NONE) this.prev[head] = r;
    else this.present[length >>> 5] |= 1 << (length & 31);
    this.head[length] = r;
    this.count++;
  }

  private remove(r: number): void {
    const length = this.length[r];
    const next = this.next[r];
    const prev = this.prev[r];
    if (prev === NONE) {
      this.head[length] = next;
      if (next === NONE) this.present[length >>> 5] &= ~(1 << (length & 31));
    } else this.next[prev] = next;
    if (next !== NONE) this.prev[next] = prev;
    this.edge[this.start[r]] = NONE;
    this.edge[this.start[r] + length - 1] = NONE;
    this.freeRecords[this.freeRecordCount++] = r;
    this.count--;
  }

  private growRecords(records: number): void {
    this.start = resized(this.start, records);
    this.length = resized(this.length, records);
    this.next = resized(this.next, records, NONE);
    this.prev = resized(this.prev, records, NONE);
    this.freeRecords = resized(this.freeRecords, records);
  }

  /** Records there is room for. */
  get recordCapacity(): number {
    return this.start.length;
  }

  /**
   * Back to room for `records` records (an allocation undone: it made room for more, and the
   * holes are as they were, so no more than that are in use). A hole whose record lies past the
   * room moves to a free one below it; the free records past it are forgotten.
   */
  shrinkRecords(records: number): void {
    if (this.start.length <= records || this.count > records) return;
    let kept = 0;
    const free = this.freeRecords;
    for (let i = 0; i < this.freeRecordCount; i++) if (free[i] < records) free[kept++] = free[i];
    this.freeRecordCount = kept;
    for (let r = records; r < this.recordsUsed; r++) {
      if (this.edge[this.start[r]] !== r) continue; // a free record
      this.moveRecord(r, free[--this.freeRecordCount]);
    }
    this.recordsUsed = Math.min(this.recordsUsed, records);
    this.growRecords(records);
  }

  /** Hole record `from` becomes record `to` (a free one): its links and edges follow. */
  private moveRecord(from: number, to: number): void {
    const start = this.start[from];
    const length = this.length[from];
    const next = this.next[from];
    const prev = this.prev[from];
    this.start[to] = start;
    this.length[to] = length;
    this.next[to] = next;
    this.prev[to] = prev;
    if (prev === NONE) this.head[length] = to;
    else this.next[prev] = to;
    if (next !== NONE) this.prev[next] = to;
    this.edge[start] = to;
    if (length > 1) this.edge[start + length - 1] = -(to + 2);
  }
}

/** The lowest multiple of `step` from `unit` on (segments are multiples of every step). */
function alignedStart(unit: number, step: number): number {
  return step === 1 ? unit : Math.ceil(unit / step) * step;
}
