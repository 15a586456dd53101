/**
 * Tells a replacement policy that wants every access (exact LRU) about each user page the kernel
 * touches on a process's behalf: copy-in and copy-out, and AddressSpace.access. Free when the
 * machine has no swap or its policy reads the A bits instead. Used by user-copy and AddressSpace.
 */
import { wantsReportedAccesses } from '../swap/policies/replacement-policy.js';
import { PAGE_SIZE } from './region-map.js';
import type { VmSwap } from './vm-swap.js';

/** One access to the page at physical address `pa` (a resident user page). */
export function reportAccess(swap: VmSwap | null, pa: number): void {
  if (swap !== null && wantsReportedAccesses(swap.policy)) {
    // A running program's next use is unknown: LRU needs only the order of accesses.
    swap.policy.touch(Math.floor(pa / PAGE_SIZE), Number.POSITIVE_INFINITY);
  }
}
