/**
 * What stats() reports: totals, and per size class the slab shape and how full its slabs are.
 * Built by Heap.stats() from the heap's tables; read by reports, the replay driver and tests.
 */
import type { AreaPool } from './area-pool.js';
import { NONE, PAGE_SIZE } from './heap-constants.js';
import type { HeapCounters } from './heap-counters.js';
import type { LargeBlocks } from './large-blocks.js';
import type { SlabCache } from './slab-cache.js';

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
  /** Largest residentBytes since the heap was made or resetPeak. */
  peakResidentBytes: number;
  /** Bytes of freed large areas kept mapped for reuse (part of the footprint). */
  cachedLargeBytes: number;
  areas: number;
  slabs: number;
  /** Empty slabs freeAll() kept for the next run, and those a warm heap's frees emptied (trim gives them back). */
  keptSlabs: number;
  /** Bytes of bookkeeping kept outside simulated memory (typed arrays), not in the footprint. */
  metadataBytes: number;
  classes: SizeClassStats[];
}

/** The heap's parts, as stats() and check() read them. */
export interface HeapParts {
  name: string;
  counters: HeapCounters;
  areas: AreaPool;
  slabs: SlabCache;
  large: LargeBlocks;
  /** Bytes of bookkeeping outside the parts above (the freed ring). */
  otherMetadataBytes: number;
}

export function metadataBytes(parts: HeapParts): number {
  return (
    parts.areas.byteLength +
    parts.slabs.byteLength +
    parts.slabs.classes.byteLength +
    parts.large.byteLength +
    parts.otherMetadataBytes
  );
}

export function collectStats(parts: HeapParts): HeapStats {
  const { counters, slabs, large } = parts;
  const table = slabs.classes;
  const classes: SizeClassStats[] = [];
  const capacity = new Int32Array(table.count);
  for (let s = 0; s < slabs.idsUsed; s++)
    if (slabs.area[s] !== NONE) capacity[slabs.classOf[s]] += slabs.objects[s];
  for (let c = 0; c < table.count; c++) {
    classes.push({
      size: table.size[c],
      slabPages: table.pages[c],
      objectsPerSlab: table.objects[c],
      slabs: slabs.slabsOf[c],
      liveBlocks: slabs.liveOf[c],
      capacity: capacity[c],
    });
  }
  return {
    liveBlocks: slabs.liveBlocks + large.count,
    liveBytes: slabs.liveBytes + large.liveBytes,
    largeBlocks: large.count,
    footprint: counters.footprint,
    peakFootprint: counters.peakFootprint,
    residentBytes: counters.residentPages * PAGE_SIZE,
    peakResidentBytes: counters.peakResidentPages * PAGE_SIZE,
    cachedLargeBytes: large.cachedBytes,
    areas: parts.areas.count,
    slabs: slabs.count,
    keptSlabs: slabs.kept,
    metadataBytes: metadataBytes(parts),
    classes,
  };
}

/** Live blocks as [address, usable size] pairs: slab objects by slab id, then large blocks by id. */
export function liveBlockList(parts: HeapParts): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  parts.slabs.blocks(out);
  parts.large.blocks(out);
  return out;
}

/** The ranges the heap holds mapped, as [address, bytes] pairs: areas, large blocks, cached ranges. */
export function mappedRangeList(parts: HeapParts): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const { areas, large } = parts;
  for (let a = 0; a < areas.idsUsed; a++) if (areas.live[a]) out.push([areas.base[a], areas.mappedBytes[a]]);
  large.blocks(out);
  for (let i = 0; i < large.cacheCount; i++) out.push([large.cacheBase[i], large.cacheBytes[i]]);
  return out;
}
