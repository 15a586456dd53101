/**
 * The map's info line: one frame in words (its state, its buddy block when free, the boot map's
 * range when reserved, and when allocated its use, owner, reference count and where it is mapped).
 */
import { bytes, FrameState, FrameUse, hex } from '../../src/index.js';
import type { FrameMapSource } from './frame-map.js';

const USE_NAMES: string[] = [];
for (const [name, value] of Object.entries(FrameUse)) USE_NAMES[value] = name;

/** Describes frame `pfn`; `blockHead` and `blockOrder` say which free block each frame lies in. */
export function describeFrame(
  source: FrameMapSource,
  pfn: number,
  blockHead: Int32Array,
  blockOrder: Uint8Array,
): string {
  if (pfn >= source.frames.frameCount) return '';
  const { state, use, owner, refCount } = source.frames;
  const head = `frame ${pfn} (${hex(pfn * 4096)})`;
  if (state[pfn] === FrameState.Free) {
    const b = blockHead[pfn];
    if (b < 0) return `${head}: free (single-frame cache)`;
    const order = blockOrder[pfn];
    return `${head}: free, in a buddy block of order ${order} (${bytes(4096 << order)}) at ${hex(b * 4096)}`;
  }
  if (state[pfn] === FrameState.Reserved) {
    const range = source.memoryMap.find((r) => r.base <= pfn * 4096 && pfn * 4096 < r.base + r.length);
    return `${head}: reserved, ${range?.type ?? 'hole'}${range?.label ? ` (${range.label})` : ''}`;
  }
  const who = owner[pfn] === 0 ? 'kernel' : source.ownerName(owner[pfn]);
  const where = use[pfn] === FrameUse.User ? (source.mappingsOf?.(pfn) ?? '') : '';
  return `${head}: allocated, ${USE_NAMES[use[pfn]] ?? use[pfn]}, owner ${who}, refcount ${refCount[pfn]}${
    where ? `; mapped ${where}` : ''
  }`;
}
