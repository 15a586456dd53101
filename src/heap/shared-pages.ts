/**
 * Pages of the areas shared by small slabs: a shared page is cut into UNITS_PER_PAGE units of
 * SLAB_UNIT bytes that small slabs of several classes take as runs (a bit a unit in `mask`), so a
 * program with a few blocks of many sizes does not hold a page for each size. Used by the area
 * pool and the slab cache; read by the checker.
 */
import type { AreaPool } from './area-pool.js';
import { resized } from './grown.js';
import * as heapConstants from './heap-constants.js';
import { HoleIndex } from './hole-index.js';
import { fillRun, MASK_WORDS, markRun } from './unit-masks.js';

// Module-local copies, folded into the optimized code (heap-constants.ts says why).
const { NONE, SHARED_PAGE, UNITS_PER_PAGE } = heapConstants;

const UNITS_SHIFT = Math.log2(UNITS_PER_PAGE);
/** Segments of the hole index made at first (it doubles as pages become shared). */
const INITIAL_SEGMENTS = 8;
/** A mask word whose every unit is taken (a page that is not shared reads as all taken). */
const TAKEN_WORD = 0xffffffff;

export class SharedPages {
  /**
   * Per area, a row of MASK_WORDS words for each of its pages (`(area * pagesPerArea + page) *
   * MASK_WORDS`): the units small slabs took on shared pages; every unit of a page that is not
   * shared reads as taken.
   */
  mask = new Uint32Array(0);
  /** Per page of each area (`area * pagesPerArea + page`): its free units while it is shared, else 0. */
  freeUnits = new Uint16Array(0);
  /**
   * The free runs of the shared pages' units, by length, each shared page a segment of the index.
   * Free runs stay within a page: letting them run on into the next shared page raised the large
   * traces' mean utilization (0.936 -> 0.942) but cost `realloc` (0.901 -> 0.890), whose growing
   * buffer left its area two pages bigger; the small programs' mean was the same.
   */
  readonly holes = new HoleIndex(UNITS_PER_PAGE);
  /** Per page of each area: its segment in the hole index while it is shared, else NONE. */
  segmentOf = new Int32Array(0);
  /** Per segment: its page (`area * pagesPerArea + page`), while it is in use. */
  private pageOf = new Int32Array(0);
  /** The slab on each unit of each segment (`segment * UNITS_PER_PAGE + unit`), or NONE. */
  private unitSlab = new Int32Array(0);
  private freeSegments = new Int32Array(0);
  private freeSegmentCount = 0;
  private segmentsUsed = 0;
  private segmentCapacity = 0;
  // What the last take did, for untake: whether it made a page shared, which, and whether its
  // segment was a new one (and the segment tables grew for it).
  private lastFresh = false;
  private lastFreshPage = 0;
  private lastNewSegment = false;
  private lastSegmentCapacity = 0;
  /** The hole index's record room before the last take. */
  private lastRecordCapacity = 0;

  constructor(private readonly areas: AreaPool) {
    this.resizeSegments(INITIAL_SEGMENTS);
  }

  /**
   * A run of `units` units starting at a multiple of `step` for small slab `slab`: the best fit
   * among the free runs of the shared pages (the shortest that holds it, the lowest such), else
   * a fresh page of an open area (or a new area) becomes shared, unless `freshPage` is false.
   * Returns the area and sets the pool's runFirst to the run's first unit in it; NONE when out
   * of memory (or no shared page has room and `freshPage` is false).
   */
  take(units: number, step: number, slab: number, freshPage = true): number {
    // Best fit over the free runs (small programs, mean resident utilization, with one-object
    // slabs for the classes with few blocks: docs/heap.md).
    this.lastFresh = false;
    this.lastNewSegment = false;
    this.lastRecordCapacity = this.holes.recordCapacity;
    const found = this.holes.find(units, step);
    if (found !== NONE) return this.takeOn(found, units, slab);
    if (!freshPage) return NONE;
    const areas = this.areas;
    let a = areas.findRun(1);
    if (a === NONE) a = areas.growRun(1);
    let page = areas.runFirst;
    if (a === NONE) {
      a = areas.map(1);
      if (a === NONE) return NONE;
      page = 0;
    }
    areas.claim(a, page, 1, SHARED_PAGE);
    const shared = a * areas.pagesPerArea + page;
    this.mask.fill(0, shared * MASK_WORDS, (shared + 1) * MASK_WORDS);
    this.freeUnits[shared] = UNITS_PER_PAGE;
    this.holes.free(this.takeSegment(shared) * UNITS_PER_PAGE, UNITS_PER_PAGE);
    this.lastFresh = true;
    this.lastFreshPage = page;
    return this.takeOn(this.holes.find(units, step), units, slab);
  }

  /** Takes a small slab's run back; a shared page left empty goes back to its area. */
  give(a: number, first: number, units: number): void {
    const areas = this.areas;
    markRun(this.mask, a * areas.pagesPerArea * MASK_WORDS, first, units, false);
    const start = this.holeUnit(a, first);
    fillRun(this.unitSlab, NONE, start, start + units);
    this.holes.free(start, units);
    const end = first + units;
    for (let unit = first; unit < end; ) {
      const page = unit >>> UNITS_SHIFT;
      const inPage = Math.min(end, (page + 1) << UNITS_SHIFT) - unit;
      const shared = a * areas.pagesPerArea + page;
      const free = this.freeUnits[shared] + inPage;
      this.freeUnits[shared] = free;
      if (free === UNITS_PER_PAGE) {
        this.unshare(a, page);
        areas.vacate(a, page, 1);
      }
      unit += inPage;
    }
  }

  /**
   * Gives small slab `slab` (the run of `units` units from `first` of area `a`) the `extra` units
   * right after it, when they are free and on the same page (a realloc grown in place); whether
   * it did.
   */
  extend(a: number, first: number, units: number, extra: number, slab: number): boolean {
    if (extra === 0) return true; // a class of the same run: nothing to take
    const end = first + units;
    if ((end & (UNITS_PER_PAGE - 1)) === 0 || (end - 1) >>> UNITS_SHIFT !== (end + extra - 1) >>> UNITS_SHIFT)
      return false;
    const start = this.holeUnit(a, end);
    const holes = this.holes;
    if (holes.lengthAt(start) < extra) return false;
    holes.take(start, start, extra); // the hole that starts right after the run
    markRun(this.mask, a * this.areas.pagesPerArea * MASK_WORDS, end, extra, true);
    this.countRun(a, end, extra, -1);
    fillRun(this.unitSlab, slab, start, start + extra);
    return true;
  }

  /** The inverse of the last take, right after it. */
  untake(a: number, first: number, units: number): void {
    const areas = this.areas;
    markRun(this.mask, a * areas.pagesPerArea * MASK_WORDS, first, units, false);
    this.countRun(a, first, units, 1);
    const start = this.holeUnit(a, first);
    fillRun(this.unitSlab, NONE, start, start + units);
    this.holes.free(start, units);
    if (this.lastFresh) {
      this.unshare(a, this.lastFreshPage);
      if (this.lastNewSegment) {
        // Its segment came from the top: back there, and the index as big as it was.
        this.freeSegmentCount--;
        this.segmentsUsed--;
        if (this.segmentCapacity !== this.lastSegmentCapacity) this.resizeSegments(this.lastSegmentCapacity);
      }
      areas.unclaim(a, this.lastFreshPage, 1);
    }
    // The records as many as they were (a fresh page's hole took one).
    this.holes.shrinkRecords(this.lastRecordCapacity);
  }

  /** Marks every page of area `a` as not shared (the area is new). */
  clearArea(a: number): void {
    const perArea = this.areas.pagesPerArea;
    this.mask.fill(TAKEN_WORD, a * perArea * MASK_WORDS, (a + 1) * perArea * MASK_WORDS);
    this.freeUnits.fill(0, a * perArea, (a + 1) * perArea);
  }

  /** Room for `areas` areas' pages (more, or fewer when the last areas are unused). */
  resizeAreas(areas: number): void {
    const pages = areas * this.areas.pagesPerArea;
    this.mask = resized(this.mask, pages * MASK_WORDS, TAKEN_WORD);
    this.freeUnits = resized(this.freeUnits, pages);
    this.segmentOf = resized(this.segmentOf, pages, NONE);
  }

  get byteLength(): number {
    return (
      this.mask.byteLength +
      this.freeUnits.byteLength +
      this.segmentOf.byteLength +
      this.pageOf.byteLength +
      this.freeSegments.byteLength +
      this.unitSlab.byteLength +
      this.holes.byteLength
    );
  }

  copyFrom(other: SharedPages): void {
    this.mask = other.mask.slice();
    this.freeUnits = other.freeUnits.slice();
    this.segmentOf = other.segmentOf.slice();
    this.pageOf = other.pageOf.slice();
    this.freeSegments = other.freeSegments.slice();
    this.unitSlab = other.unitSlab.slice();
    this.freeSegmentCount = other.freeSegmentCount;
    this.segmentsUsed = other.segmentsUsed;
    this.segmentCapacity = other.segmentCapacity;
    this.holes.copyFrom(other.holes);
  }

  /** The slab on unit `unit` of shared page `shared` (`area * pagesPerArea + page`), or NONE. */
  slabOnUnit(shared: number, unit: number): number {
    return this.unitSlab[this.segmentOf[shared] * UNITS_PER_PAGE + unit];
  }

  /** The hole-index unit of unit `unit` of area `a` (on a shared page). */
  private holeUnit(a: number, unit: number): number {
    const segment = this.segmentOf[a * this.areas.pagesPerArea + (unit >>> UNITS_SHIFT)];
    return segment * UNITS_PER_PAGE + (unit & (UNITS_PER_PAGE - 1));
  }

  /** A segment of the hole index for shared page `shared`: a freed one, or a new one. */
  private takeSegment(shared: number): number {
    let segment: number;
    this.lastNewSegment = this.freeSegmentCount === 0;
    this.lastSegmentCapacity = this.segmentCapacity;
    if (!this.lastNewSegment) segment = this.freeSegments[--this.freeSegmentCount];
    else {
      // Half as much again (not double): each segment costs 2 KiB of tables.
      if (this.segmentsUsed === this.segmentCapacity)
        this.resizeSegments(Math.ceil(this.segmentCapacity * 1.5));
      segment = this.segmentsUsed++;
    }
    this.segmentOf[shared] = segment;
    this.pageOf[segment] = shared;
    return segment;
  }

  private resizeSegments(capacity: number): void {
    this.holes.resize(capacity);
    this.pageOf = resized(this.pageOf, capacity, NONE);
    this.freeSegments = resized(this.freeSegments, capacity);
    this.unitSlab = resized(this.unitSlab, capacity * UNITS_PER_PAGE, NONE);
    this.segmentCapacity = capacity;
  }

  /**
   * Page `page` of area `a` is shared no more: its units read as taken and leave the free runs,
   * and its segment is free for the next shared page.
   */
  private unshare(a: number, page: number): void {
    const shared = a * this.areas.pagesPerArea + page;
    this.mask.fill(TAKEN_WORD, shared * MASK_WORDS, (shared + 1) * MASK_WORDS);
    this.freeUnits[shared] = 0;
    const segment = this.segmentOf[shared];
    // The page is all free: one hole, its whole segment.
    this.holes.take(segment * UNITS_PER_PAGE, segment * UNITS_PER_PAGE, UNITS_PER_PAGE);
    this.segmentOf[shared] = NONE;
    this.pageOf[segment] = NONE;
    this.freeSegments[this.freeSegmentCount++] = segment;
  }

  /** Adds `sign` times the units of the run to its pages' free counts. */
  private countRun(a: number, first: number, units: number, sign: number): void {
    const end = first + units;
    for (let unit = first; unit < end; ) {
      const page = unit >>> UNITS_SHIFT;
      const inPage = Math.min(end, (page + 1) << UNITS_SHIFT) - unit;
      this.freeUnits[a * this.areas.pagesPerArea + page] += sign * inPage;
      unit += inPage;
    }
  }

  /** Takes the run of `units` units from hole-index unit `start` (in the hole find() chose) for slab `slab`. */
  private takeOn(start: number, units: number, slab: number): number {
    const areas = this.areas;
    const shared = this.pageOf[start >>> UNITS_SHIFT];
    const a = Math.floor(shared / areas.pagesPerArea);
    const page = shared - a * areas.pagesPerArea;
    const unit = (page << UNITS_SHIFT) + (start & (UNITS_PER_PAGE - 1));
    this.holes.take(this.holes.foundHole, start, units);
    markRun(this.mask, a * areas.pagesPerArea * MASK_WORDS, unit, units, true);
    this.countRun(a, unit, units, -1);
    fillRun(this.unitSlab, slab, start, start + units);
    areas.runFirst = unit;
    return a;
  }
}
