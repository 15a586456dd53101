/**
 * Taking pages out of a space: munmap's removal of a range and the destruction of a whole
 * space. The TLB entries go first, then the frames: a frame never goes back to the allocator
 * while a TLB entry may still reach it. With swap, each page leaves the reverse map while its
 * entry is still there, and each swap entry gives back its slot.
 */
import type { AddressSpace } from './address-space.js';
import { releasePhys } from './phys-references.js';
import { PAGE_SIZE } from './region-map.js';
import { RegionType } from './region-types.js';
import { dropSwapEntries } from './swap-ranges.js';

/** Largest ANON piece (64K pages, 256 MiB) that munmap takes out through a dense frame list. */
const DENSE_UNMAP_PAGES = 1 << 16;

/** Removes the present pages of [start, end), dropping their references and the PHYS regions'. */
export function dropPages(space: AddressSpace, start: number, end: number): void {
  const { frames, pageTables } = space.machine;
  const regions = space.regions;
  const tlb = space.tlb;
  const flushedWhole = tlb.flushesWhole((end - start) / PAGE_SIZE);
  if (flushedWhole) tlb.space();
  const swap = space.swap;
  for (let i = regions.find(start); i < regions.count && regions.base(i) < end; i++) {
    const type = regions.type(i);
    if (type === RegionType.Free) continue;
    const from = Math.max(start, regions.base(i));
    const to = Math.min(end, regions.ceiling(i));
    if (swap === null && type === RegionType.Anon && (to - from) / PAGE_SIZE <= DENSE_UNMAP_PAGES) {
      dropAnon(space, from, to, flushedWhole);
      continue;
    }
    if (swap !== null && type === RegionType.Anon) dropSwapEntries(space, swap, from, to);
    // A larger, typically sparse, range is walked by its present tables.
    pageTables.unmapRange(space.root, from, to, (va, pa) => {
      if (!flushedWhole) tlb.page(va);
      if (type !== RegionType.Anon) return;
      swap?.unmapped(space.swapId, pa, va);
      frames.release(pa);
    });
  }
  releasePhys(space, start, end);
}

/**
 * dropPages for an ANON piece of at most DENSE_UNMAP_PAGES pages: a leaf table at a time into
 * a scratch list (PageTables.takeRange), then the TLB, then the frames; no visitor per page.
 */
function dropAnon(space: AddressSpace, from: number, to: number, flushedWhole: boolean): void {
  const pages = (to - from) / PAGE_SIZE;
  const taken = space.takenScratch(pages);
  if (space.machine.pageTables.takeRange(space.root, from, to, taken) === 0) return;
  if (!flushedWhole) for (let k = 0; k < pages; k++) if (taken[k] >= 0) space.tlb.page(from + k * PAGE_SIZE);
  const frames = space.machine.frames;
  for (let k = 0; k < pages; k++) if (taken[k] >= 0) frames.release(taken[k]);
}

/** Gives back every frame reference, every table page and the root of a user space. */
export function destroyUserSpace(space: AddressSpace): void {
  const { frames, pageTables, mmu } = space.machine;
  const regions = space.regions;
  if (mmu.root === space.root) mmu.setRoot(pageTables.kernelRoot, 0);
  space.tlb.space();
  const swap = space.swap;
  let i = 0;
  pageTables.walkRange(space.root, space.start, space.end, (va, pa) => {
    while (regions.ceiling(i) <= va) i++;
    if (regions.type(i) !== RegionType.Anon) return;
    swap?.unmapped(space.swapId, pa, va);
    frames.release(pa);
  });
  if (swap !== null) {
    for (let k = 0; k < regions.count; k++)
      if (regions.type(k) === RegionType.Anon)
        dropSwapEntries(space, swap, regions.base(k), regions.ceiling(k));
  }
  releasePhys(space, space.start, space.end);
  pageTables.destroyRoot(space.root);
}
