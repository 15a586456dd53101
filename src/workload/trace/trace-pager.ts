/**
 * What the replay driver needs of the machine when an access finds its page not resident: make
 * it resident, evicting under the resident limit as the policy chooses. Two implementations:
 * DropPager (trace replay on its own: an evicted page is dropped, as Linux drops a clean page)
 * and the kernel's swap, once it runs reclaim.
 */
import type { Access, FaultCause } from '../../mmu/flags.js';

export interface TracePager {
  /**
   * Resolves the fault the MMU just reported for `access` at `va` (cause `cause`) and returns
   * the physical address the access reaches, as translate() would have.
   */
  pageIn(va: number, access: Access, cause: FaultCause): number;
  /** Pages pushed out so far. */
  readonly evictions: number;
  /** Victims the policy offered that could not go (no swap slot left, pinned): the limit was exceeded instead. */
  readonly refusedEvictions: number;
  /** Faults that read a page back from swap, and pages written to swap (0 without swap). */
  readonly majorFaults: number;
  readonly swapIns: number;
  readonly swapOuts: number;
}
