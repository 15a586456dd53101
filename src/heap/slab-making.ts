/**
 * Making and giving back slabs: a new slab's place and shape (SlabPlacement), its bitmap, its
 * tables, and the exact inverse of the last one made (a call undone); the spare slab and the
 * count of kept empty slabs. SlabCache builds its malloc and free on it.
 */
import type { AreaPool } from './area-pool.js';
import { WORD_BITS } from './bit-runs.js';
import * as heapConstants from './heap-constants.js';
import type { SizeClassTable } from './size-class-table.js';
import { SlabBitmaps } from './slab-bitmaps.js';
import { bitmapOrderFor, SlabPlacement } from './slab-placement.js';
import { SlabTable } from './slab-table.js';

// Module-local copies, folded into the optimized code (heap-constants.ts says why).
const { NONE, SLAB_UNIT, UNITS_PER_PAGE } = heapConstants;

export class SlabMaking extends SlabTable {
  readonly classes: SizeClassTable;
  readonly bitmaps = new SlabBitmaps();
  /** The class table's sizes and their inverses, held here too: the hot paths read them. */
  readonly classSize: Int32Array;
  readonly inverseSize: Float64Array;
  /** `bitmaps.words` (it is replaced when it grows). */
  protected words: Uint32Array;
  /**
   * The slab whose last object was freed last, kept empty in its class's partial list instead of
   * given back, or NONE: a program that mallocs and frees one block of a class in a loop would
   * otherwise make and destroy a slab each time (python3 did so 120 000 times a run with a class
   * whose small slab holds one object). When another slab empties it goes. It never holds an area
   * alone: a slab that is the last thing in its area is given back at once, as before, and the
   * spare goes when the rest of its area does.
   */
  spare = NONE;
  /**
   * Empty slabs held besides the spare: those emptyAll() kept (a warm heap's, ready for the next
   * run of the program), those free() emptied while the heap is warm, and, for an instant, one
   * make() just made. Taking an object from one, or trim, ends it.
   */
  kept = 0;

  // What the last make changed, so unmake can take it back exactly.
  private lastIdReused = false;
  /** Slab ids the tables had room for before the last make (unmake gives back what it added). */
  private lastCapacity = 0;

  private readonly placement: SlabPlacement;

  constructor(
    classes: SizeClassTable,
    protected readonly areas: AreaPool,
  ) {
    super(classes.count);
    this.classes = classes;
    this.placement = new SlabPlacement(classes, areas);
    this.classSize = classes.size;
    this.inverseSize = classes.inverseSize;
    this.words = this.bitmaps.words;
  }

  /** Gives back empty slab `s` (in its class's partial list). */
  protected dropEmpty(s: number): void {
    if (s === this.spare) this.spare = NONE;
    this.unlinkPartial(this.classOf[s], s);
    this.destroy(s);
  }

  /** Whether slab `s` is the only thing in its area (no other slab on its pages or units). */
  protected alone(s: number): boolean {
    return this.areas.slabsIn[this.area[s]] === 1;
  }

  /** Makes a slab for `cls`, where and as SlabPlacement decides; NONE if out of memory. */
  protected make(cls: number): number {
    this.lastCapacity = this.capacity;
    if (this.freeIdCount === 0 && this.idsUsed === this.capacity) this.resizeTables(this.capacity * 2);
    const s = this.freeIdCount > 0 ? this.freeIds[this.freeIdCount - 1] : this.idsUsed;
    const placed = this.placement;
    if (!placed.place(cls, this.liveOf[cls], s)) {
      this.shrinkBack();
      return NONE;
    }
    const a = placed.area;
    const first = placed.firstUnit;
    const units = placed.units;
    const objects = placed.objects;
    const order = placed.bitmapOrder;
    this.lastIdReused = this.freeIdCount > 0;
    if (this.freeIdCount > 0) this.freeIdCount--;
    else this.idsUsed++;
    this.classOf[s] = cls;
    this.madeFor[s] = cls;
    this.area[s] = a;
    this.firstUnit[s] = first;
    this.units[s] = units;
    this.madeUnits[s] = units;
    this.objects[s] = objects;
    this.live[s] = 0;
    this.high[s] = 0;
    this.hint[s] = 0;
    const firstPage = Math.floor(first / UNITS_PER_PAGE);
    const lastPage = Math.ceil((first + units) / UNITS_PER_PAGE);
    this.dirty[s] = this.areas.wasTouched(a, firstPage, lastPage - firstPage) ? 1 : 0;
    this.base[s] = this.areas.base[a] + first * SLAB_UNIT;
    const at = this.bitmaps.take(order);
    this.bitmapAt[s] = at;
    this.words = this.bitmaps.words;
    this.clearBitmap(at, objects, this.words);
    this.linkPartial(cls, s);
    this.slabsOf[cls]++;
    this.areas.slabsIn[a]++;
    this.count++;
    this.kept++; // empty until take() hands out its first object
    return s;
  }

  /** Marks every object of the bitmap at `at` free; bits past the last object stay set, so the search never hands them out. */
  protected clearBitmap(at: number, objects: number, words: Uint32Array): void {
    const usedWords = Math.ceil(objects / WORD_BITS);
    for (let w = 0; w < usedWords; w++) words[at + w] = 0;
    if (objects % WORD_BITS !== 0) words[at + usedWords - 1] = ~((1 << (objects % WORD_BITS)) - 1) >>> 0;
  }

  /** The inverse of make(s), right after it: the id, the bitmap segment and the run as they were. */
  protected unmake(s: number): void {
    const cls = this.classOf[s];
    this.bitmaps.untake(this.bitmapOrder(s), this.bitmapAt[s]);
    const a = this.area[s];
    this.area[s] = NONE;
    this.slabsOf[cls]--;
    this.areas.slabsIn[a]--;
    this.count--;
    if (this.lastIdReused) this.freeIds[this.freeIdCount++] = s;
    else this.idsUsed--;
    if (this.isSmall(s)) this.areas.shared.untake(a, this.firstUnit[s], this.units[s]);
    else this.areas.unclaim(a, this.firstUnit[s] / UNITS_PER_PAGE, this.units[s] / UNITS_PER_PAGE);
    this.shrinkBack();
    this.words = this.bitmaps.words;
  }

  /** The tables as big as they were before the last make, which is undone. */
  private shrinkBack(): void {
    if (this.capacity !== this.lastCapacity) this.resizeTables(this.lastCapacity);
  }

  /** Whether slab `s` is a small slab (a run of units in a shared page). */
  isSmall(s: number): boolean {
    return this.units[s] < UNITS_PER_PAGE;
  }

  /** Gives an empty slab's pages or units back to its area (which is kept or given back when it empties). */
  protected destroy(s: number): void {
    const cls = this.classOf[s];
    const a = this.area[s];
    const units = this.units[s];
    this.bitmaps.give(this.bitmapOrder(s), this.bitmapAt[s]);
    this.area[s] = NONE;
    this.slabsOf[cls]--;
    this.areas.slabsIn[a]--;
    this.count--;
    this.freeIds[this.freeIdCount++] = s;
    if (units < UNITS_PER_PAGE) this.areas.shared.give(a, this.firstUnit[s], units);
    else this.areas.vacate(a, this.firstUnit[s] / UNITS_PER_PAGE, units / UNITS_PER_PAGE);
    // The spare slab never holds an area alone.
    const spare = this.spare;
    if (spare !== NONE && this.area[spare] === a && this.alone(spare)) this.dropEmpty(spare);
  }

  /** log2 of the bitmap words slab `s` took. */
  bitmapOrder(s: number): number {
    return bitmapOrderFor(this.objects[s]);
  }
}
