/**
 * Where a new slab goes and what shape it takes. While its class has fewer blocks than four page
 * slabs hold, a slab is as small as can be: a run of units in a page shared with other classes'
 * small slabs, or the fewest pages that hold an object; after that, a page slab. A program with a
 * few blocks of many sizes then holds little more than it uses (small-program traces, mean
 * resident utilization: 0.613 with page slabs only, 0.711 with small slabs, 0.718 with the
 * fewest pages too; 128-byte units since: docs/heap.md). Used by the slab cache's make.
 */
import type { AreaPool } from './area-pool.js';
import { WORD_BITS } from './bit-runs.js';
import { NONE, UNITS_PER_PAGE } from './heap-constants.js';
import type { SizeClassTable } from './size-class-table.js';

/** log2 of the bitmap words a slab of `objects` objects takes (a power of two). */
export function bitmapOrderFor(objects: number): number {
  return Math.ceil(Math.log2(Math.ceil(objects / WORD_BITS)));
}

export class SlabPlacement {
  // The last placement, read by the caller right after place().
  area = NONE;
  firstUnit = 0;
  units = 0;
  objects = 0;
  bitmapOrder = 0;

  constructor(
    private readonly classes: SizeClassTable,
    private readonly areas: AreaPool,
  ) {}

  /**
   * Places slab `slab` of class `cls`, which has `live` blocks: a small slab in a shared page when
   * the class allows it, else a run of pages in the best-fitting open area, growing one or mapping
   * a new one if none has room. False when out of memory (nothing taken).
   */
  place(cls: number, live: number, slab: number): boolean {
    const classes = this.classes;
    const areas = this.areas;
    const few = live < classes.objects[cls] * 4;
    if (few && classes.smallUnits[cls] > 0) {
      const units = classes.smallUnits[cls];
      const a = areas.shared.take(units, slab);
      if (a === NONE) return false;
      this.area = a;
      this.firstUnit = areas.runFirst;
      this.units = units;
      this.objects = classes.smallObjects[cls];
      this.bitmapOrder = classes.smallBitmapOrder[cls];
      return true;
    }
    const fewest = few && classes.fewPages[cls] > 0;
    const pages = fewest ? classes.fewPages[cls] : classes.pages[cls];
    let a = areas.findRun(pages);
    if (a === NONE) a = areas.growRun(pages);
    let page = areas.runFirst;
    if (a === NONE) {
      a = areas.map(pages);
      if (a === NONE) return false;
      page = 0;
    }
    areas.claim(a, page, pages, slab);
    this.area = a;
    this.firstUnit = page * UNITS_PER_PAGE;
    this.units = pages * UNITS_PER_PAGE;
    this.objects = fewest ? classes.fewObjects[cls] : classes.objects[cls];
    this.bitmapOrder = bitmapOrderFor(this.objects);
    return true;
  }
}
