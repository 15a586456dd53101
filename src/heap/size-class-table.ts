/**
 * The shape of every size class, fixed when the heap is made: each class's object size, the pages
 * of one of its slabs and the objects a slab holds, the size-to-class lookup, and how far a class
 * may borrow from bigger ones. Shared (never copied) by a heap and its forked clones.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { WORD_BITS } from './bit-runs.js';
import { MAX_SLAB_ALIGNMENT, PAGE_SIZE, SLAB_UNIT, UNITS_PER_PAGE } from './heap-constants.js';
import { slabPagesFor } from './size-classes.js';

/**
 * Added to offset * (1 / size) before truncating: the product of an exact multiple k * size may
 * round to just below k (by k * 2^-52 at most), and one that is not a multiple lies at least
 * 1 / size (>= 2^-14 for classes up to 16 KiB) below the next integer, so any margin between
 * those two finds the right index.
 */
export const INDEX_ROUNDING = 2 ** -20;

/** The step a small slab's object count is chosen by (the unit it had when it was 128 bytes). */
const SMALL_SLAB_STEP = 128;

/** A slab's live count is a Uint16: no slab may hold more objects. */
const MAX_OBJECTS_PER_SLAB = 0xffff;

export class SizeClassTable {
  readonly count: number;
  readonly size: Int32Array;
  /**
   * 1 / size, for an object's index without a division (a free's address lookup):
   * `(offset * inverseSize + INDEX_ROUNDING) | 0` is offset / size rounded down for every offset
   * below 2^17, exact multiples included (see INDEX_ROUNDING).
   */
  readonly inverseSize: Float64Array;
  /** Pages one slab of the class spans. */
  readonly pages: Int32Array;
  /** Objects one slab of the class holds. */
  readonly objects: Int32Array;
  /** log2 of the bitmap words a slab of each class takes (a power of two >= its objects / 32). */
  readonly bitmapOrder: Uint8Array;
  /**
   * Units (SLAB_UNIT bytes) of the class's small slab, a run inside a shared page, or 0 when no
   * run shorter than a page holds an object with at most the small-slab waste allowed.
   */
  readonly smallUnits: Int32Array;
  /** Objects one small slab of the class holds. */
  readonly smallObjects: Int32Array;
  readonly smallBitmapOrder: Uint8Array;
  /**
   * Units of a one-object small slab (an exact run for a block of a class with very few), or 0
   * when that is a page or more.
   */
  readonly oneUnits: Int32Array;
  /** Units a slab's start is a multiple of: its size's alignment, up to MAX_SLAB_ALIGNMENT. */
  readonly runStep: Int32Array;
  /**
   * Pages of the class's first slabs while it has few blocks: the fewest that hold an object, or
   * 0 when that is its page slab already (or a small slab serves it).
   */
  readonly fewPages: Int32Array;
  readonly fewObjects: Int32Array;
  /** The biggest class a request of each class may borrow an object from. */
  readonly borrowLimit: Int32Array;
  /** Class of a request, indexed by its size in granules rounded up. */
  private readonly byGranules: Uint16Array;
  private readonly granuleShift: number;
  private readonly granuleMask: number;

  constructor(
    sizes: readonly number[],
    granule: number,
    pagesPerArea: number,
    maxSlabWaste: number,
    maxSmallSlabWaste: number,
    borrowWaste: number,
    heapName: string,
  ) {
    const count = sizes.length;
    this.count = count;
    this.size = Int32Array.from(sizes);
    this.inverseSize = Float64Array.from(sizes, (size) => 1 / size);
    this.pages = new Int32Array(count);
    this.objects = new Int32Array(count);
    this.bitmapOrder = new Uint8Array(count);
    this.borrowLimit = new Int32Array(count);
    this.smallUnits = new Int32Array(count);
    this.smallObjects = new Int32Array(count);
    this.smallBitmapOrder = new Uint8Array(count);
    this.oneUnits = new Int32Array(count);
    this.runStep = new Int32Array(count);
    this.fewPages = new Int32Array(count);
    this.fewObjects = new Int32Array(count);
    for (let c = 0; c < count; c++) {
      const pages = slabPagesFor(sizes[c], pagesPerArea, maxSlabWaste);
      this.pages[c] = pages;
      this.objects[c] = Math.floor((pages * PAGE_SIZE) / sizes[c]);
      if (this.objects[c] > MAX_OBJECTS_PER_SLAB)
        throw new InvalidArgumentError(`${heapName}: a slab would hold ${this.objects[c]} objects`);
      this.bitmapOrder[c] = Math.ceil(Math.log2(Math.ceil(this.objects[c] / WORD_BITS)));
      // A small slab of many objects holds as many as the fewest SMALL_SLAB_STEP-byte steps with
      // a tail waste of at most maxSmallSlabWaste would, in a run of just their bytes.
      for (let steps = 1; steps * SMALL_SLAB_STEP < PAGE_SIZE; steps++) {
        const bytes = steps * SMALL_SLAB_STEP;
        const objects = Math.floor(bytes / sizes[c]);
        if (objects > 0 && bytes - objects * sizes[c] <= bytes * maxSmallSlabWaste) {
          this.smallUnits[c] = Math.ceil((objects * sizes[c]) / SLAB_UNIT);
          this.smallObjects[c] = objects;
          this.smallBitmapOrder[c] = Math.ceil(Math.log2(Math.ceil(objects / WORD_BITS)));
          break;
        }
      }
      // Only exact runs (a class of 8-byte alignment whose size is no multiple of the unit keeps
      // its small slab of many objects, packed 8 bytes apart).
      const oneUnits = sizes[c] / SLAB_UNIT;
      this.oneUnits[c] = Number.isInteger(oneUnits) && oneUnits < UNITS_PER_PAGE ? oneUnits : 0;
      const alignment = Math.min(sizes[c] & -sizes[c], MAX_SLAB_ALIGNMENT);
      this.runStep[c] = Math.max(1, alignment / SLAB_UNIT);
      const fewest = Math.ceil(sizes[c] / PAGE_SIZE);
      if (this.smallUnits[c] === 0 && fewest < pages) {
        this.fewPages[c] = fewest;
        this.fewObjects[c] = Math.floor((fewest * PAGE_SIZE) / sizes[c]);
      }
      let limit = c;
      while (limit + 1 < count && sizes[limit + 1] <= sizes[c] * (1 + borrowWaste)) limit++;
      this.borrowLimit[c] = limit;
    }
    this.granuleShift = Math.log2(granule);
    this.granuleMask = granule - 1;
    const largest = sizes[count - 1];
    this.byGranules = new Uint16Array((largest >> this.granuleShift) + 1);
    let c = 0;
    for (let granules = 0; granules < this.byGranules.length; granules++) {
      while (sizes[c] < granules << this.granuleShift) c++;
      this.byGranules[granules] = c;
    }
  }

  /** The smallest class that holds `size` bytes (at most the largest class's size). */
  classOf(size: number): number {
    return this.byGranules[(size + this.granuleMask) >> this.granuleShift];
  }

  /** Bytes of the tables. */
  get byteLength(): number {
    return (
      this.size.byteLength +
      this.pages.byteLength +
      this.objects.byteLength +
      this.bitmapOrder.byteLength +
      this.borrowLimit.byteLength +
      this.smallUnits.byteLength +
      this.smallObjects.byteLength +
      this.smallBitmapOrder.byteLength +
      this.oneUnits.byteLength +
      this.runStep.byteLength +
      this.fewPages.byteLength +
      this.fewObjects.byteLength +
      this.byGranules.byteLength
    );
  }
}
