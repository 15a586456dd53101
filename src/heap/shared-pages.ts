/**
 * Pages of the areas shared by small slabs: a shared page is cut into UNITS_PER_PAGE units that
 * small slabs of several classes take as runs (a bit a unit in `mask`), so a program with a few
 * blocks of many sizes does not hold a page for each size. Used by the area pool and the slab cache; read by the checker.
 */
import type { AreaPool } from './area-pool.js';
import { popcount, runMask } from './bit-runs.js';
import { grown } from './grown.js';
import { NONE, UNITS_PER_PAGE } from './heap-constants.js';

const UNITS_SHIFT = Math.log2(UNITS_PER_PAGE);
/** `mask` of a shared page whose every unit is taken. */
const FULL_PAGE_UNITS = runMask(0, UNITS_PER_PAGE);

/**
 * A bit for each unit where a run of `length` free units starts (`free`: a bit a free unit). Runs
 * are found by halving: after ANDing `free` with itself shifted by 1, 2, 4 ... bit i says that
 * the units from i on are free that far; shifting in zeros from the top keeps runs inside the page.
 */
function runStarts(free: number, length: number): number {
  let starts = free >>> 0;
  let span = 1;
  while (span * 2 <= length) {
    starts &= starts >>> span;
    span *= 2;
  }
  if (span < length) starts &= starts >>> (length - span);
  return starts >>> 0;
}

export class SharedPages {
  /** Per page of each area (`area * pagesPerArea + page`): the units small slabs took on a shared page. */
  mask = new Uint32Array(0);
  /** Shared pages (`area * pagesPerArea + page`) with a free unit, in no order. */
  open = new Int32Array(0);
  openCount = 0;
  // What the last take did, for untake.
  private lastSlot = 0;
  private lastFilled = false;
  private lastFresh = false;

  constructor(private readonly areas: AreaPool) {}

  /**
   * A run of `units` units for small slab `slab`: best fit over the shared pages with a free
   * unit (the lowest run of the fullest page that has one), else a fresh page of an open area
   * (or a new area) becomes shared. Returns the area and
   * sets the pool's runFirst to the run's first unit in it; NONE when out of memory.
   */
  take(units: number, slab: number): number {
    // Best fit: the page with the fewest free units that has such a run, so pages fill up and
    // the emptier ones stay free for longer runs or empty out (small programs, mean resident
    // utilization over seeds 1 to 14: 0.751 with the first fit, 0.782 with this).
    let best = -1;
    let bestFree = UNITS_PER_PAGE + 1;
    let bestUnit = 0;
    for (let i = 0; i < this.openCount && bestFree > units; i++) {
      const mask = this.mask[this.open[i]];
      const starts = runStarts(~mask, units);
      if (starts === 0) continue;
      const free = UNITS_PER_PAGE - popcount(mask);
      if (free < bestFree) {
        bestFree = free;
        best = i;
        bestUnit = 31 - Math.clz32(starts & -starts);
      }
    }
    if (best >= 0) {
      this.lastFresh = false;
      return this.takeOn(best, bestUnit, units, slab);
    }
    this.lastFresh = true;
    const areas = this.areas;
    let a = areas.findRun(1);
    if (a === NONE) a = areas.growRun(1);
    let page = areas.runFirst;
    if (a === NONE) {
      a = areas.map(1);
      if (a === NONE) return NONE;
      page = 0;
    }
    areas.claim(a, page, 1, NONE);
    const shared = a * areas.pagesPerArea + page;
    this.mask[shared] = 0;
    this.open[this.openCount++] = shared;
    return this.takeOn(this.openCount - 1, 0, units, slab);
  }

  /** Takes a small slab's run back; a shared page left empty goes back to its area. */
  give(a: number, first: number, units: number): void {
    const areas = this.areas;
    const page = first >>> UNITS_SHIFT;
    const shared = a * areas.pagesPerArea + page;
    const before = this.mask[shared];
    const mask = (before & ~runMask(first - (page << UNITS_SHIFT), units)) >>> 0;
    this.mask[shared] = mask;
    const row = a * areas.unitsPerArea;
    areas.unitSlab.fill(NONE, row + first, row + first + units);
    if (before === FULL_PAGE_UNITS) this.open[this.openCount++] = shared;
    if (mask === 0) {
      const i = this.open.lastIndexOf(shared, this.openCount - 1);
      this.open[i] = this.open[--this.openCount];
      areas.vacate(a, page, 1);
    }
  }

  /** The inverse of the last take, right after it (the open list as it was). */
  untake(a: number, first: number, units: number): void {
    const areas = this.areas;
    const page = first >>> UNITS_SHIFT;
    const shared = a * areas.pagesPerArea + page;
    this.mask[shared] &= ~runMask(first - (page << UNITS_SHIFT), units);
    const row = a * areas.unitsPerArea;
    areas.unitSlab.fill(NONE, row + first, row + first + units);
    const i = this.lastSlot;
    if (this.lastFilled) {
      this.open[this.openCount++] = this.open[i];
      this.open[i] = shared;
    }
    if (this.lastFresh) {
      this.openCount--;
      areas.unclaim(a, page, 1);
    }
  }

  /** Clears the masks of area `a`'s pages (the area is new). */
  clearArea(a: number): void {
    const perArea = this.areas.pagesPerArea;
    this.mask.fill(0, a * perArea, (a + 1) * perArea);
  }

  /** Room for `areas` areas' pages. */
  grow(areas: number): void {
    const pages = areas * this.areas.pagesPerArea;
    this.mask = grown(this.mask, pages);
    this.open = grown(this.open, pages);
  }

  get byteLength(): number {
    return this.mask.byteLength + this.open.byteLength;
  }

  copyFrom(other: SharedPages): void {
    this.mask = other.mask.slice();
    this.open = other.open.slice();
    this.openCount = other.openCount;
  }

  private takeOn(i: number, unit: number, units: number, slab: number): number {
    const areas = this.areas;
    const shared = this.open[i];
    const a = Math.floor(shared / areas.pagesPerArea);
    const page = shared - a * areas.pagesPerArea;
    const mask = (this.mask[shared] | runMask(unit, units)) >>> 0;
    this.mask[shared] = mask;
    this.lastSlot = i;
    this.lastFilled = mask === FULL_PAGE_UNITS;
    if (this.lastFilled) this.open[i] = this.open[--this.openCount];
    const first = (page << UNITS_SHIFT) + unit;
    const row = a * areas.unitsPerArea;
    areas.unitSlab.fill(slab, row + first, row + first + units);
    areas.runFirst = first;
    return a;
  }
}
