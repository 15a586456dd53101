/**
 * The slabs small blocks come from: a slab is a run of pages of one area cut into objects of one
 * size class, a bit each in its bitmap (lowest free object first); SlabPlacement decides where a
 * new one goes and its shape (a run of units in a shared page while its class is small), and
 * SlabMaking makes and gives back slabs. A class's slabs with a free object form its partial
 * list; a slab whose last object is freed gives its pages (or units) back to its area, or stays
 * as the one spare slab (while the heap is warm, after freeAll, every one of at most a page
 * stays). A one-object slab (most slabs of a class with few blocks) keeps no bit: its object is
 * live when its live count is 1, and its bitmap word stays as make() left it. Used by Heap for
 * every small malloc and free; read by the checker and stats.
 */
import * as bitRuns from './bit-runs.js';
import * as heapConstants from './heap-constants.js';
import { SlabMaking } from './slab-making.js';
import { SPARSE_CLASS_BLOCKS } from './slab-placement.js';

// Module-local copies, folded into the optimized code (heap-constants.ts says why).
const { NONE, SLAB_UNIT, UNITS_PER_PAGE } = heapConstants;
const { FULL_WORD, WORD_BITS } = bitRuns;

const WORD_SHIFT = Math.log2(WORD_BITS);
const BIT_MASK = WORD_BITS - 1;

export class SlabCache extends SlabMaking {
  /** Whether the last allocate() got an object never handed out on clean pages (still zero). */
  lastFresh = false;
  /**
   * Set by emptyAll() until the heap's trim(): the heap runs the program again on what its last
   * run left, so a slab its frees empty is kept as those emptyAll() kept are, not given back (a
   * warm run of sort made and gave back 21 slabs a pass).
   */
  warm = false;

  // What the last allocate changed, so undoAllocate can take it back exactly.
  private lastSlab = NONE;
  private lastIndex = 0;
  private lastMade = false;
  private lastHigh = 0;
  private lastHint = 0;
  private lastTouched = 0;
  private lastTookSpare = false;
  private lastTookEmpty = false;
  /** Index of the object takeFromBitmap() handed out last. */
  private takenIndex = 0;

  /**
   * An object of class `cls`, making a slab when the class has no free one; 0 when out of memory.
   * What it changed is recorded for undoAllocate.
   */
  allocate(cls: number): number {
    let s = this.partial[cls];
    this.lastMade = s === NONE;
    if (s === NONE) {
      s = this.make(cls);
      if (s === NONE) return 0;
    }
    this.lastSlab = s;
    this.lastHint = this.hint[s];
    this.lastHigh = this.high[s];
    this.lastTouched = this.areas.touched[this.area[s]];
    this.lastTookSpare = s === this.spare;
    this.lastTookEmpty = this.live[s] === 0;
    const va = this.take(s, cls);
    const index = this.objects[s] === 1 ? 0 : this.takenIndex;
    this.lastIndex = index;
    // Only calloc asks (it skips zeroing a fresh object), and only after allocate: take() leaves
    // it alone, one write fewer on malloc's fast path.
    this.lastFresh = index >= this.lastHigh && this.dirty[s] === 0;
    return va;
  }

  /**
   * An object of class `cls`, which has a slab with a free one: nothing to make, nothing that can
   * fail, nothing recorded (malloc's fast path).
   */
  allocateFree(cls: number): number {
    return this.take(this.partial[cls], cls);
  }

  /**
   * Hands out the lowest free object of slab `s` (of class `cls`, with a free object). The hot
   * paths are methods of their own, each small: V8 inlines a call only while the caller's inlined
   * bytecode stays under a budget (920 bytes), and a method's cold branches count against it too.
   */
  private take(s: number, cls: number): number {
    return this.objects[s] === 1 ? this.takeOnly(s, cls) : this.takeFromBitmap(s, cls);
  }

  /** take() of a slab of many objects: the lowest clear bit of its bitmap. */
  private takeFromBitmap(s: number, cls: number): number {
    if (this.live[s] === 0) this.leaveKept(s);
    const words = this.words;
    const first = this.bitmapAt[s];
    let w = this.hint[s];
    let bits = words[first + w];
    while (bits === FULL_WORD) bits = words[first + ++w];
    const low = ~bits & (bits + 1); // the lowest clear bit, alone
    words[first + w] = bits | low;
    this.hint[s] = w;
    const index = (w << WORD_SHIFT) + BIT_MASK - Math.clz32(low);
    this.takenIndex = index;
    const size = this.classSize[cls];
    if (++this.live[s] === this.objects[s]) this.unlinkHead(cls, s);
    if (index >= this.high[s]) {
      this.high[s] = index + 1;
      const start = this.firstUnit[s] * SLAB_UNIT;
      this.areas.touch(this.area[s], start, start + (index + 1) * size);
    }
    this.liveOf[cls]++;
    return this.base[s] + index * size;
  }

  /**
   * take() of a one-object slab: it was empty (the spare or a kept one), its live count says its
   * object is live, its hint stays 0, and it leaves its class's list full.
   */
  private takeOnly(s: number, cls: number): number {
    this.leaveKept(s);
    this.live[s] = 1;
    this.unlinkHead(cls, s);
    if (this.high[s] === 0) this.firstTaken(s, cls);
    this.liveOf[cls]++;
    return this.base[s];
  }

  /** Slab `s`, the head of class `cls`'s partial list (take's always is), leaves it full. */
  private unlinkHead(cls: number, s: number): void {
    const next = this.next[s];
    this.partial[cls] = next;
    if (next !== NONE) this.prev[next] = NONE;
  }

  /** Empty slab `s` gets a block: it is no longer the spare or a kept one. */
  private leaveKept(s: number): void {
    if (s === this.spare) this.spare = NONE;
    else this.kept--;
  }

  /** takeOnly() of a slab whose object was never handed out: its pages count as resident. */
  private firstTaken(s: number, cls: number): void {
    this.high[s] = 1;
    const start = this.firstUnit[s] * SLAB_UNIT;
    this.areas.touch(this.area[s], start, start + this.classSize[cls]);
  }

  /** Frees object `index` of slab `s`. */
  free(s: number, index: number): void {
    if (this.objects[s] === 1) this.freeOnly(s, this.classOf[s]);
    else this.freeInBitmap(s, index);
  }

  /** free() in a slab of many objects. */
  private freeInBitmap(s: number, index: number): void {
    const cls = this.classOf[s];
    const w = index >>> WORD_SHIFT;
    this.words[this.bitmapAt[s] + w] &= ~(1 << (index & BIT_MASK));
    if (w < this.hint[s]) this.hint[s] = w;
    const objects = this.objects[s];
    const live = --this.live[s];
    this.liveOf[cls]--;
    if (live === 0) {
      this.emptied(s, cls, true);
    } else if (live === objects - 1) {
      this.linkPartial(cls, s);
    }
  }

  /** free() of a one-object slab: it empties. */
  private freeOnly(s: number, cls: number): void {
    this.live[s] = 0;
    this.liveOf[cls]--;
    this.emptied(s, cls, false);
  }

  /**
   * Slab `s` of class `cls` has emptied; `listed` when it is on its class's list of partial slabs
   * (a slab of many objects; a one-object slab was full, so off it). While the heap is warm, one
   * of at most a page is kept as freeAll's are, for the class it was made for (a bigger one goes
   * as when cold: a buffer realloc'd upward empties one a class, and kept they filled areas);
   * else the last slab of its area goes, and any other is kept as the spare, the one before it
   * going.
   */
  private emptied(s: number, cls: number, listed: boolean): void {
    if (this.warm && this.units[s] <= UNITS_PER_PAGE) this.keepEmptied(s, cls, listed);
    else this.releaseEmptied(s, cls, listed);
  }

  /** emptied() while warm: kept, for the class it was made for. */
  private keepEmptied(s: number, cls: number, listed: boolean): void {
    if (!listed) this.linkPartial(this.ungrows(s) ? this.ungrow(s) : cls, s);
    this.kept++;
  }

  /** emptied() while cold (or a slab bigger than a page): given back, or made the spare. */
  private releaseEmptied(s: number, cls: number, listed: boolean): void {
    if (this.alone(s)) {
      if (listed) this.unlinkPartial(cls, s);
      this.destroy(s);
    } else {
      if (!listed) this.linkPartial(cls, s);
      const before = this.spare;
      this.spare = s;
      if (before !== NONE) this.dropEmpty(before);
    }
  }

  /**
   * Grows one-object small slab `s` (its block live) into a slab of class `cls` in place, when
   * `cls` would get a one-object slab too, its run may start where this one does and the units
   * after it on its page are free: a realloc that needs no copy. Whether it did.
   */
  growInPlace(s: number, cls: number): boolean {
    if (this.objects[s] === 1 && this.units[s] >= UNITS_PER_PAGE) return this.growPagesInPlace(s, cls);
    const classes = this.classes;
    const units = classes.oneUnits[cls];
    const first = this.firstUnit[s];
    if (
      this.objects[s] !== 1 ||
      this.units[s] >= UNITS_PER_PAGE ||
      units === 0 ||
      this.liveOf[cls] >= SPARSE_CLASS_BLOCKS ||
      first % classes.runStep[cls] !== 0
    )
      return false;
    if (!this.areas.shared.extend(this.area[s], first, this.units[s], units - this.units[s], s)) return false;
    this.regrown(s, cls, units);
    return true;
  }

  /**
   * growInPlace of a one-object page slab: when `cls` would get a one-object page slab too and the
   * pages after this one's in its area are mapped and free, it takes them (a buffer realloc'd
   * upward through the classes past a page: `realloc` made a slab and copied its block 32 times
   * a pass).
   */
  private growPagesInPlace(s: number, cls: number): boolean {
    const classes = this.classes;
    const pages =
      classes.fewPages[cls] > 0 && classes.fewObjects[cls] === 1
        ? classes.fewPages[cls]
        : classes.objects[cls] === 1
          ? classes.pages[cls]
          : 0;
    const had = this.units[s] / UNITS_PER_PAGE;
    if (pages < had) return false;
    const a = this.area[s];
    const first = this.firstUnit[s];
    if (pages > had && !this.areas.extendClaim(a, first / UNITS_PER_PAGE, had, pages - had, s)) return false;
    this.regrown(s, cls, pages * UNITS_PER_PAGE);
    return true;
  }

  /** Makes slab `s`, grown in place to `units` units, a slab of class `cls` (its block's pages resident). */
  private regrown(s: number, cls: number, units: number): void {
    const old = this.classOf[s];
    this.slabsOf[old]--;
    this.liveOf[old]--;
    this.slabsOf[cls]++;
    this.liveOf[cls]++;
    this.classOf[s] = cls;
    this.units[s] = units;
    const start = this.firstUnit[s] * SLAB_UNIT;
    this.areas.touch(this.area[s], start, start + this.classes.size[cls]);
  }

  /** Whether one-object slab `s` is a small slab realloc grew in place into another class. */
  private ungrows(s: number): boolean {
    return this.classOf[s] !== this.madeFor[s] && this.isSmall(s);
  }

  /**
   * Gives empty one-object slab `s`, grown in place, the shape of the class it was made for
   * again: the units past that go back to their page. Returns that class.
   */
  private ungrow(s: number): number {
    const made = this.madeFor[s];
    const units = this.madeUnits[s];
    // A class of the same run took no unit: none to give back.
    if (units < this.units[s])
      this.areas.shared.give(this.area[s], this.firstUnit[s] + units, this.units[s] - units);
    this.slabsOf[this.classOf[s]]--;
    this.slabsOf[made]++;
    this.classOf[s] = made;
    this.units[s] = units;
    return made;
  }

  /**
   * Takes back the last allocate: its object, the pages it counted as resident, and the slab it
   * made, if it made one (the slab's run goes back to its area as it was; the area pool's undo
   * then unmaps what it mapped). Called at once, when the memory step after it (calloc's zeroing,
   * realloc's copy) ran out of frames.
   */
  undoAllocate(): void {
    const s = this.lastSlab;
    const index = this.lastIndex;
    const cls = this.classOf[s];
    if (this.objects[s] !== 1)
      this.words[this.bitmapAt[s] + (index >>> WORD_SHIFT)] &= ~(1 << (index & BIT_MASK));
    this.hint[s] = this.lastHint;
    this.high[s] = this.lastHigh;
    this.areas.touched[this.area[s]] = this.lastTouched;
    if (this.lastTookSpare) this.spare = s;
    else if (this.lastTookEmpty) this.kept++;
    const wasFull = this.live[s] === this.objects[s];
    this.live[s]--;
    this.liveOf[cls]--;
    if (this.lastMade) {
      if (!wasFull) this.unlinkPartial(cls, s);
      this.unmake(s);
      this.kept--;
    } else if (wasFull) {
      // It was the head of the partial list when allocate took its last object.
      this.linkPartial(cls, s);
    }
  }

  /** Whether object `index` (below its object count) of slab `s` is live. */
  isLive(s: number, index: number): boolean {
    if (this.objects[s] === 1) return this.live[s] !== 0;
    return (this.words[this.bitmapAt[s] + (index >>> WORD_SHIFT)] & (1 << (index & BIT_MASK))) !== 0;
  }

  /** Drops every slab of area `a` and its blocks; the emptied area is kept or given back as any (releaseAll). */
  dropAllIn(a: number): void {
    for (let s = 0; s < this.idsUsed; s++) {
      if (this.area[s] !== a) continue;
      const cls = this.classOf[s];
      const live = this.live[s];
      this.liveOf[cls] -= live;
      if (live < this.objects[s]) this.unlinkPartial(cls, s);
      if (s === this.spare) this.spare = NONE;
      else if (live === 0) this.kept--;
      this.live[s] = 0;
      this.destroy(s);
    }
  }

  /**
   * Frees every block and keeps every slab, empty, in its class's list (a warm heap: the next run
   * of the program finds its slabs made). Objects once handed out stay below the high-water mark,
   * so calloc still zeroes them.
   */
  emptyAll(): void {
    const words = this.words;
    // Newest first, so the full slabs go back to the lists oldest at the head, as they were made.
    for (let s = this.idsUsed - 1; s >= 0; s--) {
      const live = this.live[s];
      if (this.area[s] === NONE || live === 0) continue;
      const cls = this.classOf[s];
      const objects = this.objects[s];
      this.liveOf[cls] -= live;
      // A one-object slab realloc grew in place is kept for the class it was made for: the next
      // run mallocs that class again (sort remade a slab a pass, and its grown class kept one more).
      if (live === objects) this.linkPartial(this.ungrows(s) ? this.ungrow(s) : cls, s);
      this.live[s] = 0;
      this.hint[s] = 0;
      this.clearBitmap(this.bitmapAt[s], objects, words);
      this.kept++;
    }
    this.warm = true;
  }

  /** Gives back the empty slabs emptyAll() and a warm heap's frees kept (trim). */
  dropKept(): void {
    for (let s = 0; s < this.idsUsed && this.kept > 0; s++) {
      if (this.area[s] === NONE || this.live[s] !== 0 || s === this.spare) continue;
      this.kept--;
      this.dropEmpty(s);
    }
  }

  /** Usable bytes of live blocks (their class sizes). */
  get liveBytes(): number {
    let bytes = 0;
    for (let c = 0; c < this.liveOf.length; c++) bytes += this.liveOf[c] * this.classSize[c];
    return bytes;
  }

  /** Live blocks as [address, usable size] pairs. */
  blocks(out: Array<[number, number]>): void {
    for (let s = 0; s < this.idsUsed; s++) {
      if (this.live[s] === 0) continue;
      const cls = this.classOf[s];
      const size = this.classes.size[cls];
      for (let i = 0; i < this.objects[s]; i++)
        if (this.isLive(s, i)) out.push([this.base[s] + i * size, size]);
    }
  }

  get byteLength(): number {
    return this.tableBytes + this.bitmaps.byteLength;
  }

  copyFrom(other: SlabCache): void {
    this.copyTableFrom(other);
    this.bitmaps.copyFrom(other.bitmaps);
    this.words = this.bitmaps.words;
    this.lastFresh = other.lastFresh;
    this.spare = other.spare;
    this.kept = other.kept;
    this.warm = other.warm;
  }
}
