/**
 * The invariant checker of memory pressure (VmSwap.check): every reverse-map node matches a live
 * present entry and every present ANON entry of a user space has exactly one node; each frame's
 * count of mappings and each space's resident count agree with the nodes; the policy holds
 * exactly the mapped frames; the swap cache's frames are mapped user frames; and every slot's
 * reference count equals the swap entries naming it plus its cache association.
 */
import { InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { FrameState, FrameUse } from '../phys/frame-table.js';
import { NO_SLOT } from '../swap/swap-cache.js';
import { NO_TABLE } from './leaf-writer.js';
import { RegionType } from './region-types.js';
import { NO_NODE } from './reverse-map.js';
import { forEachSwapEntry } from './swap-ranges.js';
import type { VmSwap } from './vm-swap.js';

export function checkSwap(swap: VmSwap): void {
  const map = swap.reverseMap;
  const table = swap.frameTable;
  const spaces = map.spaces();
  // Each node: a live space, its own entry, present and mapping this frame.
  const seen = new Set<string>();
  const nodesOf = new Map<number, number>();
  let mappedFrames = 0;
  for (let pfn = 0; pfn < map.head.length; pfn++) {
    let count = 0;
    for (let node = map.head[pfn]; node !== NO_NODE; node = map.nodeNext[node]) {
      count++;
      const id = map.nodeSpace[node];
      const space = map.spaceOf(id);
      const va = map.nodeVa[node];
      const where = `reverse map: ${space.name} at ${hex(va)} -> frame ${hex(pfn * 4096)}`;
      const key = `${id}:${va}`;
      if (seen.has(key)) throw new InvariantError(`${where}: the page has two nodes`);
      seen.add(key);
      nodesOf.set(id, (nodesOf.get(id) ?? 0) + 1);
      const region = space.regions.find(va);
      if (region < 0 || space.regions.type(region) !== RegionType.Anon)
        throw new InvariantError(`${where}: not in an ANON region`);
      const leafTable = space.leaf.leafTableOf(space.root, va);
      if (leafTable === NO_TABLE || space.leaf.entryAddress(leafTable, va) !== map.nodeEntry[node])
        throw new InvariantError(
          `${where}: the node's entry address ${hex(map.nodeEntry[node])} is not the page's entry`,
        );
      const at = map.nodeEntry[node];
      if (!space.leaf.isPresentAt(at) || space.leaf.frameAt(at) !== pfn * 4096)
        throw new InvariantError(`${where}: the entry does not map the frame`);
    }
    if (count !== map.mapCount[pfn])
      throw new InvariantError(
        `reverse map: frame ${hex(pfn * 4096)} has ${count} nodes but counts ${map.mapCount[pfn]}`,
      );
    if (count > 0) {
      mappedFrames++;
      if (table.state[pfn] !== FrameState.Allocated || table.use[pfn] !== FrameUse.User)
        throw new InvariantError(
          `reverse map: frame ${hex(pfn * 4096)} is mapped but not an allocated user frame`,
        );
    }
    const slot = swap.cache.slotOfFrame[pfn];
    if (slot !== NO_SLOT && count === 0)
      throw new InvariantError(`swap cache: frame ${hex(pfn * 4096)} keeps slot ${slot} but nothing maps it`);
  }
  if (swap.keptCount !== 0)
    throw new InvariantError(`${swap.keptCount} frames are still kept by an operation`);
  if (mappedFrames !== swap.residentFrames)
    throw new InvariantError(
      `reclaim counts ${swap.residentFrames} resident frames but ${mappedFrames} are mapped`,
    );
  // Each space: its present ANON entries are exactly its nodes; its swap entries hold their slots.
  const slotHolders = new Uint32Array(swap.device.slotCount);
  swap.cache.countHolders(slotHolders);
  for (const space of spaces) {
    const id = space.swapId;
    let present = 0;
    const regions = space.regions;
    for (let i = 0; i < regions.count; i++) {
      if (regions.type(i) !== RegionType.Anon) continue;
      const base = regions.base(i);
      const ceiling = regions.ceiling(i);
      space.machine.pageTables.walkRange(space.root, base, ceiling, () => {
        present++;
      });
      forEachSwapEntry(space, swap, base, ceiling, (va, slot) => {
        if (slot <= 0 || slot >= swap.device.slotCount)
          throw new InvariantError(
            `${space.name}: the swap entry at ${hex(va)} names slot ${slot}, not a slot of the device`,
          );
        slotHolders[slot]++;
      });
    }
    const nodes = nodesOf.get(id) ?? 0;
    if (present !== nodes)
      throw new InvariantError(`${space.name}: ${present} present ANON pages but ${nodes} reverse-map nodes`);
    if (map.residentOf(id) !== nodes)
      throw new InvariantError(`${space.name}: resident count ${map.residentOf(id)} but ${nodes} nodes`);
  }
  swap.device.check(slotHolders);
}
