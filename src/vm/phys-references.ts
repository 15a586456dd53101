/**
 * The references a PHYS region holds on the allocated frames it names (device memory needs
 * none): taken at mapPhys and by a fork for the child, given back by unmap and destroy, so that
 * such a frame cannot be freed, and reach a new owner, while it is mapped.
 */
import { AddressRangeError, AlignmentError, BusyError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { FrameState, FrameUse } from '../phys/frame-table.js';
import type { AddressSpace } from './address-space.js';
import { PAGE_SIZE } from './region-map.js';
import { RegionType } from './region-types.js';
import { checkBytes } from './space-arguments.js';

/** Refuses a physical range mapPhys may not map: outside RAM, or frames other than reserved or Direct. */
export function checkPhysFrames(space: AddressSpace, pa: number, bytes: number): void {
  checkBytes(bytes, 'mapPhys');
  if (!Number.isInteger(pa) || pa % PAGE_SIZE !== 0)
    throw new AlignmentError(`mapPhys: ${hex(pa)} is not frame-aligned`);
  const { memory, frameTable } = space.machine;
  if (!memory.contains(pa, bytes)) {
    throw new AddressRangeError(`mapPhys: ${hex(pa)}+${bytes} is outside RAM (${hex(memory.size)})`);
  }
  for (let pfn = pa / PAGE_SIZE; pfn < (pa + bytes) / PAGE_SIZE; pfn++) {
    const state = frameTable.state[pfn];
    if (
      !(
        state === FrameState.Reserved ||
        (state === FrameState.Allocated && frameTable.use[pfn] === FrameUse.Direct)
      )
    ) {
      throw new BusyError(
        `mapPhys: frame ${hex(pfn * PAGE_SIZE)} is ${state === FrameState.Free ? 'free' : 'in use by a process or the page tables'}; only reserved or directly allocated frames may be mapped`,
      );
    }
  }
}

/** Takes a reference on each allocated frame of [startPa, endPa), all or none (LimitError: a count is full). */
export function retainPhys(space: AddressSpace, startPa: number, endPa: number): void {
  const { frames, frameTable } = space.machine;
  let pa = startPa;
  try {
    for (; pa < endPa; pa += PAGE_SIZE)
      if (frameTable.state[pa / PAGE_SIZE] === FrameState.Allocated) frames.retain(pa);
  } catch (error) {
    for (let back = startPa; back < pa; back += PAGE_SIZE)
      if (frameTable.state[back / PAGE_SIZE] === FrameState.Allocated) frames.release(back);
    throw error;
  }
}

/** retainPhys for every PHYS region (a forked child's copy of them), all or none. */
export function retainAllPhys(space: AddressSpace): void {
  const regions = space.regions;
  for (let i = 0; i < regions.count; i++) {
    if (regions.type(i) !== RegionType.Phys) continue;
    try {
      retainPhys(space, regions.physBase(i), regions.physBase(i) + (regions.ceiling(i) - regions.base(i)));
    } catch (error) {
      for (let k = 0; k < i; k++)
        if (regions.type(k) === RegionType.Phys) releasePhysOf(space, k, regions.base(k), regions.ceiling(k));
      throw error;
    }
  }
}

/** Drops the references the PHYS regions over [start, end) hold (unmap, destroy). */
export function releasePhys(space: AddressSpace, start: number, end: number): void {
  const regions = space.regions;
  for (let i = regions.find(start); i >= 0 && i < regions.count && regions.base(i) < end; i++) {
    if (regions.type(i) === RegionType.Phys)
      releasePhysOf(space, i, Math.max(start, regions.base(i)), Math.min(end, regions.ceiling(i)));
  }
}

/** Drops the references PHYS region `i` holds for its pages [from, to). */
function releasePhysOf(space: AddressSpace, i: number, from: number, to: number): void {
  const { frames, frameTable } = space.machine;
  const regions = space.regions;
  const first = regions.physBase(i) + (from - regions.base(i));
  for (let pa = first; pa < first + (to - from); pa += PAGE_SIZE) {
    if (frameTable.state[pa / PAGE_SIZE] === FrameState.Allocated) frames.release(pa);
  }
}
