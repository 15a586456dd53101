/**
 * The heap is all-or-nothing when the space refuses to take memory back: adjacent heap areas merge
 * into one region, so giving back an area between two others splits the region, which the region
 * limit can forbid. free keeps such an area held (stranded) and consistent, malloc returns 0
 * rather than throwing, and trim() gives everything back once the neighbours have gone.
 */
import { describe, expect, it } from 'vitest';
import { Heap, type HeapOptions } from '../../src/heap/heap.js';
import { SparseSpace } from '../../src/heap/sparse-space.js';
import { Kernel } from '../../src/kernel/kernel.js';

const AREA = 65536;
/** 16 KiB blocks: four pages of a slab each, sixteen to an area. */
const BLOCK = 16384;
const PER_AREA = AREA / BLOCK;

/** Three full areas A, B, C side by side: one merged region, which is also the limit. */
function threeAreas(options: HeapOptions, spaceBytes = 2 ** 30) {
  const space = new SparseSpace({ mergeAdjacent: true, maxRegions: 1, size: spaceBytes });
  const heap = new Heap(space, options);
  const blocks: number[] = [];
  for (let i = 0; i < 3 * PER_AREA; i++) blocks.push(heap.malloc(BLOCK));
  expect(heap.stats().areas).toBe(3);
  expect(space.regions()).toEqual([{ start: space.base, end: space.base + 3 * AREA }]);
  const inArea = (k: number) => blocks.filter((va) => Math.floor((va - space.base) / AREA) === k);
  return { space, heap, a: inArea(0), b: inArea(1), c: inArea(2) };
}

function snapshot(heap: Heap, space: SparseSpace): string {
  return JSON.stringify({
    stats: heap.stats(),
    blocks: heap.blocks().sort((x, y) => x[0] - y[0]),
    regions: space.regions(),
  });
}

describe('heap on a space with a region limit', () => {
  it('free of the last block of a middle area keeps the area held, and trim gives it back later', () => {
    const { space, heap, a, b, c } = threeAreas({ keepSpareArea: false });
    for (const va of b) heap.free(va); // B cannot go: the region would split in two
    heap.check();
    expect(heap.stats().areas).toBe(3);
    expect(heap.footprint).toBe(3 * AREA);
    expect(space.reservedBytes).toBe(3 * AREA);
    // The held area serves the next small block instead of a new one.
    const again = heap.malloc(100);
    expect(Math.floor((again - space.base) / AREA)).toBe(1);
    heap.free(again);
    heap.check();
    for (const va of c) heap.free(va); // C is the end of the region: it goes
    expect(heap.footprint).toBe(2 * AREA);
    heap.trim(); // now B is the end of the region
    heap.check();
    expect(heap.footprint).toBe(AREA);
    expect(space.regions()).toEqual([{ start: space.base, end: space.base + AREA }]);
    for (const va of a) heap.free(va);
    heap.check();
    expect(heap.footprint).toBe(0);
    expect(space.reservedBytes).toBe(0);
  });

  it('malloc returns 0 without throwing when the spare cannot go back and no gap is left', () => {
    // The space holds exactly the three areas: a new range can only come from giving one back.
    const { space, heap, b } = threeAreas({}, 3 * AREA);
    for (const va of b) heap.free(va); // B becomes the spare
    heap.check();
    const before = snapshot(heap, space);
    expect(heap.malloc(100000)).toBe(0);
    expect(heap.calloc(3, 40000)).toBe(0);
    heap.check();
    expect(snapshot(heap, space)).toBe(before);
    // The empty area still serves small blocks.
    const small = heap.malloc(BLOCK);
    expect(Math.floor((small - space.base) / AREA)).toBe(1);
    heap.check();
  });

  it('a freed large block the space will not take back is kept mapped and given back later', () => {
    const space = new SparseSpace({ mergeAdjacent: true, maxRegions: 1 });
    const heap = new Heap(space, { largeCacheEntries: 0 });
    const first = heap.malloc(BLOCK);
    const big = heap.malloc(2 * 2 ** 20);
    const after = heap.malloc(2 * 2 ** 20);
    expect(space.regionCount).toBe(1);
    heap.free(big); // between the area and `after`: kept
    heap.check();
    expect(heap.stats().cachedLargeBytes).toBe(2 * 2 ** 20);
    heap.free(after);
    heap.free(first);
    heap.trim();
    heap.check();
    expect(heap.footprint).toBe(0);
    expect(space.reservedBytes).toBe(0);
  });

  it('realloc shrinking a large block in the middle keeps its pages when the space refuses', () => {
    const space = new SparseSpace({ mergeAdjacent: true, maxRegions: 1 });
    const heap = new Heap(space);
    const big = heap.malloc(100000);
    const next = heap.malloc(100000);
    expect(space.regionCount).toBe(1);
    space.fill(big, 100000, 7);
    // Shrinking to 40000 would release the tail of `big`, splitting the merged region.
    expect(heap.realloc(big, 40000)).toBe(big);
    heap.check();
    expect(heap.usableSize(big)).toBe(102400);
    const data = new Uint8Array(40000);
    space.read(big, data);
    expect(data.every((x) => x === 7)).toBe(true);
    heap.free(next);
    heap.free(big);
    heap.releaseAll();
    heap.check();
    expect(space.reservedBytes).toBe(0);
  });

  it('releaseAll gives back areas whatever their order in merged memory', () => {
    const { space, heap } = threeAreas({ keepSpareArea: false });
    heap.releaseAll();
    heap.check();
    expect(heap.footprint).toBe(0);
    expect(space.reservedBytes).toBe(0);
  });
});

describe('heap of a process at its region limit', () => {
  function processWithThreeAreas(regionLimit?: number) {
    const kernel = new Kernel({ format: 'x86-64', ...(regionLimit === undefined ? {} : { regionLimit }) });
    const freeFrames = kernel.pmm.freeFrames;
    const p = kernel.createProcess('heap');
    const heap = new Heap(p.space, { keepSpareArea: false });
    const blocks: number[] = [];
    for (let i = 0; i < 3 * PER_AREA; i++) blocks.push(heap.malloc(BLOCK));
    return { kernel, freeFrames, p, heap, blocks };
  }

  it('free of a middle area leaves the machine consistent; exit gives every frame back', () => {
    // The three areas merge into one region; the limit is what the process then holds.
    const limit = processWithThreeAreas().p.space.regions.count;
    const { kernel, freeFrames, p, heap, blocks } = processWithThreeAreas(limit);
    expect(blocks.every((va) => va !== 0)).toBe(true);
    for (const va of blocks) p.space.fill(va, 8, 1);
    const base = Math.min(...blocks);
    for (const va of blocks) if (Math.floor((va - base) / AREA) === 1) heap.free(va);
    heap.check();
    kernel.check();
    expect(heap.stats().areas).toBe(3);
    heap.releaseAll();
    heap.check();
    kernel.check();
    expect(heap.footprint).toBe(0);
    kernel.exit(p.pid);
    kernel.check();
    expect(kernel.pmm.freeFrames).toBe(freeFrames);
  });
});
