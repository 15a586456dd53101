/**
 * A heap's parts, made from its options (areas, slabs, large blocks, the address lookup, the
 * attempt record), and what can be read of them: the footprint and its peaks, stats(), the
 * live blocks and mapped ranges, check(). Heap adds the C interface on top.
 */
import { AllocationAttempt } from './allocation-attempt.js';
import { AreaPool } from './area-pool.js';
import { BlockLookup } from './block-lookup.js';
import { FreedRing } from './freed-ring.js';
import { checkHeap } from './heap-checker.js';
import { PAGE_SIZE } from './heap-constants.js';
import { HeapCounters } from './heap-counters.js';
import { type HeapOptions, type HeapSettings, resolveHeapOptions } from './heap-options.js';
import type { HeapSpace } from './heap-space.js';
import {
  collectStats,
  type HeapParts,
  type HeapStats,
  liveBlockList,
  mappedRangeList,
  metadataBytes,
} from './heap-stats.js';
import { LargeBlocks } from './large-blocks.js';
import { SizeClassTable } from './size-class-table.js';
import { SlabCache } from './slab-cache.js';

export class HeapState {
  readonly space: HeapSpace;
  readonly name: string;
  readonly areaSize: number;
  readonly largeThreshold: number;
  readonly alignment: number;
  readonly keepSpareArea: boolean;
  readonly largeCacheEntries: number;
  readonly sizeClasses: readonly number[];
  /** The options it was made with (a clone is made with the same). */
  protected readonly options: HeapOptions;
  protected readonly counters = new HeapCounters();
  protected readonly areas: AreaPool;
  protected readonly slabs: SlabCache;
  protected readonly classes: SizeClassTable;
  /** The slab cache's partial-list heads by class (malloc's first look). */
  protected readonly partial: Int32Array;
  protected readonly large: LargeBlocks;
  protected readonly freed = new FreedRing();
  protected readonly parts: HeapParts;
  protected readonly attempt: AllocationAttempt;

  protected readonly found: BlockLookup;

  constructor(space: HeapSpace, options: HeapOptions = {}) {
    const settings: HeapSettings = resolveHeapOptions(options);
    this.space = space;
    this.options = { ...options };
    this.name = settings.name;
    this.areaSize = settings.areaSize;
    this.alignment = settings.alignment;
    this.largeThreshold = settings.largeThreshold;
    this.keepSpareArea = settings.keepSpareArea;
    this.largeCacheEntries = settings.largeCacheEntries;
    this.sizeClasses = settings.sizeClasses;
    // Giving back what is kept for reuse before mapping more waits until the call has succeeded.
    const trim = () => {
      this.attempt.trimWanted = true;
    };
    this.areas = new AreaPool(
      space,
      this.counters,
      this.areaSize,
      this.keepSpareArea,
      settings.growAreas,
      trim,
    );
    const classes = new SizeClassTable(
      settings.sizeClasses,
      settings.alignment,
      this.areas.pagesPerArea,
      settings.maxSlabWaste,
      settings.maxSmallSlabWaste,
      settings.borrowWaste,
      this.name,
    );
    this.classes = classes;
    this.slabs = new SlabCache(classes, this.areas);
    this.partial = this.slabs.partial;
    this.large = new LargeBlocks(space, this.counters, this.largeCacheEntries, trim);
    this.attempt = new AllocationAttempt(this.counters, this.areas, this.slabs, this.large);
    this.parts = {
      name: this.name,
      counters: this.counters,
      areas: this.areas,
      slabs: this.slabs,
      large: this.large,
      otherMetadataBytes: this.freed.byteLength,
    };
    this.found = new BlockLookup(this.parts, this.freed);
  }

  get footprint(): number {
    return this.counters.footprint;
  }

  get peakFootprint(): number {
    return this.counters.peakFootprint;
  }

  get liveBlocks(): number {
    return this.slabs.liveBlocks + this.large.count;
  }

  /** Largest resident bytes (pages handed out to blocks) since the heap was made or resetPeak. */
  get peakResidentBytes(): number {
    return this.counters.peakResidentPages * PAGE_SIZE;
  }

  /** Restarts the peaks from the current values (a replay measures each trace alone). */
  resetPeak(): void {
    this.counters.peakFootprint = this.counters.footprint;
    this.counters.peakResidentPages = this.counters.residentPages;
  }

  stats(): HeapStats {
    return collectStats(this.parts);
  }

  /** Bytes of the typed arrays that hold the heap's bookkeeping. */
  metadataBytes(): number {
    return metadataBytes(this.parts);
  }

  /** Live blocks as [address, usable size] pairs, in no particular order (tests, reports). */
  blocks(): Array<[number, number]> {
    return liveBlockList(this.parts);
  }

  /** The ranges the heap holds mapped, as [address, bytes] pairs (areas and large areas). */
  mappedRanges(): Array<[number, number]> {
    return mappedRangeList(this.parts);
  }

  /** Throws InvariantError when the bookkeeping is inconsistent. */
  check(): void {
    checkHeap(this.parts);
  }
}
