/**
 * malloc for one address space: the C interface (malloc, free, calloc, realloc, memalign and
 * friends) over the heap's parts. Used by processes, the kernel's heap, the replay driver and tests.
 *
 * Small requests come from slab caches, one per size class (SlabCache): a slab is a run of pages
 * inside a 64 KiB area reserved from the space as ANON memory (AreaPool). Requests above the large
 * threshold get a range of their own (LargeBlocks). All bookkeeping is in typed arrays outside
 * simulated memory; malloc and free allocate no object. Every call checks before it changes
 * anything: a bad address throws a typed error naming it and the heap is as it was; out of memory
 * returns 0 (NULL) and changes nothing, even when calloc's zeroing or realloc's copy is what ran
 * out of frames (AllocationAttempt takes the placed block back).
 */
import { InvalidArgumentError, PageframeError } from '../common/errors.js';
import { badSize, checkMemalign, checkPosixMemalign, placeAligned } from './aligned-placement.js';
import { roundUp } from './grown.js';
import * as heapConstants from './heap-constants.js';
import type { HeapSpace } from './heap-space.js';
import { HeapState } from './heap-state.js';
import { isOutOfMemory } from './out-of-memory.js';

// Module-local copies, folded into the optimized code (heap-constants.ts says why).
const { MAX_ALLOCATION, NONE, PAGE_SIZE, roundUpToPage } = heapConstants;

/**
 * Whether `size` is one malloc and realloc accept: a whole number from 0 to MAX_ALLOCATION. A
 * 32-bit unsigned integer, the common case, is one comparison; Number.isInteger and the double
 * comparisons cost a malloc 2 ns (recorded sort's mallocs alone: 17.6-19.2 -> 16.5-16.9 ns each).
 */
function isSize(size: number): boolean {
  return size >>> 0 === size || (size >= 0 && size <= MAX_ALLOCATION && Number.isInteger(size));
}

export { MAX_ALLOCATION } from './heap-constants.js';
export type { HeapOptions } from './heap-options.js';
export type { HeapStats, SizeClassStats } from './heap-stats.js';

export class Heap extends HeapState {
  private readonly giveBackOver = (footprintOver: number, residentPagesOver: number) =>
    this.giveBackKeptOver(footprintOver, residentPagesOver);

  // ---------------------------------------------------------------- the C interface

  /** malloc: a block of at least `size` bytes, aligned to the heap's alignment; 0 when out of memory. */
  malloc(size: number): number {
    if (!isSize(size)) badSize(this.name, 'malloc', size);
    if (size <= this.largeThreshold) {
      // A class (or one it may borrow from) with a free object: nothing can fail or be mapped, so
      // no attempt to record.
      const cls = this.classWithFreeObject(size);
      if (cls !== NONE) return this.slabs.allocateFree(cls);
    }
    return this.mallocInAttempt(size);
  }

  /**
   * malloc that may make a slab or map: all-or-nothing. (A method of its own, so the fast path
   * above stays small enough for V8 to inline whole into its callers: slab-cache.ts's take says why.)
   */
  private mallocInAttempt(size: number): number {
    this.attempt.begin();
    let va = this.place(size);
    if (va === 0 && this.trimAndRetry()) va = this.place(size);
    return this.settle(va);
  }

  /** malloc's placement, inside an attempt: a slab object or a large block; 0 when out of memory. */
  private place(size: number): number {
    if (size > this.largeThreshold) return this.large.allocate(size, PAGE_SIZE);
    const cls = this.classWithFreeObject(size);
    return this.slabs.allocate(cls !== NONE ? cls : this.classes.classOf(size));
  }

  /**
   * The class of `size` (at most the threshold) when it has a free object, else the nearest
   * bigger one it may borrow from that has one (rather than a new slab); NONE when none has.
   */
  private classWithFreeObject(size: number): number {
    const cls = this.classes.classOf(size);
    return this.partial[cls] !== NONE ? cls : this.biggerWithFreeObject(cls);
  }

  /** The nearest class above `cls` it may borrow from with a free object, or NONE. */
  private biggerWithFreeObject(cls: number): number {
    const partial = this.partial;
    const limit = this.classes.borrowLimit[cls];
    for (let c = cls + 1; c <= limit; c++) if (partial[c] !== NONE) return c;
    return NONE;
  }

  /** free: gives a block back. free(0) does nothing. */
  free(va: number): void {
    if (va === 0) return;
    this.found.locate(va, 'free');
    this.releaseFound(va);
  }

  /** calloc: `count * size` zeroed bytes; 0 when out of memory; a product that overflows throws. */
  calloc(count: number, size: number): number {
    if (!(count >= 0 && Number.isInteger(count))) badSize(this.name, 'calloc', count);
    if (!(size >= 0 && Number.isInteger(size))) badSize(this.name, 'calloc', size);
    const total = count * size;
    if (total > MAX_ALLOCATION)
      throw new InvalidArgumentError(`${this.name}: calloc(${count}, ${size}): the size overflows`);
    this.attempt.begin();
    let va = this.place(total);
    if (va === 0 && this.trimAndRetry()) va = this.place(total);
    if (va === 0 || total === 0) return this.settle(va);
    // A fresh object on pages that never held a block is still demand-zero: no need to touch it.
    if (total > this.largeThreshold ? this.large.lastFresh : this.slabs.lastFresh) return this.settle(va);
    try {
      this.space.fill(va, total, 0);
    } catch (error) {
      if (!isOutOfMemory(error)) throw error;
      this.unplace(total);
      return this.settle(0);
    }
    return this.settle(va);
  }

  /**
   * realloc: resizes a block, in place when it fits its class or its area, else by moving it.
   * realloc(0, n) is malloc(n); realloc(p, 0) frees p and returns 0 (as glibc). When out of
   * memory it returns 0 and the old block is untouched.
   */
  realloc(va: number, size: number): number {
    if (va === 0) return this.malloc(size);
    if (!isSize(size)) badSize(this.name, 'realloc', size);
    this.found.locate(va, 'realloc');
    if (size === 0) {
      this.releaseFound(va);
      return 0;
    }
    if (this.fitsAsItIs(size)) return va;
    // A one-object slab with free units after it grows into them: no copy, nothing to undo.
    const slab = this.found.slab;
    if (
      slab !== NONE &&
      size <= this.largeThreshold &&
      this.slabs.growInPlace(slab, this.classes.classOf(size))
    )
      return va;
    this.attempt.begin();
    let to = this.resize(va, size);
    if (to === 0 && this.trimAndRetry()) to = this.resize(va, size);
    return this.settle(to);
  }

  /**
   * Whether realloc of the found block to `size` bytes leaves it as it is: it fits its class, or
   * its mapped bytes with no tail to give back and no reason to move into a slab (no attempt to
   * record: a growing buffer's common case).
   */
  private fitsAsItIs(size: number): boolean {
    const slab = this.found.slab;
    if (slab !== NONE) return size <= this.slabs.classSize[this.slabs.classOf[slab]];
    const large = this.found.large;
    const mapped = this.large.bytes[large];
    return (
      size <= mapped &&
      !(size <= this.largeThreshold && size <= mapped / 2) &&
      this.large.keepsTail(large, roundUpToPage(size))
    );
  }

  /** realloc of the found block to `size` (> 0) bytes, inside an attempt. */
  private resize(va: number, size: number): number {
    const slab = this.found.slab;
    if (slab !== NONE) {
      const oldSize = this.slabs.classes.size[this.slabs.classOf[slab]];
      if (size <= oldSize) return va;
      return this.move(va, oldSize, size);
    }
    const large = this.found.large;
    const mapped = this.large.bytes[large];
    if (size <= this.largeThreshold && size <= mapped / 2) {
      // Shrunk below the threshold: a slab object wastes less than a mostly empty area. (If no
      // slab can be had, it shrinks in place below: a shrink never fails.)
      const moved = this.move(va, size, size);
      if (moved !== 0) return moved;
    }
    if (size <= mapped) {
      this.large.shrink(large, roundUp(size, PAGE_SIZE));
      return va;
    }
    if (this.large.extend(large, size)) return va;
    return this.move(va, mapped, size);
  }

  /** memalign: a block whose address is a multiple of `alignment` (a power of two). */
  memalign(alignment: number, size: number): number {
    checkMemalign(this.name, alignment, size);
    if (alignment <= this.alignment) return this.malloc(size);
    this.attempt.begin();
    const { slabs, large, largeThreshold } = this;
    let va = placeAligned(slabs, large, largeThreshold, alignment, size);
    if (va === 0 && this.trimAndRetry()) va = placeAligned(slabs, large, largeThreshold, alignment, size);
    return this.settle(va);
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
    checkPosixMemalign(this.name, alignment, size);
    return this.memalign(alignment, size);
  }

  /** malloc_usable_size: bytes the block may use (its class size, or its mapped bytes). */
  usableSize(va: number): number {
    this.found.locate(va, 'usableSize');
    return this.found.slab !== NONE
      ? this.slabs.classes.size[this.slabs.classOf[this.found.slab]]
      : this.large.bytes[this.found.large];
  }

  /** Whether `va` is the start of a live block (no error for anything else). */
  isLive(va: number): boolean {
    try {
      this.found.locate(va, 'isLive');
      return true;
    } catch (error) {
      if (error instanceof PageframeError) return false;
      throw error;
    }
  }

  /**
   * Gives back the empty areas, the cached large ranges and the kept slabs, and ends a warm
   * heap's keeping (freeAll). What the space refuses to take back (the region limit) stays held,
   * counted in the footprint, and is offered again next time.
   */
  trim(): void {
    this.slabs.warm = false;
    this.giveBackKept();
  }

  /**
   * trim() without ending a warm heap's keeping: what a call gives back before it maps more
   * (a warm run goes on keeping the slabs its frees empty after that).
   */
  private giveBackKept(): void {
    // Again while something went: giving back one range can let its neighbour go without a split.
    for (let before = Number.POSITIVE_INFINITY; this.counters.footprint < before; ) {
      before = this.counters.footprint;
      this.slabs.dropKept();
      this.areas.releaseEmpty();
      this.large.trimCache();
    }
  }

  /**
   * Gives back what the heap keeps for reuse, in stages, until at least `footprintOver` bytes of
   * footprint and `residentPagesOver` resident pages have gone (a call's mapping raised its peaks
   * by that much): the cached large ranges first, oldest first, then the empty areas, then the
   * kept slabs with the areas they empty. A warm realloc run's first large extension only needs
   * the cached buffer of the last run to go; giving back everything remade 39 slabs and 4 areas
   * a pass.
   */
  private giveBackKeptOver(footprintOver: number, residentPagesOver: number): void {
    const counters = this.counters;
    const footprint = counters.footprint - footprintOver;
    const resident = counters.residentPages - residentPagesOver;
    const enough = () => counters.footprint <= footprint && counters.residentPages <= resident;
    while (!enough() && this.large.giveBackOldest()) {}
    if (enough()) return;
    this.areas.releaseEmpty();
    if (enough()) return;
    this.giveBackKept();
  }

  /**
   * Frees every block and keeps everything it held mapped for reuse: every slab, emptied, in its
   * class's list, the large blocks in the large cache as free() leaves them, the areas: a warm heap,
   * as @thi.ng/malloc's freeAll keeps its whole buffer. Until trim() the heap stays warm: the
   * slabs its frees empty are kept too, for the next run. Warm throughput empties the heap between
   * passes this way; trim() gives what it keeps back.
   */
  freeAll(): void {
    const large = this.large;
    for (let l = 0; l < large.idsUsed; l++) if (large.live[l]) large.free(l);
    this.slabs.emptyAll();
  }

  /**
   * Frees every block and gives every area back to the space. What the space still refuses (the
   * region limit) stays held as empty areas and cached ranges, as trim() leaves it.
   */
  releaseAll(): void {
    this.large.freeAll();
    const areas = this.areas;
    for (let a = 0; a < areas.idsUsed; a++) if (areas.live[a]) this.slabs.dropAllIn(a);
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
    copy.counters.copyFrom(this.counters);
    copy.areas.copyFrom(this.areas);
    copy.slabs.copyFrom(this.slabs);
    copy.large.copyFrom(this.large);
    copy.freed.copyFrom(this.freed);
    return copy;
  }

  // ---------------------------------------------------------------- shared paths

  /** Moves a block to a new one of `size` bytes copying `keep` bytes; 0 (old block intact) when out of memory. */
  private move(va: number, keep: number, size: number): number {
    const to = this.place(size);
    if (to === 0) return 0;
    try {
      this.space.copy(to, va, Math.min(keep, size));
    } catch (error) {
      if (!isOutOfMemory(error)) throw error;
      // The heap as it was when the call began (the old block untouched).
      this.unplace(size);
      this.attempt.abort();
      return 0;
    }
    this.releaseFound(va);
    return to;
  }

  /** Ends an allocating call: its trim when it succeeded, everything put back when it did not. */
  private settle(va: number): number {
    if (va === 0) this.attempt.abort();
    else if (this.attempt.trimWanted) this.attempt.commit(this.giveBackOver);
    return va;
  }

  /**
   * After a placement found no memory: when it wanted what the heap keeps for reuse given back
   * before mapping, gives it back now and says to try once more (the one change a call that then
   * returns 0 leaves: free memory the program never sees).
   */
  private trimAndRetry(): boolean {
    if (!this.attempt.trimWanted) return false;
    this.attempt.abort();
    this.giveBackKept();
    this.attempt.begin();
    return true;
  }

  /** Takes back the block place(size) just made. */
  private unplace(size: number): void {
    if (size > this.largeThreshold) this.large.undoAllocate();
    else this.slabs.undoAllocate();
  }

  private releaseFound(va: number): void {
    if (this.found.slab !== NONE) this.slabs.free(this.found.slab, this.found.index);
    else this.large.free(this.found.large);
    this.freed.remember(va);
  }
}
