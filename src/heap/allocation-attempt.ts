/**
 * Makes each allocating call of the heap all-or-nothing: what it must put back when a later step
 * fails (calloc's zeroing or realloc's copy running out of frames, or no memory at all), and the
 * trim it holds until it has succeeded. Used by Heap around malloc, calloc, realloc and memalign.
 *
 * The slab cache, the area pool and the large blocks each undo their own last step exactly (ids,
 * lists and caches as they were); this restores the counters they share. Giving back what the heap
 * keeps for reuse (the spare area, cached large ranges) cannot be undone, so a call that needs to
 * map waits to do it until it has succeeded, does it only if its mapping raised a peak, and then
 * counts its peaks as if it had come first.
 */
import type { AreaPool } from './area-pool.js';
import type { HeapCounters } from './heap-counters.js';
import type { LargeBlocks } from './large-blocks.js';
import type { SlabCache } from './slab-cache.js';

export class AllocationAttempt {
  /** Set when the call had to map and wants what is kept for reuse given back first. */
  trimWanted = false;
  private peakFootprint = 0;
  private residentPages = 0;
  private peakResidentPages = 0;
  private areaResidentPages = 0;
  private largeResidentPages = 0;
  private spare = 0;
  private stranded = 0;

  constructor(
    private readonly counters: HeapCounters,
    private readonly areas: AreaPool,
    private readonly slabs: SlabCache,
    private readonly large: LargeBlocks,
  ) {}

  begin(): void {
    const counters = this.counters;
    this.peakFootprint = counters.peakFootprint;
    this.residentPages = counters.residentPages;
    this.peakResidentPages = counters.peakResidentPages;
    this.areaResidentPages = this.areas.residentPages;
    this.largeResidentPages = this.large.residentPages;
    this.spare = this.areas.spare;
    this.stranded = this.areas.stranded;
    this.areas.beginJournal();
  }

  /** Takes back the small block the call allocated (and what it mapped), then everything else. */
  undoSlab(): void {
    this.slabs.undoAllocate();
    this.abort();
  }

  /** Takes back the large block the call allocated, then everything else. */
  undoLarge(): void {
    this.large.undoAllocate();
    this.abort();
  }

  /**
   * The call failed: unmaps what it mapped, with no trim, and restores the peaks and resident
   * counts (the footprint follows what was unmapped: a range the space refused to take back stays
   * held, as a stranded area or a cached range).
   */
  abort(): void {
    this.areas.spare = this.spare;
    this.areas.stranded = this.stranded;
    this.areas.undoJournal();
    const counters = this.counters;
    counters.peakFootprint = this.peakFootprint;
    counters.residentPages = this.residentPages;
    counters.peakResidentPages = this.peakResidentPages;
    this.areas.residentPages = this.areaResidentPages;
    this.large.residentPages = this.largeResidentPages;
    this.trimWanted = false;
  }

  /**
   * The call succeeded. If it mapped and that raised a peak, gives back what is kept for reuse,
   * in stages, until what went covers the rise (`giveBack(footprintOver, residentPagesOver)`),
   * and lowers the peaks by what that gave back, as if it had been given back first: so what the
   * heap keeps never raises a peak, and stays as long as it does not.
   */
  commit(giveBack: (footprintOver: number, residentPagesOver: number) => void): void {
    if (!this.trimWanted) return;
    this.trimWanted = false;
    const counters = this.counters;
    const footprintOver = counters.peakFootprint - this.peakFootprint;
    const residentOver = counters.peakResidentPages - this.peakResidentPages;
    if (footprintOver <= 0 && residentOver <= 0) return;
    const footprint = counters.footprint;
    const resident = counters.residentPages;
    giveBack(footprintOver, residentOver);
    counters.peakFootprint = Math.max(
      this.peakFootprint,
      counters.peakFootprint - (footprint - counters.footprint),
    );
    counters.peakResidentPages = Math.max(
      this.peakResidentPages,
      counters.peakResidentPages - (resident - counters.residentPages),
    );
  }
}
