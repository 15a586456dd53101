/**
 * The areas' bookkeeping: their geometry (pages and units an area), a row of typed arrays indexed
 * by area id (base, page masks, mapped bytes, the slab on each page), the ids handed out and
 * free, the open list (areas with a free page) and the address map, with the lookup free() makes
 * first (the area an address lies in). AreaPool builds on it; the checker reads it.
 */
import { FULL_WORD, WORD_BITS } from './bit-runs.js';
import { resized } from './grown.js';
import * as heapConstants from './heap-constants.js';
import { NumberMap } from './number-map.js';

// Module-local copies, folded into the optimized code (heap-constants.ts says why).
const { NONE, PAGE_SIZE, SLAB_UNIT } = heapConstants;

export class AreaTable {
  readonly areaSize: number;
  /** 1 / areaSize, exact (a power of two): an address's area key without a division. */
  private readonly inverseAreaSize: number;
  readonly pagesPerArea: number;
  readonly unitsPerArea: number;
  /** `used` of an area whose every page is taken. */
  readonly fullMask: number;

  // Indexed by area id.
  base = new Float64Array(0);
  /** A bit a page: taken by a slab. */
  used = new Uint32Array(0);
  /** A bit a page: not mapped yet (the area's tail, until it grows). */
  unmapped = new Uint32Array(0);
  /** Bytes of each area mapped: whole pages from its base, up to areaSize. */
  mappedBytes = new Float64Array(0);
  /** Areas with unmapped pages. */
  growable = 0;
  /** A bit a page: handed out to a block since the area was mapped (resident). */
  touched = new Uint32Array(0);
  live = new Uint8Array(0);
  /** Slabs on the area's pages (a free checks for 1: is its slab the last thing in its area). */
  slabsIn = new Uint16Array(0);
  next = new Int32Array(0);
  prev = new Int32Array(0);
  /**
   * The slab on each page of each area (`area * pagesPerArea + page`): a page slab's id,
   * SHARED_PAGE for a page small slabs share (SharedPages has the slab of each of its units), or
   * NONE.
   */
  pageSlab = new Int32Array(0);
  protected freeIds = new Int32Array(0);
  protected freeIdCount = 0;
  protected capacity = 0;
  /** Ids below this were handed out at least once. */
  idsUsed = 0;
  count = 0;
  /** Areas with at least one free page, in the order they joined. */
  openHead = NONE;
  protected openTail = NONE;
  readonly byKey = new NumberMap();
  /**
   * The area areaOf found last and its key (NaN: none), looked at before the map: frees come in
   * runs from one area (a hash lookup was a third of a free).
   */
  private lastKey = Number.NaN;
  private lastArea = NONE;

  constructor(areaSize: number) {
    this.areaSize = areaSize;
    this.inverseAreaSize = 1 / areaSize;
    this.pagesPerArea = areaSize / PAGE_SIZE;
    this.unitsPerArea = areaSize / SLAB_UNIT;
    this.fullMask = this.pagesPerArea === WORD_BITS ? FULL_WORD : (1 << this.pagesPerArea) - 1;
  }

  /** The area holding `va` (in its mapped part: another range may lie in its tail), or NONE. */
  areaOf(va: number): number {
    const key = Math.floor(va * this.inverseAreaSize);
    const a = key === this.lastKey ? this.lastArea : this.areaAtKey(key);
    return a !== NONE && va - this.base[a] < this.mappedBytes[a] ? a : NONE;
  }

  /** The area of address-map key `key` (the one areaOf looks at first from then on), or NONE. */
  private areaAtKey(key: number): number {
    const a = this.byKey.get(key);
    if (a !== NONE) {
      this.lastKey = key;
      this.lastArea = a;
    }
    return a;
  }

  /** Area `a` (at `base`) leaves the address map. */
  protected forget(a: number, base: number): void {
    this.byKey.delete(base / this.areaSize);
    if (a === this.lastArea) this.lastKey = Number.NaN;
  }

  /** Whether area `a` has no free mapped page (so it is off the open list). */
  protected isFull(a: number): boolean {
    return (this.used[a] | this.unmapped[a]) >>> 0 === this.fullMask >>> 0;
  }

  /** Bytes of the tables. */
  protected get tableBytes(): number {
    return (
      this.base.byteLength +
      this.used.byteLength +
      this.unmapped.byteLength +
      this.mappedBytes.byteLength +
      this.touched.byteLength +
      this.live.byteLength +
      this.slabsIn.byteLength +
      this.next.byteLength +
      this.prev.byteLength +
      this.pageSlab.byteLength +
      this.freeIds.byteLength +
      this.byKey.byteLength
    );
  }

  /** Makes the tables copies of `other`'s (a forked heap's). */
  protected copyTableFrom(other: AreaTable): void {
    this.base = other.base.slice();
    this.used = other.used.slice();
    this.unmapped = other.unmapped.slice();
    this.mappedBytes = other.mappedBytes.slice();
    this.growable = other.growable;
    this.touched = other.touched.slice();
    this.live = other.live.slice();
    this.slabsIn = other.slabsIn.slice();
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
    this.byKey.copyFrom(other.byKey);
    this.lastKey = Number.NaN;
  }

  protected linkOpen(a: number): void {
    this.next[a] = NONE;
    this.prev[a] = this.openTail;
    if (this.openTail !== NONE) this.next[this.openTail] = a;
    else this.openHead = a;
    this.openTail = a;
  }

  protected unlinkOpen(a: number): void {
    const next = this.next[a];
    const prev = this.prev[a];
    if (prev === NONE) this.openHead = next;
    else this.next[prev] = next;
    if (next === NONE) this.openTail = prev;
    else this.prev[next] = prev;
  }

  /** Room for `capacity` areas: more, or fewer when the ids past it are unused (a refused call's). */
  protected resizeTables(capacity: number): void {
    this.base = resized(this.base, capacity);
    this.used = resized(this.used, capacity);
    this.unmapped = resized(this.unmapped, capacity);
    this.mappedBytes = resized(this.mappedBytes, capacity);
    this.touched = resized(this.touched, capacity);
    this.live = resized(this.live, capacity);
    this.slabsIn = resized(this.slabsIn, capacity);
    this.next = resized(this.next, capacity, NONE);
    this.prev = resized(this.prev, capacity, NONE);
    this.pageSlab = resized(this.pageSlab, capacity * this.pagesPerArea, NONE);
    this.freeIds = resized(this.freeIds, capacity);
    this.capacity = capacity;
  }
}
