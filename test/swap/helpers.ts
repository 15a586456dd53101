/**
 * What the swap tests share: evicting the page in a given frame now, through the kernel's own
 * reclaim, and reading one byte of a space (which faults a swapped page back in).
 */
import { type Eviction, evictFrame } from '../../src/vm/reclaim.js';
import type { VmSwap } from '../../src/vm/vm-swap.js';

/** Evicts the page in frame `pa` now, from every space that maps it. */
export function evict(swap: VmSwap, pa: number): Eviction {
  return evictFrame(swap, swap.frames, pa >>> 12);
}

/** The byte at `va` of `space`, read as a process would (a swapped page comes back). */
export function byte(space: { read(va: number, b: Uint8Array): void }, va: number): number {
  const b = new Uint8Array(1);
  space.read(va, b);
  return b[0];
}
