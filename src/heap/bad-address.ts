/**
 * What an address that is not a live block's start is instead, as the error to throw: inside a
 * live block, a block freed while its slab lives or among the last freed ones, or never handed
 * out. Cold path of Heap's free, realloc and usableSize.
 */
import { DoubleFreeError, NotAllocatedError } from '../common/errors.js';
import { hex } from '../common/format.js';
import type { FreedRing } from './freed-ring.js';
import { NONE } from './heap-constants.js';
import { FreedBlockError, InteriorPointerError } from './heap-errors.js';
import type { HeapParts } from './heap-stats.js';

export function explainBadAddress(va: number, op: string, parts: HeapParts, freed: FreedRing): never {
  const { areas, slabs, large, name } = parts;
  const a = areas.areaOf(va);
  if (a !== NONE) {
    const s = areas.slabAt(a, va);
    if (s !== NONE) {
      const cls = slabs.classOf[s];
      const size = slabs.classes.size[cls];
      const inSlab = va - slabs.base[s];
      const index = (inSlab / size) | 0;
      if (index < slabs.classes.objects[cls]) {
        const start = slabs.base[s] + index * size;
        if (slabs.isLive(s, index)) throw interior(name, op, va, start);
        if (index * size === inSlab && index < slabs.high[s]) throwFreed(name, va, op);
      }
    }
  } else {
    const l = large.blockAround(va);
    if (l !== NONE) throw interior(name, op, va, large.base[l]);
  }
  if (freed.has(va)) throwFreed(name, va, op);
  throw new NotAllocatedError(`${name}: ${op}(${hex(va)}): not an address this heap handed out`);
}

function interior(name: string, op: string, va: number, start: number): InteriorPointerError {
  return new InteriorPointerError(
    `${name}: ${op}(${hex(va)}): interior pointer, ${va - start} bytes into the block at ${hex(start)}`,
  );
}

function throwFreed(name: string, va: number, op: string): never {
  if (op === 'free')
    throw new DoubleFreeError(`${name}: free(${hex(va)}): double free, the block is already free`);
  throw new FreedBlockError(`${name}: ${op}(${hex(va)}): the block was freed`);
}
