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
  return objects <= WORD_BITS ? 0 : 32 - Math.clz32(Math.ceil(objects / WORD_BITS) - 1);
}

/**
 * A class with fewer live blocks than this gets one-object small slabs: each block an exact run
 * of units in the shared pages, no partly used slab held for it. Small programs' mean resident
 * utilization (seed 1): 0.818 at 16, 0.838 at 64, 0.848 at 128, 0.867 at 256 (their bound is
 * 0.900); the large traces' mean utilization stays 0.92 to 0.94, and warm throughput on the small
 * programs falls from 4 to 17 times MemPool's at 16 to 2 to 10 times at 256.
 */
export const SPARSE_CLASS_BLOCKS = 256;

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
    const sparse = live < SPARSE_CLASS_BLOCKS && classes.oneUnits[cls] > 0;
    if (sparse || (few && classes.smallUnits[cls] > 0)) {
      let one = sparse;
      const step = classes.runStep[cls];
      let a = NONE;
      if (!one) {
        a = areas.shared.take(classes.smallUnits[cls], step, slab, false);
        // No shared page has room for the slab: one object's run may still fit, and save a page.
        if (a === NONE && classes.oneUnits[cls] > 0) {
          a = areas.shared.take(classes.oneUnits[cls], step, slab, false);
          one = a !== NONE;
        }
      }
      const units = one ? classes.oneUnits[cls] : classes.smallUnits[cls];
      if (a === NONE) a = areas.shared.take(units, step, slab);
      if (a === NONE) return false;
      this.area = a;
      this.firstUnit = areas.runFirst;
      this.units = units;
      this.objects = one ? 1 : classes.smallObjects[cls];
      this.bitmapOrder = one ? 0 : classes.smallBitmapOrder[cls];
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
