/**
 * The slabs' bookkeeping: a row of typed arrays indexed by slab id (class, area, run of units,
 * objects, live count, bitmap, links), the ids handed out and free, and per class the partial
 * list (slabs with a free object), the slab count and the live blocks. SlabCache builds on it;
 * the checker and stats read it.
 */
import { resized } from './grown.js';
import * as heapConstants from './heap-constants.js';

// A module-local copy, folded into the optimized code (heap-constants.ts says why).
const { NONE } = heapConstants;

const INITIAL_SLABS = 64;

export class SlabTable {
  // Indexed by class.
  /** First slab of the class with a free object, or NONE. */
  readonly partial: Int32Array;
  readonly slabsOf: Int32Array;
  readonly liveOf: Int32Array;

  // Indexed by slab id.
  classOf = new Uint16Array(0);
  /** The class the slab was made for (a one-object slab grown in place by realloc differs). */
  madeFor = new Uint16Array(0);
  /** The units the slab was made with (its shape for that class). */
  madeUnits = new Uint16Array(0);
  /** The slab's area; NONE for an unused id. */
  area = new Int32Array(0);
  /** The slab's first unit (SLAB_UNIT bytes) in its area. */
  firstUnit = new Uint16Array(0);
  /** Units the slab spans: a small slab fewer than a page's, a page slab whole pages. */
  units = new Uint16Array(0);
  /** Objects the slab holds. */
  objects = new Uint16Array(0);
  live = new Uint16Array(0);
  /** Objects at index >= high were never handed out since the slab was made. */
  high = new Uint16Array(0);
  /** Whether the slab's pages held blocks before it was made (so fresh objects are not zero). */
  dirty = new Uint8Array(0);
  /** No bitmap word below this one has a free object. */
  protected hint = new Uint16Array(0);
  next = new Int32Array(0);
  prev = new Int32Array(0);
  base = new Float64Array(0);
  /** Where each slab's bitmap starts in the bitmap words. */
  bitmapAt = new Int32Array(0);
  protected freeIds = new Int32Array(0);
  protected freeIdCount = 0;
  protected capacity = 0;
  /** Ids below this were handed out at least once. */
  idsUsed = 0;
  count = 0;

  constructor(classCount: number) {
    this.partial = new Int32Array(classCount).fill(NONE);
    this.slabsOf = new Int32Array(classCount);
    this.liveOf = new Int32Array(classCount);
    this.resizeTables(INITIAL_SLABS);
  }

  /** Live blocks (summed over the classes when asked: the hot paths count only per class). */
  get liveBlocks(): number {
    let blocks = 0;
    for (let c = 0; c < this.liveOf.length; c++) blocks += this.liveOf[c];
    return blocks;
  }

  /** Bytes of the tables. */
  protected get tableBytes(): number {
    return (
      this.partial.byteLength +
      this.slabsOf.byteLength +
      this.liveOf.byteLength +
      this.classOf.byteLength +
      this.madeFor.byteLength +
      this.madeUnits.byteLength +
      this.area.byteLength +
      this.firstUnit.byteLength +
      this.units.byteLength +
      this.objects.byteLength +
      this.live.byteLength +
      this.high.byteLength +
      this.dirty.byteLength +
      this.hint.byteLength +
      this.next.byteLength +
      this.prev.byteLength +
      this.base.byteLength +
      this.bitmapAt.byteLength +
      this.freeIds.byteLength
    );
  }

  /** Makes the tables copies of `other`'s (a forked heap's). */
  protected copyTableFrom(other: SlabTable): void {
    this.partial.set(other.partial);
    this.slabsOf.set(other.slabsOf);
    this.liveOf.set(other.liveOf);
    this.classOf = other.classOf.slice();
    this.madeFor = other.madeFor.slice();
    this.madeUnits = other.madeUnits.slice();
    this.area = other.area.slice();
    this.firstUnit = other.firstUnit.slice();
    this.units = other.units.slice();
    this.objects = other.objects.slice();
    this.live = other.live.slice();
    this.high = other.high.slice();
    this.dirty = other.dirty.slice();
    this.hint = other.hint.slice();
    this.next = other.next.slice();
    this.prev = other.prev.slice();
    this.base = other.base.slice();
    this.bitmapAt = other.bitmapAt.slice();
    this.freeIds = other.freeIds.slice();
    this.freeIdCount = other.freeIdCount;
    this.capacity = other.capacity;
    this.idsUsed = other.idsUsed;
    this.count = other.count;
  }

  protected linkPartial(cls: number, s: number): void {
    const head = this.partial[cls];
    this.next[s] = head;
    this.prev[s] = NONE;
    if (head !== NONE) this.prev[head] = s;
    this.partial[cls] = s;
  }

  protected unlinkPartial(cls: number, s: number): void {
    const next = this.next[s];
    const prev = this.prev[s];
    if (prev === NONE) this.partial[cls] = next;
    else this.next[prev] = next;
    if (next !== NONE) this.prev[next] = prev;
  }

  /**
   * Room for `capacity` slab ids: more, or fewer when the ids past it are unused (a refused call
   * gives back the room it made, so the heap's bookkeeping bytes are as they were).
   */
  protected resizeTables(capacity: number): void {
    this.classOf = resized(this.classOf, capacity);
    this.madeFor = resized(this.madeFor, capacity);
    this.madeUnits = resized(this.madeUnits, capacity);
    this.area = resized(this.area, capacity, NONE);
    this.firstUnit = resized(this.firstUnit, capacity);
    this.units = resized(this.units, capacity);
    this.objects = resized(this.objects, capacity);
    this.live = resized(this.live, capacity);
    this.high = resized(this.high, capacity);
    this.dirty = resized(this.dirty, capacity);
    this.hint = resized(this.hint, capacity);
    this.next = resized(this.next, capacity, NONE);
    this.prev = resized(this.prev, capacity, NONE);
    this.base = resized(this.base, capacity);
    this.bitmapAt = resized(this.bitmapAt, capacity);
    this.freeIds = resized(this.freeIds, capacity);
    this.capacity = capacity;
  }
}
