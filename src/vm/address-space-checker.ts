/**
 * The invariants of one address space, checked against its regions, its page tables and the
 * frame table; the kernel's check and the tests run it after every step.
 */
import { InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { Mode, PageFlags } from '../mmu/flags.js';
import { FrameState, FrameUse } from '../phys/frame-table.js';
import type { AddressSpace } from './address-space.js';
import { PAGE_SIZE } from './region-map.js';
import { Protection, RegionFlag, RegionType } from './region-types.js';

/**
 * Throws InvariantError unless the regions are consistent and every present page lies in a
 * region that allows it: ANON pages map allocated frames of the space's use, PHYS pages the
 * frame their region names, no page grants more than its region, a writable private page's
 * frame has one holder; every frame a PHYS region names is reserved or allocated Direct.
 * `count` (when given) receives one per ANON mapping of each frame and one per PHYS region page
 * naming an allocated frame (the reference the region holds).
 */
export function checkSpace(space: AddressSpace, count?: Uint32Array): void {
  space.regions.check();
  const regions = space.regions;
  const frameTable = space.machine.frameTable;
  let i = 0;
  const fail = (va: number, why: string): never => {
    throw new InvariantError(`${space.name}: page ${hex(va)} ${why}`);
  };
  space.machine.pageTables.walkRange(space.root, space.start, space.end, (va, pa, size, flags) => {
    if (size !== PAGE_SIZE) fail(va, `is a ${size}-byte page; address spaces map 4 KiB pages`);
    while (regions.ceiling(i) <= va) i++;
    const type = regions.type(i);
    if (type === RegionType.Free) fail(va, 'is mapped inside a FREE region');
    const protection = regions.protection(i);
    if (flags & PageFlags.Write && !(protection & Protection.Write))
      fail(va, 'is writable in a read-only region');
    if (space.mode === Mode.User && flags & PageFlags.User && protection === Protection.None)
      fail(va, 'is reachable from user mode in a PROT_NONE region');
    if (space.mode === Mode.Kernel && flags & PageFlags.User)
      fail(va, 'is a kernel page reachable from user mode');
    const pfn = pa / PAGE_SIZE;
    if (type === RegionType.Phys) {
      if (pa !== regions.physBase(i) + (va - regions.base(i)))
        fail(va, `maps ${hex(pa)}, not the frame its PHYS region names`);
      const state = frameTable.state[pfn];
      if (state === FrameState.Free) fail(va, `maps frame ${hex(pa)} of a PHYS region, which is free`);
      if (state === FrameState.Allocated && frameTable.use[pfn] !== FrameUse.Direct)
        fail(va, `maps frame ${hex(pa)} of a PHYS region, which has use ${frameTable.use[pfn]}, not Direct`);
      return;
    }
    if (frameTable.state[pfn] !== FrameState.Allocated)
      fail(va, `maps frame ${hex(pa)} that is not allocated`);
    if (frameTable.use[pfn] !== space.frameUse)
      fail(va, `maps frame ${hex(pa)} of use ${frameTable.use[pfn]}`);
    if (
      flags & PageFlags.Write &&
      !(regions.flags(i) & RegionFlag.Shared) &&
      frameTable.refCount[pfn] !== 1
    ) {
      fail(
        va,
        `is writable but its frame ${hex(pa)} has ${frameTable.refCount[pfn]} holders (copy-on-write broken)`,
      );
    }
    if (count) count[pfn]++;
  });
  checkPhysRegions(space, count);
}

/** Every frame a PHYS region names is reserved or allocated Direct; counts the region's references. */
function checkPhysRegions(space: AddressSpace, count?: Uint32Array): void {
  const regions = space.regions;
  const frameTable = space.machine.frameTable;
  for (let k = 0; k < regions.count; k++) {
    if (regions.type(k) !== RegionType.Phys) continue;
    const first = regions.physBase(k) / PAGE_SIZE;
    const last = first + (regions.ceiling(k) - regions.base(k)) / PAGE_SIZE;
    for (let pfn = first; pfn < last; pfn++) {
      const state = frameTable.state[pfn];
      if (state === FrameState.Reserved) continue;
      if (state !== FrameState.Allocated || frameTable.use[pfn] !== FrameUse.Direct) {
        throw new InvariantError(
          `${space.name}: the PHYS region at ${hex(regions.base(k))} names frame ${hex(pfn * PAGE_SIZE)}, which is ${state === FrameState.Free ? 'free' : `in use ${frameTable.use[pfn]}`}`,
        );
      }
      if (count) count[pfn]++;
    }
  }
}
