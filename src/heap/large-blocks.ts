/**
 * Large blocks: a request above the large threshold gets an ANON range of its own, rounded up to
 * pages and found again through a page-number map. Up to `cacheEntries` freed ranges stay mapped
 * for a later request of the same size, oldest given back first: any of at most
 * LARGE_CACHE_MAX_BYTES, and the last freed one above that (a program that maps one big buffer a
 * run, as sort does, then maps it once). A block that grows in place maps an eighth more than it
 * needs, so a buffer grown by small steps is extended a few times, not at every page.
 * A freed range the space refuses to take back (the region limit) joins the cache too, beyond its
 * size, and is offered back at the next trim. Used by Heap for large malloc, free and realloc;
 * read by the checker and stats.
 */
import { grown, roundUp } from './grown.js';
import * as heapConstants from './heap-constants.js';
import type { HeapCounters } from './heap-counters.js';
import type { HeapSpace } from './heap-space.js';
import { NumberMap } from './number-map.js';
import { isOutOfMemory, tryRelease } from './out-of-memory.js';

// Module-local copies, folded into the optimized code (heap-constants.ts says why).
const { INVERSE_PAGE_SIZE, NONE, PAGE_OFFSET_MASK, PAGE_SIZE, roundUpToPage } = heapConstants;

/** Largest freed block the cache keeps (a bigger one is given back at once). */
export const LARGE_CACHE_MAX_BYTES = 1 << 20;
const INITIAL_LARGE = 16;
/**
 * A block grown in place maps at least this fraction of its size more (the realloc trace, a
 * buffer grown by 128 bytes to 600 KiB: 151 extensions a run with none ahead, 25 with this; its
 * utilization stays 0.90).
 */
const GROW_AHEAD = 1 / 8;

export class LargeBlocks {
  // Indexed by large-block id.
  base = new Float64Array(0);
  bytes = new Float64Array(0);
  live = new Uint8Array(0);
  /** The block blockAt found last (a hint: isLastFound checks it is live and at the address). */
  lastFound = 0;
  private freeIds = new Int32Array(0);
  private freeIdCount = 0;
  private capacity = 0;
  /** Ids below this were handed out at least once. */
  idsUsed = 0;
  count = 0;
  readonly byPage = new NumberMap();

  // Freed ranges kept mapped for reuse, oldest first.
  cacheBase: Float64Array;
  cacheBytes: Float64Array;
  cacheCount = 0;
  cachedBytes = 0;
  /** Whether the last allocation got fresh (demand-zero) pages. */
  lastFresh = false;
  /** Mapped bytes of live blocks. */
  liveBytes = 0;
  /** Pages of live blocks and cached ranges (all resident: a large block is counted whole). */
  residentPages = 0;
  // What the last allocate did, for undoAllocate: the block, the cache entry it took (-1: none,
  // the range was mapped) and whether its id was a reused one.
  private lastBlock = NONE;
  private lastCacheIndex = -1;
  private lastIdReused = false;

  constructor(
    private readonly space: HeapSpace,
    private readonly counters: HeapCounters,
    readonly cacheEntries: number,
    /** Gives back what the heap keeps mapped for reuse; called before it maps a block. */
    private readonly beforeMapping: () => void,
  ) {
    this.cacheBase = new Float64Array(cacheEntries);
    this.cacheBytes = new Float64Array(cacheEntries);
    this.grow(INITIAL_LARGE);
  }

  /** Whether the block blockAt found last is live and starts at `va`. */
  isLastFound(va: number): boolean {
    const last = this.lastFound;
    return this.live[last] === 1 && this.base[last] === va;
  }

  /** The live block starting at `va`, or NONE. */
  blockAt(va: number): number {
    if (this.isLastFound(va)) return this.lastFound;
    if ((va & PAGE_OFFSET_MASK) !== 0) return NONE;
    const l = this.byPage.get(va * INVERSE_PAGE_SIZE);
    if (l !== NONE) this.lastFound = l;
    return l;
  }

  /** The live block `va` lies inside (not at its start), or NONE: a slow scan for error messages. */
  blockAround(va: number): number {
    for (let l = 0; l < this.idsUsed; l++)
      if (this.live[l] && va > this.base[l] && va < this.base[l] + this.bytes[l]) return l;
    return NONE;
  }

  /** A block of `size` bytes aligned to `alignment` (a multiple of the page); 0 when out of memory. */
  allocate(size: number, alignment: number): number {
    const bytes = roundUp(size, PAGE_SIZE);
    let va = 0;
    this.lastCacheIndex = -1;
    for (let i = this.cacheCount - 1; i >= 0; i--) {
      if (this.cacheBytes[i] === bytes && this.cacheBase[i] % alignment === 0) {
        va = this.cacheBase[i];
        this.forget(i);
        this.lastCacheIndex = i;
        this.lastFresh = false;
        break;
      }
    }
    if (va === 0) {
      // The spare area and the cached ranges cannot serve this; give them back before mapping more.
      this.beforeMapping();
      try {
        va = this.space.reserveAnon(bytes, alignment);
      } catch (error) {
        if (isOutOfMemory(error)) return 0;
        throw error;
      }
      this.lastFresh = true;
      this.counters.addFootprint(bytes);
      this.residentPages += bytes / PAGE_SIZE;
      this.counters.addResident(bytes / PAGE_SIZE);
    }
    if (this.freeIdCount === 0 && this.idsUsed === this.capacity) this.grow(this.capacity * 2);
    this.lastIdReused = this.freeIdCount > 0;
    const l = this.lastIdReused ? this.freeIds[--this.freeIdCount] : this.idsUsed++;
    this.lastBlock = l;
    this.base[l] = va;
    this.bytes[l] = bytes;
    this.live[l] = 1;
    this.byPage.set(va / PAGE_SIZE, l);
    this.count++;
    this.liveBytes += bytes;
    return va;
  }

  /**
   * Takes back the last allocate, right after it: a range taken from the cache goes back to its
   * place there, a mapped one back to the space (kept in the cache if the space refuses). The
   * resident counts are the caller's to restore.
   */
  undoAllocate(): void {
    const l = this.lastBlock;
    const va = this.base[l];
    const bytes = this.bytes[l];
    this.byPage.delete(va / PAGE_SIZE);
    this.live[l] = 0;
    this.count--;
    this.liveBytes -= bytes;
    if (this.lastIdReused) this.freeIds[this.freeIdCount++] = l;
    else this.idsUsed--;
    const i = this.lastCacheIndex;
    if (i >= 0) {
      this.cache(va, bytes);
      this.cacheBase.copyWithin(i + 1, i, this.cacheCount - 1);
      this.cacheBytes.copyWithin(i + 1, i, this.cacheCount - 1);
      this.cacheBase[i] = va;
      this.cacheBytes[i] = bytes;
    } else if (tryRelease(this.space, va, bytes)) {
      this.removeMapped(bytes);
    } else {
      this.cache(va, bytes);
    }
  }

  /** Frees block `l`: into the cache when it is small enough, else back to the space. */
  free(l: number): void {
    const va = this.base[l];
    const bytes = this.bytes[l];
    if (this.cacheEntries > 0 && (bytes <= LARGE_CACHE_MAX_BYTES || this.roomForBig())) {
      if (this.cacheCount >= this.cacheEntries) this.uncache(0);
      this.cache(va, bytes);
      this.drop(l, false);
    } else if (tryRelease(this.space, va, bytes)) {
      this.drop(l, true);
    } else {
      this.cache(va, bytes);
      this.drop(l, false);
    }
  }

  /** Makes room for a range above LARGE_CACHE_MAX_BYTES: the cache keeps one such, the last freed. */
  private roomForBig(): boolean {
    for (let i = 0; i < this.cacheCount; i++)
      if (this.cacheBytes[i] > LARGE_CACHE_MAX_BYTES) return this.uncache(i);
    return true;
  }

  /**
   * Gives back the pages of block `l` past its first `keep` bytes (a multiple of the page), if the
   * space takes them; no more than the eighth a growing block maps ahead stays.
   */
  shrink(l: number, keep: number): void {
    if (this.keepsTail(l, keep)) return;
    const mapped = this.bytes[l];
    if (!tryRelease(this.space, this.base[l] + keep, mapped - keep)) return;
    this.bytes[l] = keep;
    this.removeMapped(mapped - keep);
    this.liveBytes -= mapped - keep;
  }

  /** Whether shrink(l, keep) would keep block `l` as it is (what lies past `keep` is at most the eighth ahead). */
  keepsTail(l: number, keep: number): boolean {
    return this.bytes[l] - keep <= roundUpToPage(keep * GROW_AHEAD);
  }

  /** Grows block `l` in place to `size` bytes when the space can map the pages after it; whether it did. */
  extend(l: number, size: number): boolean {
    if (!this.space.extendAnon) return false;
    this.beforeMapping();
    const mapped = this.bytes[l];
    const needed = roundUp(size, PAGE_SIZE) - mapped;
    const ahead = Math.max(needed, roundUp(mapped * GROW_AHEAD, PAGE_SIZE));
    let more = ahead;
    if (!this.tryExtend(l, ahead)) {
      more = needed;
      if (ahead === needed || !this.tryExtend(l, needed)) return false;
    }
    this.bytes[l] = mapped + more;
    this.liveBytes += more;
    this.residentPages += more / PAGE_SIZE;
    this.counters.addResident(more / PAGE_SIZE);
    this.counters.addFootprint(more);
    return true;
  }

  /** Maps `bytes` right after block `l`; whether the space could. */
  private tryExtend(l: number, bytes: number): boolean {
    try {
      return this.space.extendAnon?.(this.base[l] + this.bytes[l], bytes) ?? false;
    } catch (error) {
      if (!isOutOfMemory(error)) throw error;
      return false;
    }
  }

  /** Frees every live block, into the cache (releaseAll then trims it). */
  freeAll(): void {
    for (let l = 0; l < this.idsUsed; l++) {
      if (!this.live[l]) continue;
      this.cache(this.base[l], this.bytes[l]);
      this.drop(l, false);
    }
  }

  /** Gives every cached range back to the space, newest first; keeps those the space refuses. */
  trimCache(): void {
    for (let progress = true; progress && this.cacheCount > 0; ) {
      progress = false;
      for (let i = this.cacheCount - 1; i >= 0; i--) if (this.uncache(i)) progress = true;
    }
  }

  /** Gives the oldest cached range the space takes back to it; whether one went. */
  giveBackOldest(): boolean {
    for (let i = 0; i < this.cacheCount; i++) if (this.uncache(i)) return true;
    return false;
  }

  /** Live blocks as [address, bytes] pairs. */
  blocks(out: Array<[number, number]>): void {
    for (let l = 0; l < this.idsUsed; l++) if (this.live[l]) out.push([this.base[l], this.bytes[l]]);
  }

  get byteLength(): number {
    return (
      this.base.byteLength +
      this.bytes.byteLength +
      this.live.byteLength +
      this.freeIds.byteLength +
      this.cacheBase.byteLength +
      this.cacheBytes.byteLength +
      this.byPage.byteLength
    );
  }

  copyFrom(other: LargeBlocks): void {
    this.base = other.base.slice();
    this.bytes = other.bytes.slice();
    this.live = other.live.slice();
    this.freeIds = other.freeIds.slice();
    this.freeIdCount = other.freeIdCount;
    this.capacity = other.capacity;
    this.idsUsed = other.idsUsed;
    this.count = other.count;
    this.byPage.copyFrom(other.byPage);
    this.cacheBase = other.cacheBase.slice();
    this.cacheBytes = other.cacheBytes.slice();
    this.cacheCount = other.cacheCount;
    this.cachedBytes = other.cachedBytes;
    this.lastFresh = other.lastFresh;
    this.liveBytes = other.liveBytes;
    this.residentPages = other.residentPages;
  }

  /** Keeps a freed range mapped, at the end of the cache (which grows past its size only for ranges the space refused). */
  private cache(va: number, bytes: number): void {
    if (this.cacheCount === this.cacheBase.length) {
      this.cacheBase = grown(this.cacheBase, this.cacheCount * 2 + 1);
      this.cacheBytes = grown(this.cacheBytes, this.cacheCount * 2 + 1);
    }
    this.cacheBase[this.cacheCount] = va;
    this.cacheBytes[this.cacheCount] = bytes;
    this.cacheCount++;
    this.cachedBytes += bytes;
  }

  /** Gives cache entry `i` back to the space; false (kept) when the space refuses. */
  private uncache(i: number): boolean {
    if (!tryRelease(this.space, this.cacheBase[i], this.cacheBytes[i])) return false;
    this.removeMapped(this.cacheBytes[i]);
    this.forget(i);
    return true;
  }

  /** Removes cache entry `i` (its range was given back or handed out again). */
  private forget(i: number): void {
    const bytes = this.cacheBytes[i];
    this.cachedBytes -= bytes;
    this.cacheCount--;
    this.cacheBase.copyWithin(i, i + 1, this.cacheCount + 1);
    this.cacheBytes.copyWithin(i, i + 1, this.cacheCount + 1);
  }

  /** Forgets block `l`; its range was either given back (`released`) or kept in the cache. */
  private drop(l: number, released: boolean): void {
    const bytes = this.bytes[l];
    this.byPage.delete(this.base[l] / PAGE_SIZE);
    this.live[l] = 0;
    this.count--;
    this.liveBytes -= bytes;
    if (released) this.removeMapped(bytes);
    this.freeIds[this.freeIdCount++] = l;
  }

  /** A range given back: its bytes leave the footprint and its pages the resident count. */
  private removeMapped(bytes: number): void {
    this.counters.footprint -= bytes;
    this.residentPages -= bytes / PAGE_SIZE;
    this.counters.residentPages -= bytes / PAGE_SIZE;
  }

  private grow(capacity: number): void {
    this.base = grown(this.base, capacity);
    this.bytes = grown(this.bytes, capacity);
    this.live = grown(this.live, capacity);
    this.freeIds = grown(this.freeIds, capacity);
    this.capacity = capacity;
  }
}
