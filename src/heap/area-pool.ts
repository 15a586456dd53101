/**
 * The areas small blocks live in: ANON ranges of `areaSize` bytes reserved from the space, aligned
 * to their size so `floor(va / areaSize)` finds an address's area. Each area is a row of pages
 * that slabs take as runs (a bit a page in `used`); areas with a free page form the open list,
 * and one empty area may be kept as a spare. An empty area the space refuses to take back (the
 * region limit) stays held as a stranded area, reused like any open area and offered back again
 * at the next trim. Used by the slab cache; read by the checker.
 */
import { FULL_WORD, popcount, runMask, trailingOnes, WORD_BITS } from './bit-runs.js';
import { grown } from './grown.js';
import { NONE, PAGE_SHIFT, PAGE_SIZE } from './heap-constants.js';
import type { HeapCounters } from './heap-counters.js';
import type { HeapSpace } from './heap-space.js';
import { NumberMap } from './number-map.js';
import { isOutOfMemory, tryRelease } from './out-of-memory.js';

const INITIAL_AREAS = 16;

export class AreaPool {
  readonly areaSize: number;
  readonly pagesPerArea: number;
  /** `used` of an area whose every page is taken. */
  readonly fullMask: number;
  readonly keepSpare: boolean;

  // Indexed by area id.
  base = new Float64Array(0);
  /** A bit a page: taken by a slab. */
  used = new Uint32Array(0);
  /** A bit a page: handed out to a block since the area was mapped (resident). */
  touched = new Uint32Array(0);
  live = new Uint8Array(0);
  next = new Int32Array(0);
  prev = new Int32Array(0);
  /** The slab on each page of each area (`area * pagesPerArea + page`), or NONE. */
  pageSlab = new Int32Array(0);
  private freeIds = new Int32Array(0);
  private freeIdCount = 0;
  private capacity = 0;
  /** Ids below this were handed out at least once. */
  idsUsed = 0;
  count = 0;
  /** Areas with at least one free page, in the order they joined. */
  openHead = NONE;
  private openTail = NONE;
  spare = NONE;
  /** Empty areas the space refused to take back. */
  stranded = 0;
  readonly byKey = new NumberMap();
  /** First page of the run the last findRun chose. */
  runFirst = 0;
  /** Pages of the areas handed out to a block since their area was mapped. */
  residentPages = 0;

  constructor(
    private readonly space: HeapSpace,
    private readonly counters: HeapCounters,
    areaSize: number,
    keepSpare: boolean,
    /** Gives back what the heap keeps mapped for reuse; called before it maps an area. */
    private readonly beforeMapping: () => void,
  ) {
    this.areaSize = areaSize;
    this.pagesPerArea = areaSize / PAGE_SIZE;
    this.fullMask = this.pagesPerArea === WORD_BITS ? FULL_WORD : (1 << this.pagesPerArea) - 1;
    this.keepSpare = keepSpare;
    this.grow(INITIAL_AREAS);
  }

  /** The area holding `va`, or NONE. */
  areaOf(va: number): number {
    return this.byKey.get(Math.floor(va / this.areaSize));
  }

  /** The slab on the page of area `a` that holds `va`, or NONE. */
  slabAt(a: number, va: number): number {
    return this.pageSlab[a * this.pagesPerArea + ((va - this.base[a]) >>> PAGE_SHIFT)];
  }

  /**
   * Best fit over the open areas: the shortest free run of at least `pages` pages, so long runs
   * stay whole for slabs that need them (an exact fit ends the search). Returns the area and sets
   * runFirst, or NONE when no open area has such a run.
   */
  findRun(pages: number): number {
    let area = NONE;
    let bestLength = WORD_BITS + 1;
    for (let a = this.openHead; a !== NONE && bestLength > pages; a = this.next[a]) {
      let free = ~this.used[a] & this.fullMask;
      while (free !== 0) {
        const start = WORD_BITS - 1 - Math.clz32(free & -free);
        const length = Math.min(WORD_BITS - start, trailingOnes(free >>> start));
        if (length >= pages && length < bestLength) {
          bestLength = length;
          area = a;
          this.runFirst = start;
          if (length === pages) break;
        }
        free &= ~runMask(start, length);
      }
    }
    return area;
  }

  /** Maps a new area (after giving back what is kept for reuse); NONE when out of memory. */
  map(): number {
    this.beforeMapping();
    let base: number;
    try {
      base = this.space.reserveAnon(this.areaSize, this.areaSize);
    } catch (error) {
      if (isOutOfMemory(error)) return NONE;
      throw error;
    }
    if (this.freeIdCount === 0 && this.idsUsed === this.capacity) this.grow(this.capacity * 2);
    const a = this.freeIdCount > 0 ? this.freeIds[--this.freeIdCount] : this.idsUsed++;
    this.base[a] = base;
    this.used[a] = 0;
    this.touched[a] = 0;
    this.live[a] = 1;
    this.pageSlab.fill(NONE, a * this.pagesPerArea, (a + 1) * this.pagesPerArea);
    this.byKey.set(base / this.areaSize, a);
    this.linkOpen(a);
    this.count++;
    this.counters.addFootprint(this.areaSize);
    return a;
  }

  /** Gives slab `slab` the run of `pages` pages from `first` in area `a`. */
  claim(a: number, first: number, pages: number, slab: number): void {
    if (a === this.spare) this.spare = NONE;
    else if (this.used[a] === 0 && this.stranded > 0 && this.isStranded(a)) this.stranded--;
    this.used[a] = (this.used[a] | runMask(first, pages)) >>> 0;
    if (this.used[a] === this.fullMask >>> 0) this.unlinkOpen(a);
    const row = a * this.pagesPerArea;
    for (let p = first; p < first + pages; p++) this.pageSlab[row + p] = slab;
  }

  /** Takes a run back from a slab; an area left empty is kept as the spare or given back. */
  vacate(a: number, first: number, pages: number): void {
    const wasFull = this.used[a] === this.fullMask >>> 0;
    this.used[a] = (this.used[a] & ~runMask(first, pages)) >>> 0;
    const row = a * this.pagesPerArea;
    for (let p = first; p < first + pages; p++) this.pageSlab[row + p] = NONE;
    if (wasFull) this.linkOpen(a);
    if (this.used[a] === 0) {
      if (this.keepSpare && this.spare === NONE) this.spare = a;
      else if (!this.release(a)) this.stranded++;
    }
  }

  /** Whether any of a run's pages held a block before (so its objects are not demand-zero). */
  wasTouched(a: number, first: number, pages: number): boolean {
    return (this.touched[a] & runMask(first, pages)) !== 0;
  }

  /** Counts as resident the pages of area `a` from page `first` up to byte `endOffset` of the run. */
  touch(a: number, first: number, endOffset: number): void {
    const mask = runMask(first, Math.ceil(endOffset / PAGE_SIZE));
    const fresh = mask & ~this.touched[a];
    if (fresh !== 0) {
      const pages = popcount(fresh);
      this.residentPages += pages;
      this.counters.addResident(pages);
      this.touched[a] = (this.touched[a] | mask) >>> 0;
    }
  }

  /** Gives area `a` back to the space; false (nothing changed) when the space refuses. */
  release(a: number): boolean {
    const base = this.base[a];
    if (!tryRelease(this.space, base, this.areaSize)) return false;
    this.byKey.delete(base / this.areaSize);
    if (this.used[a] !== this.fullMask >>> 0) this.unlinkOpen(a);
    this.residentPages -= popcount(this.touched[a]);
    this.counters.residentPages -= popcount(this.touched[a]);
    this.counters.footprint -= this.areaSize;
    this.live[a] = 0;
    this.count--;
    this.freeIds[this.freeIdCount++] = a;
    return true;
  }

  /** Gives back the spare area and the stranded ones, keeping those the space still refuses. */
  releaseEmpty(): void {
    if (this.spare !== NONE) {
      this.spare = NONE;
      this.stranded++;
    }
    // Until nothing more goes: giving one back can let its neighbour go without a split.
    for (let progress = this.stranded > 0; progress; ) {
      progress = false;
      for (let a = 0; a < this.idsUsed; a++) {
        if (this.isStranded(a) && this.release(a)) {
          this.stranded--;
          progress = true;
        }
      }
    }
  }

  /** Whether area `a` is held, empty, and not the spare. */
  isStranded(a: number): boolean {
    return this.live[a] === 1 && this.used[a] === 0 && a !== this.spare;
  }

  get byteLength(): number {
    return (
      this.base.byteLength +
      this.used.byteLength +
      this.touched.byteLength +
      this.live.byteLength +
      this.next.byteLength +
      this.prev.byteLength +
      this.pageSlab.byteLength +
      this.freeIds.byteLength +
      this.byKey.byteLength
    );
  }

  copyFrom(other: AreaPool): void {
    this.base = other.base.slice();
    this.used = other.used.slice();
    this.touched = other.touched.slice();
    this.live = other.live.slice();
    this.next = other.next.slice();
    this.prev = other.prev.slice();
    this.pageSlab = other.pageSlab.slice();
    this.freeIds = other.freeIds.slice();
    this.freeIdCount = other.freeIdCount;
    this.capacity = other.capacity;
    this.idsUsed = other.idsUsed;
    this.count = other.count;
    this.openHead = other.openHead;
    this.openTail = other.openTail;
    this.spare = other.spare;
    this.stranded = other.stranded;
    this.byKey.copyFrom(other.byKey);
    this.runFirst = other.runFirst;
    this.residentPages = other.residentPages;
  }

  private linkOpen(a: number): void {
    this.next[a] = NONE;
    this.prev[a] = this.openTail;
    if (this.openTail !== NONE) this.next[this.openTail] = a;
    else this.openHead = a;
    this.openTail = a;
  }

  private unlinkOpen(a: number): void {
    const next = this.next[a];
    const prev = this.prev[a];
    if (prev === NONE) this.openHead = next;
    else this.next[prev] = next;
    if (next === NONE) this.openTail = prev;
    else this.prev[next] = prev;
  }

  private grow(capacity: number): void {
    this.base = grown(this.base, capacity);
    this.used = grown(this.used, capacity);
    this.touched = grown(this.touched, capacity);
    this.live = grown(this.live, capacity);
    this.next = grown(this.next, capacity, NONE);
    this.prev = grown(this.prev, capacity, NONE);
    this.pageSlab = grown(this.pageSlab, capacity * this.pagesPerArea, NONE);
    this.freeIds = grown(this.freeIds, capacity);
    this.capacity = capacity;
  }
}
