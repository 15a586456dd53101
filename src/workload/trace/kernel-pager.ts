/**
 * Trace replay's pager on a machine with swap: the kernel's own fault handler resolves each
 * fault (a demand-zero page, or a swap-in: a major fault), and its reclaim evicts under the
 * traced process's resident limit through the reverse map, writing dirty pages to swap. The
 * counts come from the machine: the space's swap-in faults, the device's reads and writes.
 */
import type { Access, FaultCause } from '../../mmu/flags.js';
import { Mode } from '../../mmu/flags.js';
import type { AddressSpace } from '../../vm/address-space.js';
import type { VmSwap } from '../../vm/vm-swap.js';
import type { TracePager } from './trace-pager.js';

export class KernelPager implements TracePager {
  private readonly space: AddressSpace;
  private readonly swap: VmSwap;
  private readonly start: {
    evictions: number;
    refused: number;
    swapIn: number;
    reads: number;
    writes: number;
  };

  constructor(space: AddressSpace, swap: VmSwap) {
    this.space = space;
    this.swap = swap;
    this.start = {
      evictions: swap.stats.evictions,
      refused: refusedOf(swap),
      swapIn: space.faults.swapIn,
      reads: swap.device.reads,
      writes: swap.device.writes,
    };
  }

  pageIn(va: number, access: Access, cause: FaultCause): number {
    const leafAt = this.space.handleFault(va, access, cause);
    return this.space.machine.mmu.preload(va, access, Mode.User, leafAt);
  }

  get evictions(): number {
    return this.swap.stats.evictions - this.start.evictions;
  }

  get refusedEvictions(): number {
    return refusedOf(this.swap) - this.start.refused;
  }

  get majorFaults(): number {
    return this.space.faults.swapIn - this.start.swapIn;
  }

  get swapIns(): number {
    return this.swap.device.reads - this.start.reads;
  }

  get swapOuts(): number {
    return this.swap.device.writes - this.start.writes;
  }
}

function refusedOf(swap: VmSwap): number {
  const { pinned, busy, noSlot } = swap.stats.skipped;
  return pinned + busy + noSlot;
}
