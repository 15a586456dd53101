/**
 * The shape of every size class, fixed when the heap is made: each class's object size, the pages
 * of one of its slabs and the objects a slab holds, the size-to-class lookup, and how far a class
 * may borrow from bigger ones. Shared (never copied) by a heap and its forked clones.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { WORD_BITS } from './bit-runs.js';
import { PAGE_SIZE } from './heap-constants.js';
import { slabPagesFor } from './size-classes.js';

/** A slab's live count is a Uint16: no slab may hold more objects. */
const MAX_OBJECTS_PER_SLAB = 0xffff;

export class SizeClassTable {
  readonly count: number;
  readonly size: Int32Array;
  /** Pages one slab of the class spans. */
  readonly pages: Int32Array;
  /** Objects one slab of the class holds. */
  readonly objects: Int32Array;
  /** log2 of the bitmap words a slab of each class takes (a power of two >= its objects / 32). */
  readonly bitmapOrder: Uint8Array;
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
    borrowWaste: number,
    heapName: string,
  ) {
    const count = sizes.length;
    this.count = count;
    this.size = Int32Array.from(sizes);
    this.pages = new Int32Array(count);
    this.objects = new Int32Array(count);
    this.bitmapOrder = new Uint8Array(count);
    this.borrowLimit = new Int32Array(count);
    for (let c = 0; c < count; c++) {
      const pages = slabPagesFor(sizes[c], pagesPerArea, maxSlabWaste);
      this.pages[c] = pages;
      this.objects[c] = Math.floor((pages * PAGE_SIZE) / sizes[c]);
      if (this.objects[c] > MAX_OBJECTS_PER_SLAB)
        throw new InvalidArgumentError(`${heapName}: a slab would hold ${this.objects[c]} objects`);
      this.bitmapOrder[c] = Math.ceil(Math.log2(Math.ceil(this.objects[c] / WORD_BITS)));
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
      this.byGranules.byteLength
    );
  }
}
