/**
 * The areas small blocks live in: ANON ranges of `areaSize` bytes reserved from the space, aligned
 * to their size so `floor(va / areaSize)` finds an address's area. Each area is a row of pages
 * that slabs take as runs (a bit a page in `used`); areas with a free page form the open list,
 * and one empty area may be kept as a spare. Pages shared by small slabs are `shared`'s. When the
 * space can extend a mapping, an area starts with its first INITIAL_PAGES pages mapped and maps
 * more in place as the program grows (the rest of its aligned range stays free; its pages count
 * as taken). An empty area the space refuses to take back (the region limit) stays held as a
 * stranded area, reused like any open area and offered back again at the next trim. Used by the
 * slab cache and shared pages; read by the checker.
 */

import { AreaTable } from './area-table.js';
import { popcount, runMask, trailingOnes, WORD_BITS } from './bit-runs.js';
import * as heapConstants from './heap-constants.js';
import type { HeapCounters } from './heap-counters.js';
import type { HeapSpace } from './heap-space.js';
import { MappingJournal } from './mapping-journal.js';
import { isOutOfMemory, tryRelease } from './out-of-memory.js';
import { SharedPages } from './shared-pages.js';

// Module-local copies, folded into the optimized code (heap-constants.ts says why).
const { NONE, PAGE_SHIFT, PAGE_SIZE, SHARED_PAGE, UNIT_SHIFT, UNITS_PER_PAGE } = heapConstants;

/**
 * Areas the tables have room for at first (about 0.7 KiB of tables an area). A table grown by a
 * call that is then refused stays grown, so metadataBytes would tell the refusal apart.
 */
const INITIAL_AREAS = 16;
/**
 * Pages an area maps at first when the space can extend it later, and pages it maps each time
 * it grows: small steps keep the mapped heap close to what the program uses (measured on the
 * small-program traces: mean utilization 0.612 when an area doubles, 0.664 in two-page steps).
 */
const INITIAL_PAGES = 2;
const GROWTH_PAGES = 2;
const UNITS_SHIFT = Math.log2(UNITS_PER_PAGE);

export class AreaPool extends AreaTable {
  readonly keepSpare: boolean;
  /** The pages small slabs of several classes share, cut into units. */
  readonly shared: SharedPages;
  spare = NONE;
  /** Empty areas the space refused to take back. */
  stranded = 0;
  /** First page of the run the last findRun chose. */
  runFirst = 0;
  /** Pages of the areas handed out to a block since their area was mapped. */
  residentPages = 0;

  /** What was mapped since beginJournal(), for undoJournal(), and the tables' room then. */
  private readonly journal = new MappingJournal();
  private journalCapacity = 0;
  // What the last claim did, for unclaim.
  private claimUnlinked = false;
  private claimPrev = NONE;

  constructor(
    private readonly space: HeapSpace,
    private readonly counters: HeapCounters,
    areaSize: number,
    keepSpare: boolean,
    /** Whether areas start small and grow in place (when the space can extend a mapping). */
    private readonly growAreas: boolean,
    /** Gives back what the heap keeps mapped for reuse; called before it maps an area. */
    private readonly beforeMapping: () => void,
  ) {
    super(areaSize);
    this.keepSpare = keepSpare;
    this.shared = new SharedPages(this);
    this.resizeTables(INITIAL_AREAS);
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
      let free = ~(this.used[a] | this.unmapped[a]) & this.fullMask;
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

  /**
   * Doubles the mapped pages of an area that has unmapped ones until one has a free run of
   * `pages` pages, mapping them in place (extendAnon); returns the area and sets runFirst, or
   * NONE when no area can grow so (the range after it is taken, or out of memory).
   */
  growRun(pages: number): number {
    if (this.growable === 0) return NONE;
    const extend = this.space.extendAnon?.bind(this.space);
    if (!extend) return NONE;
    // Mapping more: what the heap keeps for reuse goes back first (when the call succeeds).
    this.beforeMapping();
    for (let a = 0; a < this.idsUsed; a++) {
      while (this.live[a] && this.unmapped[a] !== 0) {
        const mapped = this.mappedBytes[a];
        const more = Math.min(GROWTH_PAGES * PAGE_SIZE, this.areaSize - mapped);
        let extended: boolean;
        try {
          extended = extend(this.base[a] + mapped, more);
        } catch (error) {
          if (isOutOfMemory(error)) return NONE;
          throw error;
        }
        if (!extended) break;
        const wasFull = (this.used[a] | this.unmapped[a]) === this.fullMask >>> 0;
        this.mappedBytes[a] = mapped + more;
        this.unmapped[a] = this.unmappedMask(mapped + more);
        if (this.unmapped[a] === 0) this.growable--;
        this.counters.addFootprint(more);
        const links = wasFull && this.used[a] !== this.fullMask >>> 0;
        if (links) this.linkOpen(a);
        this.journal.record(a, mapped, links);
        const found = this.findRun(pages);
        if (found !== NONE) return found;
      }
    }
    return NONE;
  }

  /**
   * Maps a new area with at least `pages` pages mapped (after giving back what is kept for
   * reuse); NONE when out of memory.
   */
  map(pages: number): number {
    this.beforeMapping();
    let base: number;
    const canGrow = this.growAreas && this.space.extendAnon !== undefined;
    const firstPages = canGrow ? Math.max(INITIAL_PAGES, pages) : this.pagesPerArea;
    const bytes = Math.min(firstPages, this.pagesPerArea) * PAGE_SIZE;
    try {
      base = this.space.reserveAnon(bytes, this.areaSize);
    } catch (error) {
      if (isOutOfMemory(error)) return NONE;
      throw error;
    }
    if (this.freeIdCount === 0 && this.idsUsed === this.capacity) this.resizeTables(this.capacity * 2);
    const reused = this.freeIdCount > 0;
    const a = reused ? this.freeIds[--this.freeIdCount] : this.idsUsed++;
    this.journal.record(a, -1, reused);
    this.base[a] = base;
    this.used[a] = 0;
    this.unmapped[a] = this.unmappedMask(bytes);
    if (this.unmapped[a] !== 0) this.growable++;
    this.mappedBytes[a] = bytes;
    this.touched[a] = 0;
    this.live[a] = 1;
    this.slabsIn[a] = 0;
    this.pageSlab.fill(NONE, a * this.pagesPerArea, (a + 1) * this.pagesPerArea);
    this.shared.clearArea(a);
    this.byKey.set(base / this.areaSize, a);
    this.linkOpen(a);
    this.count++;
    this.counters.addFootprint(bytes);
    return a;
  }

  /** The `unmapped` mask of an area with its first `bytes` mapped. */
  private unmappedMask(bytes: number): number {
    return (this.fullMask & ~runMask(0, bytes / PAGE_SIZE)) >>> 0;
  }

  /** Gives slab `slab` the run of `pages` pages from `first` in area `a`. */
  claim(a: number, first: number, pages: number, slab: number): void {
    if (a === this.spare) this.spare = NONE;
    else if (this.used[a] === 0 && this.stranded > 0 && this.isStranded(a)) this.stranded--;
    this.used[a] = (this.used[a] | runMask(first, pages)) >>> 0;
    this.claimUnlinked = this.isFull(a);
    if (this.claimUnlinked) {
      this.claimPrev = this.prev[a];
      this.unlinkOpen(a);
    }
    const row = a * this.pagesPerArea;
    this.pageSlab.fill(slab, row + first, row + first + pages);
  }

  /**
   * Gives slab `slab` (the run of `pages` pages from `first` in area `a`) the `more` pages right
   * after it, when they are mapped and free (a realloc grown in place); whether it did.
   */
  extendClaim(a: number, first: number, pages: number, more: number, slab: number): boolean {
    const end = first + pages;
    if (end + more > this.pagesPerArea) return false;
    const run = runMask(end, more);
    if (((this.used[a] | this.unmapped[a]) & run) !== 0) return false;
    this.used[a] = (this.used[a] | run) >>> 0;
    if (this.isFull(a)) this.unlinkOpen(a);
    const row = a * this.pagesPerArea;
    this.pageSlab.fill(slab, row + end, row + end + more);
    return true;
  }

  /**
   * The inverse of the last claim, right after it: the run is free again and the area back where
   * it was in the open list. The spare and stranded counts are the caller's to restore.
   */
  unclaim(a: number, first: number, pages: number): void {
    this.used[a] = (this.used[a] & ~runMask(first, pages)) >>> 0;
    const row = a * this.pagesPerArea;
    this.pageSlab.fill(NONE, row + first, row + first + pages);
    if (!this.claimUnlinked) return;
    const prev = this.claimPrev;
    const next = prev === NONE ? this.openHead : this.next[prev];
    this.prev[a] = prev;
    this.next[a] = next;
    if (prev === NONE) this.openHead = a;
    else this.next[prev] = a;
    if (next === NONE) this.openTail = a;
    else this.prev[next] = a;
  }

  /** Starts recording what is mapped (an allocation begins). */
  beginJournal(): void {
    this.journal.length = 0;
    this.journalCapacity = this.capacity;
  }

  /**
   * Unmaps what was mapped since beginJournal(), newest first: a new area is given back (its
   * slabs already undone), a grown one shrinks to what it had. The resident counts and the peaks
   * are the caller's to restore. A range the space refuses to take back (the region limit) stays
   * held: a new area as a stranded one, a grown tail as part of its area.
   */
  undoJournal(): void {
    for (let i = this.journal.length - 1; i >= 0; i--) {
      const a = this.journal.area[i];
      const before = this.journal.bytesBefore[i];
      if (before < 0) {
        if (!this.release(a)) this.stranded++;
        else if (!this.journal.flag[i]) {
          // The id came from idsUsed, not the free list: hand it back there.
          this.freeIdCount--;
          this.idsUsed--;
        }
        continue;
      }
      const mapped = this.mappedBytes[a];
      if (!tryRelease(this.space, this.base[a] + before, mapped - before)) continue;
      this.counters.footprint -= mapped - before;
      if (this.unmapped[a] === 0) this.growable++;
      this.mappedBytes[a] = before;
      this.unmapped[a] = this.unmappedMask(before);
      if (this.journal.flag[i]) this.unlinkOpen(a);
    }
    this.journal.length = 0;
    // The tables as big as they were, unless an area the space refused to take back needs them.
    if (this.capacity > this.journalCapacity && this.idsUsed <= this.journalCapacity)
      this.resizeTables(this.journalCapacity);
  }

  /** Takes a run back from a slab; an area left empty is kept as the spare or given back. */
  vacate(a: number, first: number, pages: number): void {
    const wasFull = this.isFull(a);
    this.used[a] = (this.used[a] & ~runMask(first, pages)) >>> 0;
    const row = a * this.pagesPerArea;
    this.pageSlab.fill(NONE, row + first, row + first + pages);
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

  /** Counts as resident the pages of area `a` that bytes `start` to `end` of it lie on. */
  touch(a: number, start: number, end: number): void {
    const first = start >>> PAGE_SHIFT;
    const mask = runMask(first, Math.ceil(end / PAGE_SIZE) - first);
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
    const bytes = this.mappedBytes[a];
    if (!tryRelease(this.space, base, bytes)) return false;
    this.forget(a, base);
    if (!this.isFull(a)) this.unlinkOpen(a);
    if (this.unmapped[a] !== 0) this.growable--;
    this.residentPages -= popcount(this.touched[a]);
    this.counters.residentPages -= popcount(this.touched[a]);
    this.counters.footprint -= bytes;
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

  /** The slab on the unit of area `a` that holds `va` (in its mapped part), or NONE. */
  slabAt(a: number, va: number): number {
    const offset = va - this.base[a];
    const page = a * this.pagesPerArea + (offset >>> PAGE_SHIFT);
    const s = this.pageSlab[page];
    return s !== SHARED_PAGE
      ? s
      : this.shared.slabOnUnit(page, (offset >>> UNIT_SHIFT) & (UNITS_PER_PAGE - 1));
  }

  /** The slab on unit `unit` of area `a`, or NONE (the checker). */
  slabOfUnit(a: number, unit: number): number {
    const page = a * this.pagesPerArea + (unit >>> UNITS_SHIFT);
    const s = this.pageSlab[page];
    return s !== SHARED_PAGE ? s : this.shared.slabOnUnit(page, unit & (UNITS_PER_PAGE - 1));
  }

  get byteLength(): number {
    return this.tableBytes + this.shared.byteLength;
  }

  copyFrom(other: AreaPool): void {
    this.copyTableFrom(other);
    this.shared.copyFrom(other.shared);
    this.spare = other.spare;
    this.stranded = other.stranded;
    this.runFirst = other.runFirst;
    this.residentPages = other.residentPages;
  }

  protected override resizeTables(capacity: number): void {
    super.resizeTables(capacity);
    this.shared.resizeAreas(capacity);
  }

  /** Whether area `a` is held, empty, and not the spare. */
  isStranded(a: number): boolean {
    return this.live[a] === 1 && this.used[a] === 0 && a !== this.spare;
  }
}
