/**
 * malloc for one address space. Small requests come from slab caches, one per size class: a slab
 * is a run of pages inside a 64 KiB area that the heap reserves from its space as ANON memory
 * (demand-zero), cut into equal objects tracked by a bitmap. Requests above the large threshold
 * get an ANON area of their own. A slab whose last object is freed gives its pages back to its
 * area, and an area with no slab goes back to the space (one empty area is kept as a spare, so a
 * program that frees and mallocs one block in a loop does not map and unmap an area each time).
 *
 * All bookkeeping is in typed arrays outside simulated memory (the payloads are the only bytes the
 * heap puts in the space); `stats().metadataBytes` reports its size. malloc and free allocate no
 * object. Every call checks before it changes anything: a bad address throws a typed error naming
 * it and the heap is as it was; out of memory returns 0 (NULL) and changes nothing.
 */
import {
  DoubleFreeError,
  InvalidArgumentError,
  InvariantError,
  NotAllocatedError,
  OutOfMemoryError,
  PageframeError,
} from '../common/errors.js';
import { hex } from '../common/format.js';
import { FreedBlockError, InteriorPointerError } from './heap-errors.js';
import type { HeapSpace } from './heap-space.js';
import { NumberMap } from './number-map.js';
import { defaultSizeClasses, slabPagesFor } from './size-classes.js';

const PAGE_SIZE = 4096;

/** Largest size any call accepts: the widest virtual range of the formats (2^47). */
export const MAX_ALLOCATION = 2 ** 47;

export interface HeapOptions {
  /** Bytes of each slab area: a power of two from 4 KiB to 128 KiB. Default 64 KiB. */
  areaSize?: number;
  /** Requests above this many bytes get an area of their own. Default 16 KiB. */
  largeThreshold?: number;
  /** Alignment of every block, 8 or 16. Default 16. */
  alignment?: 8 | 16;
  /** Class sizes (ascending multiples of the alignment, the last equal to the large threshold). */
  sizeClasses?: readonly number[];
  /** Most tail waste a slab may have before it spans more pages (fraction). Default 1/16. */
  maxSlabWaste?: number;
  /**
   * When a class has no free object, take one from a bigger class that has one, if that class is
   * at most this fraction bigger (0 turns it off). Pools the ups and downs of neighbouring classes,
   * so fewer slabs are made. Default 1/8.
   */
  borrowWaste?: number;
  /**
   * Keep up to this many freed large areas (each at most 1 MiB) mapped, for a later request of
   * the same page count: a program that mallocs and frees a 32 KiB buffer in a loop then maps it
   * once. Given back before the heap maps anything else, so they never raise the peak footprint.
   * Default 4; 0 turns the cache off.
   */
  largeCacheEntries?: number;
  /** Keep one empty area instead of unmapping it at once. Default true. */
  keepSpareArea?: boolean;
  /** Named in error messages: "heap of process 3". Default "heap". */
  name?: string;
}

export interface SizeClassStats {
  size: number;
  /** Pages of one slab and objects it holds. */
  slabPages: number;
  objectsPerSlab: number;
  slabs: number;
  liveBlocks: number;
  /** Objects the class's slabs could hold. */
  capacity: number;
}

export interface HeapStats {
  liveBlocks: number;
  /** Usable bytes of live blocks (class size, or the mapped size of a large block). */
  liveBytes: number;
  largeBlocks: number;
  /** Bytes of virtual memory the heap holds mapped: slab areas plus large areas. */
  footprint: number;
  /** Largest footprint ever held (counted at every reserve, so a realloc's move is included). */
  peakFootprint: number;
  /** Bytes of the pages the heap has handed out to a block since they were mapped. */
  residentBytes: number;
  /** Bytes of freed large areas kept mapped for reuse (part of the footprint). */
  cachedLargeBytes: number;
  areas: number;
  slabs: number;
  /** Bytes of bookkeeping kept outside simulated memory (typed arrays), not in the footprint. */
  metadataBytes: number;
  classes: SizeClassStats[];
}

const NONE = -1;
const FULL_WORD = 0xffffffff;
const FREED_RING = 64;

export class Heap {
  readonly space: HeapSpace;
  readonly name: string;
  readonly areaSize: number;
  readonly largeThreshold: number;
  readonly alignment: number;
  readonly keepSpareArea: boolean;
  readonly largeCacheEntries: number;
  readonly sizeClasses: readonly number[];
  /** The options it was made with (a clone is made with the same). */
  private readonly options: HeapOptions;

  // Size classes.
  private readonly pagesPerArea: number;
  private readonly fullAreaMask: number;
  private readonly granuleShift: number;
  private readonly sizeToClass: Uint16Array;
  private readonly classSize: Int32Array;
  private readonly classPages: Int32Array;
  private readonly classObjects: Int32Array;
  private readonly classPartial: Int32Array;
  private readonly classSlabs: Int32Array;
  private readonly classLive: Int32Array;
  /** The biggest class a request of each class may borrow an object from. */
  private readonly classBorrowLimit: Int32Array;
  /** log2 of the bitmap words a slab of each class takes (a power of two >= its objects / 32). */
  private readonly classOrder: Uint8Array;

  // Slabs, indexed by slab id.
  private slabCapacity = 0;
  private slabClass = new Uint16Array(0);
  private slabArea = new Int32Array(0);
  private slabFirstPage = new Uint8Array(0);
  private slabLive = new Uint16Array(0);
  /** Objects at index >= high were never handed out since the slab was made. */
  private slabHigh = new Uint16Array(0);
  /** Whether the slab's pages held blocks before it was made (so fresh objects are not zero). */
  private slabDirty = new Uint8Array(0);
  private slabHint = new Uint16Array(0);
  private slabNext = new Int32Array(0);
  private slabPrev = new Int32Array(0);
  private slabBase = new Float64Array(0);
  /** Where each slab's bitmap starts in `bitmap` (words). */
  private slabBitmapAt = new Int32Array(0);
  /** Every slab's bitmap, in segments of a power of two of words; freed segments are reused by size. */
  private bitmap = new Uint32Array(256);
  private bitmapTop = 0;
  private readonly freeSegments: Int32Array[] = [];
  private readonly freeSegmentCount = new Int32Array(16);
  private freeSlabIds = new Int32Array(0);
  private freeSlabCount = 0;
  private slabCount = 0;
  private slabIdsUsed = 0;

  // Areas, indexed by area id.
  private areaCapacity = 0;
  private areaBase = new Float64Array(0);
  private areaUsed = new Uint32Array(0);
  private areaTouched = new Uint32Array(0);
  private areaLiveFlag = new Uint8Array(0);
  private areaNext = new Int32Array(0);
  private areaPrev = new Int32Array(0);
  private areaPageSlab = new Int32Array(0);
  private freeAreaIds = new Int32Array(0);
  private freeAreaCount = 0;
  private areaIdsUsed = 0;
  private areaCount = 0;
  /** Areas with at least one free page, in the order they joined. */
  private openHead = NONE;
  private openTail = NONE;
  private spareArea = NONE;
  private readonly areaByKey = new NumberMap();

  // Large blocks, indexed by large id.
  private largeCapacity = 0;
  private largeBase = new Float64Array(0);
  private largeBytes = new Float64Array(0);
  private largeLiveFlag = new Uint8Array(0);
  private freeLargeIds = new Int32Array(0);
  private freeLargeCount = 0;
  private largeIdsUsed = 0;
  private largeCount = 0;
  private readonly largeByPage = new NumberMap();
  // Freed large areas kept mapped for reuse, oldest first.
  private readonly cacheBase: Float64Array;
  private readonly cacheBytes: Float64Array;
  private cacheCount = 0;
  private cachedBytes = 0;

  // Recently freed addresses, to tell a double free from a wild pointer once the block's slab or
  // area is gone.
  private readonly freedRing = new Float64Array(FREED_RING).fill(Number.NaN);
  private freedRingNext = 0;

  // Counters.
  private footprintNow = 0;
  private peakFootprintNow = 0;
  private residentPages = 0;
  private liveBlockCount = 0;
  private liveByteCount = 0;

  // Results of locate(), fields rather than an object so the free path allocates nothing.
  private foundSlab = NONE;
  private foundIndex = 0;
  private foundLarge = NONE;
  /** Whether the last small allocation got an object never handed out on clean pages. */
  private lastFresh = false;

  constructor(space: HeapSpace, options: HeapOptions = {}) {
    this.space = space;
    this.options = { ...options };
    this.name = options.name ?? 'heap';
    this.areaSize = options.areaSize ?? 65536;
    this.alignment = options.alignment ?? 16;
    this.largeThreshold = options.largeThreshold ?? 16384;
    this.keepSpareArea = options.keepSpareArea ?? true;
    this.largeCacheEntries = options.largeCacheEntries ?? 4;
    this.cacheBase = new Float64Array(this.largeCacheEntries);
    this.cacheBytes = new Float64Array(this.largeCacheEntries);
    const { areaSize, alignment, largeThreshold } = this;
    if (alignment !== 8 && alignment !== 16)
      throw new InvalidArgumentError(`${this.name}: alignment ${alignment} must be 8 or 16`);
    if (!Number.isInteger(Math.log2(areaSize)) || areaSize < PAGE_SIZE || areaSize > 32 * PAGE_SIZE)
      throw new InvalidArgumentError(
        `${this.name}: area size ${areaSize} must be a power of two, 4 KiB to 128 KiB`,
      );
    if (!Number.isInteger(largeThreshold) || largeThreshold < alignment || largeThreshold > areaSize)
      throw new InvalidArgumentError(
        `${this.name}: large threshold ${largeThreshold} must lie between the alignment and the area size`,
      );
    this.pagesPerArea = areaSize / PAGE_SIZE;
    this.fullAreaMask = this.pagesPerArea === 32 ? FULL_WORD : (1 << this.pagesPerArea) - 1;
    this.granuleShift = Math.log2(alignment);
    const sizes = options.sizeClasses ?? defaultSizeClasses(alignment, largeThreshold);
    for (let i = 0; i < sizes.length; i++) {
      const s = sizes[i];
      if (!Number.isInteger(s) || s <= 0 || s % alignment !== 0 || (i > 0 && s <= sizes[i - 1]))
        throw new InvalidArgumentError(
          `${this.name}: size classes must be ascending multiples of ${alignment} (class ${i}: ${s})`,
        );
    }
    if (sizes[sizes.length - 1] !== largeThreshold)
      throw new InvalidArgumentError(
        `${this.name}: the largest size class (${sizes[sizes.length - 1]}) must equal the large threshold ${largeThreshold}`,
      );
    this.sizeClasses = Object.freeze([...sizes]);
    const n = sizes.length;
    this.classSize = Int32Array.from(sizes);
    this.classPages = new Int32Array(n);
    this.classObjects = new Int32Array(n);
    this.classPartial = new Int32Array(n).fill(NONE);
    this.classSlabs = new Int32Array(n);
    this.classLive = new Int32Array(n);
    let maxObjects = 0;
    for (let c = 0; c < n; c++) {
      const pages = slabPagesFor(sizes[c], this.pagesPerArea, options.maxSlabWaste ?? 1 / 16);
      this.classPages[c] = pages;
      this.classObjects[c] = Math.floor((pages * PAGE_SIZE) / sizes[c]);
      maxObjects = Math.max(maxObjects, this.classObjects[c]);
    }
    this.classOrder = new Uint8Array(n);
    for (let c = 0; c < n; c++)
      this.classOrder[c] = Math.ceil(Math.log2(Math.ceil(this.classObjects[c] / 32)));
    for (let order = 0; order < 16; order++) this.freeSegments.push(new Int32Array(0));
    if (maxObjects > 65535)
      throw new InvalidArgumentError(`${this.name}: a slab would hold ${maxObjects} objects`);
    const borrowWaste = options.borrowWaste ?? 1 / 8;
    this.classBorrowLimit = new Int32Array(n);
    for (let c = 0; c < n; c++) {
      let limit = c;
      while (limit + 1 < n && sizes[limit + 1] <= sizes[c] * (1 + borrowWaste)) limit++;
      this.classBorrowLimit[c] = limit;
    }
    this.sizeToClass = new Uint16Array((largeThreshold >> this.granuleShift) + 1);
    let c = 0;
    for (let i = 0; i < this.sizeToClass.length; i++) {
      while (sizes[c] < i << this.granuleShift) c++;
      this.sizeToClass[i] = c;
    }
    this.growSlabs(64);
    this.growAreas(16);
    this.growLarge(16);
  }

  // ---------------------------------------------------------------- the C interface

  /** malloc: a block of at least `size` bytes, aligned to the heap's alignment; 0 when out of memory. */
  malloc(size: number): number {
    if (!(size >= 0 && size <= MAX_ALLOCATION && Number.isInteger(size))) this.badSize('malloc', size);
    if (size <= this.largeThreshold) {
      let cls = this.sizeToClass[(size + this.alignment - 1) >> this.granuleShift];
      if (this.classPartial[cls] === NONE) {
        // Rather than a new slab, a free object of a slightly bigger class.
        for (let c = cls + 1; c <= this.classBorrowLimit[cls]; c++) {
          if (this.classPartial[c] !== NONE) {
            cls = c;
            break;
          }
        }
      }
      return this.allocSmall(cls);
    }
    return this.allocLarge(size, PAGE_SIZE);
  }

  /** free: gives a block back. free(0) does nothing. */
  free(va: number): void {
    if (va === 0) return;
    this.locate(va, 'free');
    this.releaseFound(va);
  }

  /** calloc: `count * size` zeroed bytes; 0 when out of memory; a product that overflows throws. */
  calloc(count: number, size: number): number {
    if (!(count >= 0 && Number.isInteger(count))) this.badSize('calloc', count);
    if (!(size >= 0 && Number.isInteger(size))) this.badSize('calloc', size);
    const total = count * size;
    if (total > MAX_ALLOCATION)
      throw new InvalidArgumentError(`${this.name}: calloc(${count}, ${size}): the size overflows`);
    const va = this.malloc(total);
    if (va === 0 || total === 0) return va;
    // A fresh object on pages that never held a block is still demand-zero: no need to touch it.
    if (this.lastFresh) return va;
    try {
      this.space.fill(va, total, 0);
    } catch (error) {
      if (!isOutOfMemory(error)) throw error;
      this.free(va);
      return 0;
    }
    return va;
  }

  /**
   * realloc: resizes a block, in place when it fits its class or its area, else by moving it.
   * realloc(0, n) is malloc(n); realloc(p, 0) frees p and returns 0 (as glibc). When out of
   * memory it returns 0 and the old block is untouched.
   */
  realloc(va: number, size: number): number {
    if (va === 0) return this.malloc(size);
    if (!(size >= 0 && size <= MAX_ALLOCATION && Number.isInteger(size))) this.badSize('realloc', size);
    this.locate(va, 'realloc');
    if (size === 0) {
      this.releaseFound(va);
      return 0;
    }
    const slab = this.foundSlab;
    if (slab !== NONE) {
      const oldSize = this.classSize[this.slabClass[slab]];
      if (size <= oldSize) return va;
      return this.move(va, oldSize, size);
    }
    const large = this.foundLarge;
    const mapped = this.largeBytes[large];
    if (size <= this.largeThreshold && size <= mapped / 2) {
      // Shrunk below the threshold: a slab object wastes less than a mostly empty area. (If no
      // slab can be had, it shrinks in place below: a shrink never fails.)
      const moved = this.move(va, size, size);
      if (moved !== 0) return moved;
    }
    if (size <= mapped) {
      const keep = roundUp(size, PAGE_SIZE);
      if (keep < mapped) {
        this.space.release(va + keep, mapped - keep);
        this.largeBytes[large] = keep;
        this.footprintNow -= mapped - keep;
        this.residentPages -= (mapped - keep) / PAGE_SIZE;
        this.liveByteCount -= mapped - keep;
      }
      return va;
    }
    if (this.space.extendAnon) {
      this.trim();
      const more = roundUp(size, PAGE_SIZE) - mapped;
      let extended = false;
      try {
        extended = this.space.extendAnon(va + mapped, more);
      } catch (error) {
        if (!isOutOfMemory(error)) throw error;
      }
      if (extended) {
        this.largeBytes[large] = mapped + more;
        this.liveByteCount += more;
        this.residentPages += more / PAGE_SIZE;
        this.addFootprint(more);
        return va;
      }
    }
    return this.move(va, mapped, size);
  }

  /** memalign: a block whose address is a multiple of `alignment` (a power of two). */
  memalign(alignment: number, size: number): number {
    if (!(alignment > 0 && Number.isInteger(alignment) && Number.isInteger(Math.log2(alignment))))
      throw new InvalidArgumentError(
        `${this.name}: memalign(${alignment}, ${size}): alignment is not a power of two`,
      );
    if (!(size >= 0 && size <= MAX_ALLOCATION && Number.isInteger(size))) this.badSize('memalign', size);
    if (alignment <= this.alignment) return this.malloc(size);
    if (alignment <= PAGE_SIZE && size <= this.largeThreshold) {
      // Slabs start on a page, so every object of a class whose size is a multiple of the
      // alignment is aligned.
      for (
        let c = this.sizeToClass[(size + this.alignment - 1) >> this.granuleShift];
        c < this.classSize.length;
        c++
      )
        if (this.classSize[c] % alignment === 0) return this.allocSmall(c);
    }
    return this.allocLarge(Math.max(size, 1), Math.max(alignment, PAGE_SIZE));
  }

  /** aligned_alloc (C11): as memalign; like glibc, `size` need not be a multiple of `alignment`. */
  alignedAlloc(alignment: number, size: number): number {
    return this.memalign(alignment, size);
  }

  /**
   * posix_memalign: the alignment must be a power of two and a multiple of 8 (sizeof(void *)),
   * else InvalidArgumentError (EINVAL). Returns the address, or 0 for ENOMEM.
   */
  posixMemalign(alignment: number, size: number): number {
    if (!(alignment >= 8 && alignment % 8 === 0 && Number.isInteger(Math.log2(alignment))))
      throw new InvalidArgumentError(
        `${this.name}: posix_memalign(${alignment}, ${size}): alignment must be a power of two multiple of 8`,
      );
    return this.memalign(alignment, size);
  }

  /** malloc_usable_size: bytes the block may use (its class size, or its mapped bytes). */
  usableSize(va: number): number {
    this.locate(va, 'usableSize');
    return this.foundSlab !== NONE
      ? this.classSize[this.slabClass[this.foundSlab]]
      : this.largeBytes[this.foundLarge];
  }

  /** Whether `va` is the start of a live block (no error for anything else). */
  isLive(va: number): boolean {
    try {
      this.locate(va, 'isLive');
      return true;
    } catch (error) {
      if (error instanceof PageframeError) return false;
      throw error;
    }
  }

  /** Gives back the spare empty area, if one is kept. */
  trim(): void {
    const a = this.spareArea;
    if (a !== NONE) {
      this.spareArea = NONE;
      this.releaseArea(a);
    }
    while (this.cacheCount > 0) this.uncache(this.cacheCount - 1, true);
  }

  /** Frees every block and gives every area back to the space. */
  releaseAll(): void {
    for (let l = 0; l < this.largeIdsUsed; l++) {
      if (!this.largeLiveFlag[l]) continue;
      this.space.release(this.largeBase[l], this.largeBytes[l]);
      this.dropLarge(l, true);
    }
    for (let a = 0; a < this.areaIdsUsed; a++) {
      if (!this.areaLiveFlag[a]) continue;
      for (let p = 0; p < this.pagesPerArea; p++) {
        const s = this.areaPageSlab[a * this.pagesPerArea + p];
        if (s !== NONE && this.slabFirstPage[s] === p) {
          const cls = this.slabClass[s];
          this.classLive[cls] -= this.slabLive[s];
          this.liveBlockCount -= this.slabLive[s];
          this.liveByteCount -= this.slabLive[s] * this.classSize[cls];
          if (this.slabLive[s] < this.classObjects[cls]) this.unlinkPartial(cls, s);
          this.slabLive[s] = 0;
          this.destroySlab(s, false);
        }
      }
      this.releaseArea(a);
    }
    this.spareArea = NONE;
    this.trim();
  }

  /**
   * The heap of a forked child: `space` is a fork of this heap's space (the same areas at the same
   * addresses, their pages copy-on-write), and the copy's bookkeeping is this heap's, as a real
   * fork() copies the parent's malloc state. So the child can free and realloc the blocks it
   * inherited, and each heap goes on alone after. Copies typed arrays; maps and touches nothing.
   */
  cloneFor(space: HeapSpace, name = this.name): Heap {
    const copy = new Heap(space, { ...this.options, name });
    const from = this as unknown as Record<string, unknown>;
    const to = copy as unknown as Record<string, unknown>;
    for (const key of Object.keys(from)) {
      if (key === 'space' || key === 'name' || key === 'options') continue;
      to[key] = cloneField(from[key], key, this.name);
    }
    return copy;
  }

  // ---------------------------------------------------------------- statistics and checking

  get footprint(): number {
    return this.footprintNow;
  }

  get peakFootprint(): number {
    return this.peakFootprintNow;
  }

  get liveBlocks(): number {
    return this.liveBlockCount;
  }

  /** Restarts the peak footprint from the current one (a replay measures each trace alone). */
  resetPeak(): void {
    this.peakFootprintNow = this.footprintNow;
  }

  stats(): HeapStats {
    const classes: SizeClassStats[] = [];
    for (let c = 0; c < this.classSize.length; c++) {
      classes.push({
        size: this.classSize[c],
        slabPages: this.classPages[c],
        objectsPerSlab: this.classObjects[c],
        slabs: this.classSlabs[c],
        liveBlocks: this.classLive[c],
        capacity: this.classSlabs[c] * this.classObjects[c],
      });
    }
    return {
      liveBlocks: this.liveBlockCount,
      liveBytes: this.liveByteCount,
      largeBlocks: this.largeCount,
      footprint: this.footprintNow,
      peakFootprint: this.peakFootprintNow,
      residentBytes: this.residentPages * PAGE_SIZE,
      cachedLargeBytes: this.cachedBytes,
      areas: this.areaCount,
      slabs: this.slabCount,
      metadataBytes: this.metadataBytes(),
      classes,
    };
  }

  /** Bytes of the typed arrays that hold the heap's bookkeeping. */
  metadataBytes(): number {
    const arrays = [
      this.slabClass,
      this.slabArea,
      this.slabFirstPage,
      this.slabLive,
      this.slabHigh,
      this.slabDirty,
      this.slabHint,
      this.slabNext,
      this.slabPrev,
      this.slabBase,
      this.slabBitmapAt,
      this.bitmap,
      this.freeSegmentCount,
      ...this.freeSegments,
      this.freeSlabIds,
      this.areaBase,
      this.areaUsed,
      this.areaTouched,
      this.areaLiveFlag,
      this.areaNext,
      this.areaPrev,
      this.areaPageSlab,
      this.freeAreaIds,
      this.largeBase,
      this.largeBytes,
      this.largeLiveFlag,
      this.freeLargeIds,
      this.cacheBase,
      this.cacheBytes,
      this.sizeToClass,
      this.classSize,
      this.classPages,
      this.classObjects,
      this.classPartial,
      this.classSlabs,
      this.classLive,
      this.freedRing,
    ];
    let total = this.areaByKey.byteLength + this.largeByPage.byteLength;
    for (const a of arrays) total += a.byteLength;
    return total;
  }

  /** Live blocks as [address, usable size] pairs, in no particular order (tests, reports). */
  blocks(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let s = 0; s < this.slabIdsUsed; s++) {
      if (this.slabLive[s] === 0) continue;
      const size = this.classSize[this.slabClass[s]];
      for (let i = 0; i < this.classObjects[this.slabClass[s]]; i++)
        if (this.bitmap[this.slabBitmapAt[s] + (i >>> 5)] & (1 << (i & 31)))
          out.push([this.slabBase[s] + i * size, size]);
    }
    for (let l = 0; l < this.largeIdsUsed; l++)
      if (this.largeLiveFlag[l]) out.push([this.largeBase[l], this.largeBytes[l]]);
    return out;
  }

  /** The ranges the heap holds mapped, as [address, bytes] pairs (areas and large areas). */
  mappedRanges(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let a = 0; a < this.areaIdsUsed; a++)
      if (this.areaLiveFlag[a]) out.push([this.areaBase[a], this.areaSize]);
    for (let l = 0; l < this.largeIdsUsed; l++)
      if (this.largeLiveFlag[l]) out.push([this.largeBase[l], this.largeBytes[l]]);
    for (let i = 0; i < this.cacheCount; i++) out.push([this.cacheBase[i], this.cacheBytes[i]]);
    return out;
  }

  /** Throws InvariantError when the bookkeeping is inconsistent. */
  check(): void {
    const fail = (why: string): never => {
      throw new InvariantError(`${this.name}: ${why}`);
    };
    const ppa = this.pagesPerArea;
    let areas = 0;
    let slabs = 0;
    let blocks = 0;
    let bytes = 0;
    let resident = 0;
    let footprint = 0;
    const classSlabs = new Int32Array(this.classSize.length);
    const classLive = new Int32Array(this.classSize.length);
    const classPartial = new Int32Array(this.classSize.length);
    for (let a = 0; a < this.areaIdsUsed; a++) {
      if (!this.areaLiveFlag[a]) continue;
      areas++;
      footprint += this.areaSize;
      const base = this.areaBase[a];
      if (base % this.areaSize !== 0) fail(`area ${hex(base)} is not aligned to ${this.areaSize}`);
      if (this.areaByKey.get(base / this.areaSize) !== a)
        fail(`area ${hex(base)} is missing from the address map`);
      let used = 0;
      for (let p = 0; p < ppa; p++) {
        const s = this.areaPageSlab[a * ppa + p];
        if (s === NONE) continue;
        used |= 1 << p;
        if (this.slabArea[s] !== a) fail(`page ${p} of area ${hex(base)} names slab ${s} of another area`);
        const first = this.slabFirstPage[s];
        if (p < first || p >= first + this.classPages[this.slabClass[s]])
          fail(`page ${p} of area ${hex(base)} lies outside its slab ${s}`);
      }
      if (used >>> 0 !== this.areaUsed[a]) fail(`area ${hex(base)}: used-page mask disagrees with its slabs`);
      if (used === 0 && a !== this.spareArea) fail(`area ${hex(base)} is empty but still held`);
      resident += popcount(this.areaTouched[a]);
    }
    if (
      this.spareArea !== NONE &&
      (!this.areaLiveFlag[this.spareArea] || this.areaUsed[this.spareArea] !== 0)
    )
      fail('the spare area is not an empty held area');
    for (let s = 0; s < this.slabIdsUsed; s++) {
      if (this.slabLive[s] === 0 && this.slabArea[s] === NONE) continue;
      slabs++;
      const cls = this.slabClass[s];
      const a = this.slabArea[s];
      if (a === NONE || !this.areaLiveFlag[a]) fail(`slab ${s} lies in no held area`);
      const first = this.slabFirstPage[s];
      const pages = this.classPages[cls];
      if (first + pages > ppa) fail(`slab ${s} runs past the end of its area`);
      for (let p = first; p < first + pages; p++)
        if (this.areaPageSlab[a * ppa + p] !== s)
          fail(`slab ${s}: page ${p} of its area is not marked as its own`);
      if (this.slabBase[s] !== this.areaBase[a] + first * PAGE_SIZE) fail(`slab ${s}: wrong base address`);
      const objects = this.classObjects[cls];
      let count = 0;
      let highest = -1;
      const usedWords = Math.ceil(objects / 32);
      for (let w = 0; w < usedWords; w++) {
        let bits = this.bitmap[this.slabBitmapAt[s] + w];
        if (w === usedWords - 1 && objects % 32 !== 0) {
          const padding = ~((1 << (objects % 32)) - 1) >>> 0;
          if ((bits & padding) >>> 0 !== padding) fail(`slab ${s}: a padding bit is clear`);
          bits = (bits & ~padding) >>> 0;
        }
        count += popcount(bits);
        if (bits !== 0) highest = w * 32 + 31 - Math.clz32(bits);
      }
      if (count !== this.slabLive[s])
        fail(`slab ${s}: bitmap holds ${count} blocks, count says ${this.slabLive[s]}`);
      if (count === 0) fail(`slab ${s} is empty but still held`);
      if (highest >= this.slabHigh[s]) fail(`slab ${s}: block ${highest} lies above the high-water mark`);
      classSlabs[cls]++;
      classLive[cls] += count;
      if (count < objects) classPartial[cls]++;
      blocks += count;
      bytes += count * this.classSize[cls];
    }
    // Bitmap segments: live slabs' and free ones are disjoint and below the top.
    const owner = new Uint8Array(this.bitmapTop);
    const claim = (at: number, order: number, what: string) => {
      if (at < 0 || at + (1 << order) > this.bitmapTop) fail(`${what}: bitmap segment ${at} beyond the top`);
      for (let w = at; w < at + (1 << order); w++) {
        if (owner[w]) fail(`${what}: bitmap word ${w} has two owners`);
        owner[w] = 1;
      }
    };
    for (let s = 0; s < this.slabIdsUsed; s++)
      if (this.slabArea[s] !== NONE)
        claim(this.slabBitmapAt[s], this.classOrder[this.slabClass[s]], `slab ${s}`);
    for (let order = 0; order < this.freeSegmentCount.length; order++)
      for (let i = 0; i < this.freeSegmentCount[order]; i++)
        claim(this.freeSegments[order][i], order, 'free segment');
    for (let c = 0; c < this.classSize.length; c++) {
      if (classSlabs[c] !== this.classSlabs[c]) fail(`class ${this.classSize[c]}: slab count disagrees`);
      if (classLive[c] !== this.classLive[c]) fail(`class ${this.classSize[c]}: block count disagrees`);
      // The partial list holds exactly the class's slabs with a free object.
      let inList = 0;
      let prev = NONE;
      for (let s = this.classPartial[c]; s !== NONE; s = this.slabNext[s]) {
        if (this.slabClass[s] !== c)
          fail(`class ${this.classSize[c]}: partial list holds slab ${s} of another class`);
        if (this.slabPrev[s] !== prev) fail(`class ${this.classSize[c]}: partial list links are broken`);
        if (this.slabLive[s] >= this.classObjects[c])
          fail(`class ${this.classSize[c]}: full slab ${s} on the partial list`);
        prev = s;
        if (++inList > this.slabIdsUsed) fail(`class ${this.classSize[c]}: partial list has a cycle`);
      }
      const partial = classPartial[c];
      if (partial !== inList)
        fail(`class ${this.classSize[c]}: ${partial} partial slabs but ${inList} listed`);
    }
    // The open list holds exactly the areas with a free page.
    let open = 0;
    for (let a = this.openHead; a !== NONE; a = this.areaNext[a]) {
      if (!this.areaLiveFlag[a] || this.areaUsed[a] === this.fullAreaMask >>> 0)
        fail(`open area list holds a full or dead area`);
      if (++open > this.areaIdsUsed) fail('open area list has a cycle');
    }
    let openExpected = 0;
    for (let a = 0; a < this.areaIdsUsed; a++)
      if (this.areaLiveFlag[a] && this.areaUsed[a] !== this.fullAreaMask >>> 0) openExpected++;
    if (open !== openExpected) fail(`${openExpected} areas have free pages but ${open} are listed`);
    // Large blocks: disjoint from each other and from the slab areas.
    const ranges: Array<[number, number]> = [];
    let large = 0;
    for (let l = 0; l < this.largeIdsUsed; l++) {
      if (!this.largeLiveFlag[l]) continue;
      large++;
      const base = this.largeBase[l];
      const size = this.largeBytes[l];
      if (base % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0 || size <= 0)
        fail(`large block ${hex(base)} is not page aligned`);
      if (this.largeByPage.get(base / PAGE_SIZE) !== l)
        fail(`large block ${hex(base)} is missing from the address map`);
      ranges.push([base, base + size]);
      blocks++;
      bytes += size;
      resident += size / PAGE_SIZE;
      footprint += size;
    }
    let cached = 0;
    for (let i = 0; i < this.cacheCount; i++) {
      const base = this.cacheBase[i];
      if (base % PAGE_SIZE !== 0 || this.cacheBytes[i] % PAGE_SIZE !== 0)
        fail(`cached area ${hex(base)} is not page aligned`);
      if (this.largeByPage.get(base / PAGE_SIZE) !== NONE)
        fail(`cached area ${hex(base)} is also a live block`);
      ranges.push([base, base + this.cacheBytes[i]]);
      cached += this.cacheBytes[i];
      resident += this.cacheBytes[i] / PAGE_SIZE;
      footprint += this.cacheBytes[i];
    }
    if (cached !== this.cachedBytes) fail(`cached bytes ${this.cachedBytes} but ${cached} found`);
    for (let a = 0; a < this.areaIdsUsed; a++)
      if (this.areaLiveFlag[a]) ranges.push([this.areaBase[a], this.areaBase[a] + this.areaSize]);
    ranges.sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < ranges.length; i++)
      if (ranges[i][0] < ranges[i - 1][1]) fail(`mapped ranges overlap at ${hex(ranges[i][0])}`);
    if (large !== this.largeCount || this.largeByPage.size !== large) fail('large block count disagrees');
    if (areas !== this.areaCount || this.areaByKey.size !== areas) fail('area count disagrees');
    if (slabs !== this.slabCount) fail(`slab count ${this.slabCount} but ${slabs} slabs found`);
    if (blocks !== this.liveBlockCount)
      fail(`live block count ${this.liveBlockCount} but ${blocks} blocks found`);
    if (bytes !== this.liveByteCount) fail(`live bytes ${this.liveByteCount} but ${bytes} found`);
    if (resident !== this.residentPages) fail(`resident pages ${this.residentPages} but ${resident} found`);
    if (footprint !== this.footprintNow) fail(`footprint ${this.footprintNow} but ${footprint} mapped`);
    if (this.peakFootprintNow < footprint) fail('peak footprint below the footprint');
  }

  // ---------------------------------------------------------------- small blocks

  private allocSmall(cls: number): number {
    let s = this.classPartial[cls];
    if (s === NONE) {
      s = this.newSlab(cls);
      if (s === NONE) return 0;
    }
    const bitmap = this.bitmap;
    const w0 = this.slabBitmapAt[s];
    let w = this.slabHint[s];
    let bits = bitmap[w0 + w];
    while (bits === FULL_WORD) bits = bitmap[w0 + ++w];
    const low = ~bits & (bits + 1); // the lowest clear bit, alone
    bitmap[w0 + w] = bits | low;
    this.slabHint[s] = w;
    const index = (w << 5) + 31 - Math.clz32(low);
    const size = this.classSize[cls];
    if (++this.slabLive[s] === this.classObjects[cls]) this.unlinkPartial(cls, s);
    if (index >= this.slabHigh[s]) {
      this.lastFresh = this.slabDirty[s] === 0;
      this.slabHigh[s] = index + 1;
      this.markTouched(s, (index + 1) * size);
    } else {
      this.lastFresh = false;
    }
    this.classLive[cls]++;
    this.liveBlockCount++;
    this.liveByteCount += size;
    return this.slabBase[s] + index * size;
  }

  /** Makes a slab for `cls` in the first area with room, mapping a new area if none has; NONE if out of memory. */
  private newSlab(cls: number): number {
    const pages = this.classPages[cls];
    // Best fit over the areas with free pages: the shortest free run that holds the slab, so long
    // runs stay whole for slabs that need them (an exact fit ends the search).
    let a = NONE;
    let first = -1;
    let bestLength = 33;
    for (let b = this.openHead; b !== NONE && bestLength > pages; b = this.areaNext[b]) {
      let free = ~this.areaUsed[b] & this.fullAreaMask;
      while (free !== 0) {
        const start = 31 - Math.clz32(free & -free);
        const length = Math.min(32 - start, trailingOnes(free >>> start));
        if (length >= pages && length < bestLength) {
          bestLength = length;
          a = b;
          first = start;
          if (length === pages) break;
        }
        free &= ~runMask(start, length);
      }
    }
    if (a === NONE) {
      a = this.newArea();
      if (a === NONE) return NONE;
      first = 0;
    }
    if (a === this.spareArea) this.spareArea = NONE;
    if (this.freeSlabCount === 0 && this.slabIdsUsed === this.slabCapacity)
      this.growSlabs(this.slabCapacity * 2);
    const s = this.freeSlabCount > 0 ? this.freeSlabIds[--this.freeSlabCount] : this.slabIdsUsed++;
    const mask = runMask(first, pages);
    this.areaUsed[a] = (this.areaUsed[a] | mask) >>> 0;
    if (this.areaUsed[a] === this.fullAreaMask >>> 0) this.unlinkOpen(a);
    for (let p = first; p < first + pages; p++) this.areaPageSlab[a * this.pagesPerArea + p] = s;
    this.slabClass[s] = cls;
    this.slabArea[s] = a;
    this.slabFirstPage[s] = first;
    this.slabLive[s] = 0;
    this.slabHigh[s] = 0;
    this.slabHint[s] = 0;
    this.slabDirty[s] = (this.areaTouched[a] & mask) !== 0 ? 1 : 0;
    this.slabBase[s] = this.areaBase[a] + first * PAGE_SIZE;
    const objects = this.classObjects[cls];
    const w0 = this.takeSegment(this.classOrder[cls]);
    this.slabBitmapAt[s] = w0;
    const usedWords = Math.ceil(objects / 32);
    for (let w = 0; w < usedWords; w++) this.bitmap[w0 + w] = 0;
    // Bits past the last object stay set, so the search never hands them out.
    if (objects % 32 !== 0) this.bitmap[w0 + usedWords - 1] = ~((1 << (objects % 32)) - 1) >>> 0;
    this.slabNext[s] = this.classPartial[cls];
    this.slabPrev[s] = NONE;
    if (this.classPartial[cls] !== NONE) this.slabPrev[this.classPartial[cls]] = s;
    this.classPartial[cls] = s;
    this.classSlabs[cls]++;
    this.slabCount++;
    return s;
  }

  /** Frees object `foundIndex` of slab `foundSlab`. */
  private freeSmall(va: number): void {
    const s = this.foundSlab;
    const index = this.foundIndex;
    const cls = this.slabClass[s];
    const w = index >>> 5;
    this.bitmap[this.slabBitmapAt[s] + w] &= ~(1 << (index & 31));
    if (w < this.slabHint[s]) this.slabHint[s] = w;
    const objects = this.classObjects[cls];
    const live = --this.slabLive[s];
    this.classLive[cls]--;
    this.liveBlockCount--;
    this.liveByteCount -= this.classSize[cls];
    this.rememberFreed(va);
    if (live === 0) {
      if (objects > 1) this.unlinkPartial(cls, s);
      this.destroySlab(s, true);
    } else if (live === objects - 1) {
      this.linkPartial(cls, s);
    }
  }

  /** Gives an empty slab's pages back to its area (and the area back to the space when empty). */
  private destroySlab(s: number, mayRelease: boolean): void {
    const a = this.slabArea[s];
    const cls = this.slabClass[s];
    const first = this.slabFirstPage[s];
    const pages = this.classPages[cls];
    const wasFull = this.areaUsed[a] === this.fullAreaMask >>> 0;
    this.areaUsed[a] = (this.areaUsed[a] & ~runMask(first, pages)) >>> 0;
    for (let p = first; p < first + pages; p++) this.areaPageSlab[a * this.pagesPerArea + p] = NONE;
    if (wasFull) this.linkOpen(a);
    this.giveSegment(this.classOrder[cls], this.slabBitmapAt[s]);
    this.slabArea[s] = NONE;
    this.classSlabs[cls]--;
    this.slabCount--;
    this.freeSlabIds[this.freeSlabCount++] = s;
    if (mayRelease && this.areaUsed[a] === 0) {
      if (this.keepSpareArea && this.spareArea === NONE) this.spareArea = a;
      else this.releaseArea(a);
    }
  }

  /** A bitmap segment of 2^order words: a freed one of that size, or a new one at the top. */
  private takeSegment(order: number): number {
    if (this.freeSegmentCount[order] > 0) return this.freeSegments[order][--this.freeSegmentCount[order]];
    const words = 1 << order;
    if (this.bitmapTop + words > this.bitmap.length)
      this.bitmap = grown(this.bitmap, Math.max(this.bitmap.length * 2, this.bitmapTop + words));
    const at = this.bitmapTop;
    this.bitmapTop += words;
    return at;
  }

  private giveSegment(order: number, at: number): void {
    const count = this.freeSegmentCount[order];
    if (count === this.freeSegments[order].length)
      this.freeSegments[order] = grown(this.freeSegments[order], Math.max(16, count * 2));
    this.freeSegments[order][count] = at;
    this.freeSegmentCount[order] = count + 1;
  }

  private markTouched(s: number, endOffset: number): void {
    const a = this.slabArea[s];
    const first = this.slabFirstPage[s];
    const mask = runMask(first, Math.ceil(endOffset / PAGE_SIZE));
    const fresh = mask & ~this.areaTouched[a];
    if (fresh !== 0) {
      this.residentPages += popcount(fresh);
      this.areaTouched[a] = (this.areaTouched[a] | mask) >>> 0;
    }
  }

  private linkPartial(cls: number, s: number): void {
    const head = this.classPartial[cls];
    this.slabNext[s] = head;
    this.slabPrev[s] = NONE;
    if (head !== NONE) this.slabPrev[head] = s;
    this.classPartial[cls] = s;
  }

  private unlinkPartial(cls: number, s: number): void {
    const next = this.slabNext[s];
    const prev = this.slabPrev[s];
    if (prev === NONE) this.classPartial[cls] = next;
    else this.slabNext[prev] = next;
    if (next !== NONE) this.slabPrev[next] = prev;
  }

  // ---------------------------------------------------------------- areas

  private newArea(): number {
    this.trim();
    let base: number;
    try {
      base = this.space.reserveAnon(this.areaSize, this.areaSize);
    } catch (error) {
      if (isOutOfMemory(error)) return NONE;
      throw error;
    }
    if (this.freeAreaCount === 0 && this.areaIdsUsed === this.areaCapacity)
      this.growAreas(this.areaCapacity * 2);
    const a = this.freeAreaCount > 0 ? this.freeAreaIds[--this.freeAreaCount] : this.areaIdsUsed++;
    this.areaBase[a] = base;
    this.areaUsed[a] = 0;
    this.areaTouched[a] = 0;
    this.areaLiveFlag[a] = 1;
    this.areaPageSlab.fill(NONE, a * this.pagesPerArea, (a + 1) * this.pagesPerArea);
    this.areaByKey.set(base / this.areaSize, a);
    this.linkOpen(a);
    this.areaCount++;
    this.addFootprint(this.areaSize);
    return a;
  }

  private releaseArea(a: number): void {
    const base = this.areaBase[a];
    this.space.release(base, this.areaSize);
    this.areaByKey.delete(base / this.areaSize);
    if (this.areaUsed[a] !== this.fullAreaMask >>> 0) this.unlinkOpen(a);
    this.residentPages -= popcount(this.areaTouched[a]);
    this.areaLiveFlag[a] = 0;
    this.areaCount--;
    this.footprintNow -= this.areaSize;
    this.freeAreaIds[this.freeAreaCount++] = a;
  }

  private linkOpen(a: number): void {
    this.areaNext[a] = NONE;
    this.areaPrev[a] = this.openTail;
    if (this.openTail !== NONE) this.areaNext[this.openTail] = a;
    else this.openHead = a;
    this.openTail = a;
  }

  private unlinkOpen(a: number): void {
    const next = this.areaNext[a];
    const prev = this.areaPrev[a];
    if (prev === NONE) this.openHead = next;
    else this.areaNext[prev] = next;
    if (next === NONE) this.openTail = prev;
    else this.areaPrev[next] = prev;
  }

  // ---------------------------------------------------------------- large blocks

  private allocLarge(size: number, alignment: number): number {
    const bytes = roundUp(size, PAGE_SIZE);
    let va = 0;
    for (let i = this.cacheCount - 1; i >= 0; i--) {
      if (this.cacheBytes[i] === bytes && this.cacheBase[i] % alignment === 0) {
        va = this.cacheBase[i];
        this.uncache(i, false);
        this.lastFresh = false;
        break;
      }
    }
    if (va === 0) {
      // The spare area and the cached areas cannot serve this; give them back before mapping more.
      this.trim();
      try {
        va = this.space.reserveAnon(bytes, alignment);
      } catch (error) {
        if (isOutOfMemory(error)) return 0;
        throw error;
      }
      this.lastFresh = true;
      this.addFootprint(bytes);
      this.residentPages += bytes / PAGE_SIZE;
    }
    if (this.freeLargeCount === 0 && this.largeIdsUsed === this.largeCapacity)
      this.growLarge(this.largeCapacity * 2);
    const l = this.freeLargeCount > 0 ? this.freeLargeIds[--this.freeLargeCount] : this.largeIdsUsed++;
    this.largeBase[l] = va;
    this.largeBytes[l] = bytes;
    this.largeLiveFlag[l] = 1;
    this.largeByPage.set(va / PAGE_SIZE, l);
    this.largeCount++;
    this.liveBlockCount++;
    this.liveByteCount += bytes;
    return va;
  }

  /** Removes cache entry `i`, giving its area back to the space when `release`. */
  private uncache(i: number, release: boolean): void {
    const base = this.cacheBase[i];
    const bytes = this.cacheBytes[i];
    if (release) {
      this.space.release(base, bytes);
      this.footprintNow -= bytes;
      this.residentPages -= bytes / PAGE_SIZE;
    }
    this.cachedBytes -= bytes;
    this.cacheCount--;
    this.cacheBase.copyWithin(i, i + 1, this.cacheCount + 1);
    this.cacheBytes.copyWithin(i, i + 1, this.cacheCount + 1);
  }

  /** Forgets large block `l`; its area is either released (`released`) or kept in the cache. */
  private dropLarge(l: number, released: boolean): void {
    const bytes = this.largeBytes[l];
    this.largeByPage.delete(this.largeBase[l] / PAGE_SIZE);
    this.largeLiveFlag[l] = 0;
    this.largeCount--;
    this.liveBlockCount--;
    this.liveByteCount -= bytes;
    if (released) {
      this.residentPages -= bytes / PAGE_SIZE;
      this.footprintNow -= bytes;
    }
    this.freeLargeIds[this.freeLargeCount++] = l;
  }

  // ---------------------------------------------------------------- shared paths

  /** Moves a block to a new one of `size` bytes copying `keep` bytes; 0 (old block intact) when out of memory. */
  private move(va: number, keep: number, size: number): number {
    const slab = this.foundSlab;
    const index = this.foundIndex;
    const large = this.foundLarge;
    const to = this.malloc(size);
    if (to === 0) return 0;
    this.space.copy(to, va, Math.min(keep, size));
    this.foundSlab = slab;
    this.foundIndex = index;
    this.foundLarge = large;
    this.releaseFound(va);
    return to;
  }

  private releaseFound(va: number): void {
    if (this.foundSlab !== NONE) {
      this.freeSmall(va);
    } else {
      const l = this.foundLarge;
      const bytes = this.largeBytes[l];
      if (this.largeCacheEntries > 0 && bytes <= 1048576) {
        if (this.cacheCount === this.largeCacheEntries) this.uncache(0, true);
        this.cacheBase[this.cacheCount] = va;
        this.cacheBytes[this.cacheCount] = bytes;
        this.cacheCount++;
        this.cachedBytes += bytes;
        this.dropLarge(l, false);
      } else {
        this.space.release(va, bytes);
        this.dropLarge(l, true);
      }
      this.rememberFreed(va);
    }
  }

  private rememberFreed(va: number): void {
    this.freedRing[this.freedRingNext] = va;
    this.freedRingNext = (this.freedRingNext + 1) & (FREED_RING - 1);
  }

  /**
   * Finds the live block that starts at `va`, setting foundSlab/foundIndex or foundLarge, or
   * throws the error that says what `va` is instead.
   */
  private locate(va: number, op: string): void {
    if (!Number.isSafeInteger(va))
      throw new InvalidArgumentError(`${this.name}: ${op}(${va}): not an address`);
    const a = this.areaByKey.get(Math.floor(va / this.areaSize));
    if (a !== NONE) {
      const offset = va - this.areaBase[a];
      const s = this.areaPageSlab[a * this.pagesPerArea + (offset >>> 12)];
      if (s !== NONE) {
        const size = this.classSize[this.slabClass[s]];
        const inSlab = va - this.slabBase[s];
        const index = (inSlab / size) | 0;
        if (index < this.classObjects[this.slabClass[s]]) {
          const live = (this.bitmap[this.slabBitmapAt[s] + (index >>> 5)] & (1 << (index & 31))) !== 0;
          if (live && index * size === inSlab) {
            this.foundSlab = s;
            this.foundIndex = index;
            this.foundLarge = NONE;
            return;
          }
          const start = this.slabBase[s] + index * size;
          if (live)
            throw new InteriorPointerError(
              `${this.name}: ${op}(${hex(va)}): interior pointer, ${va - start} bytes into the block at ${hex(start)}`,
            );
          if (index * size === inSlab && index < this.slabHigh[s]) this.throwFreed(va, op);
        }
      }
    } else if (va % PAGE_SIZE === 0) {
      const l = this.largeByPage.get(va / PAGE_SIZE);
      if (l !== NONE) {
        this.foundSlab = NONE;
        this.foundLarge = l;
        return;
      }
    }
    if (a === NONE) {
      for (let l = 0; l < this.largeIdsUsed; l++) {
        const start = this.largeBase[l];
        if (this.largeLiveFlag[l] && va > start && va < start + this.largeBytes[l])
          throw new InteriorPointerError(
            `${this.name}: ${op}(${hex(va)}): interior pointer, ${va - start} bytes into the block at ${hex(start)}`,
          );
      }
    }
    for (let i = 0; i < FREED_RING; i++) if (this.freedRing[i] === va) this.throwFreed(va, op);
    throw new NotAllocatedError(`${this.name}: ${op}(${hex(va)}): not an address this heap handed out`);
  }

  private throwFreed(va: number, op: string): never {
    if (op === 'free')
      throw new DoubleFreeError(`${this.name}: free(${hex(va)}): double free, the block is already free`);
    throw new FreedBlockError(`${this.name}: ${op}(${hex(va)}): the block was freed`);
  }

  private badSize(op: string, size: number): never {
    throw new InvalidArgumentError(
      `${this.name}: ${op}(${size}): the size overflows or is not a byte count (0 to 2^47)`,
    );
  }

  private addFootprint(bytes: number): void {
    this.footprintNow += bytes;
    if (this.footprintNow > this.peakFootprintNow) this.peakFootprintNow = this.footprintNow;
  }

  // ---------------------------------------------------------------- growing the tables

  private growSlabs(capacity: number): void {
    this.slabClass = grown(this.slabClass, capacity);
    this.slabArea = grown(this.slabArea, capacity, NONE);
    this.slabFirstPage = grown(this.slabFirstPage, capacity);
    this.slabLive = grown(this.slabLive, capacity);
    this.slabHigh = grown(this.slabHigh, capacity);
    this.slabDirty = grown(this.slabDirty, capacity);
    this.slabHint = grown(this.slabHint, capacity);
    this.slabNext = grown(this.slabNext, capacity, NONE);
    this.slabPrev = grown(this.slabPrev, capacity, NONE);
    this.slabBase = grown(this.slabBase, capacity);
    this.slabBitmapAt = grown(this.slabBitmapAt, capacity);
    this.freeSlabIds = grown(this.freeSlabIds, capacity);
    this.slabCapacity = capacity;
  }

  private growAreas(capacity: number): void {
    this.areaBase = grown(this.areaBase, capacity);
    this.areaUsed = grown(this.areaUsed, capacity);
    this.areaTouched = grown(this.areaTouched, capacity);
    this.areaLiveFlag = grown(this.areaLiveFlag, capacity);
    this.areaNext = grown(this.areaNext, capacity, NONE);
    this.areaPrev = grown(this.areaPrev, capacity, NONE);
    this.areaPageSlab = grown(this.areaPageSlab, capacity * this.pagesPerArea, NONE);
    this.freeAreaIds = grown(this.freeAreaIds, capacity);
    this.areaCapacity = capacity;
  }

  private growLarge(capacity: number): void {
    this.largeBase = grown(this.largeBase, capacity);
    this.largeBytes = grown(this.largeBytes, capacity);
    this.largeLiveFlag = grown(this.largeLiveFlag, capacity);
    this.freeLargeIds = grown(this.freeLargeIds, capacity);
    this.largeCapacity = capacity;
  }
}

type Grow = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

function grown<T extends Grow>(array: T, length: number, fill = 0): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}

function roundUp(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

/** A mask of `count` bits from bit `first`. */
function runMask(first: number, count: number): number {
  return (count >= 32 ? FULL_WORD : ((1 << count) - 1) << first) >>> 0;
}

/** Number of consecutive set bits from bit 0. */
function trailingOnes(value: number): number {
  const zeros = ~value;
  return zeros === 0 ? 32 : 31 - Math.clz32(zeros & -zeros);
}

function popcount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function isOutOfMemory(error: unknown): boolean {
  return error instanceof OutOfMemoryError || (error instanceof PageframeError && error.code === 'ELIMIT');
}

/**
 * A copy of one bookkeeping field for Heap.cloneFor: numbers and strings as they are, typed arrays
 * and maps copied, arrays of typed arrays (free bitmap segments) copied each; a field of any other
 * kind is a bug this reports rather than shares.
 */
function cloneField(value: unknown, key: string, heapName: string): unknown {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (ArrayBuffer.isView(value)) return (value as unknown as { slice(): unknown }).slice();
  if (value instanceof NumberMap) return value.clone();
  if (Array.isArray(value)) {
    if (Object.isFrozen(value)) return value; // the size classes: never change
    return value.map((item: unknown) => cloneField(item, key, heapName));
  }
  throw new InvariantError(`${heapName}: cloneFor cannot copy field '${key}'`);
}
