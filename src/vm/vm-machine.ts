/**
 * What an address space needs of the machine below it: RAM, a source of frames (the physical
 * memory manager, or a wrapper that injects failures), the frame table for reference counts, the
 * page tables and the MMU, and memory pressure (swap) when the machine has a swap device. The
 * kernel builds one; tests and benchmarks build one with bootVm().
 */

import { createFormat } from '../mmu/formats.js';
import { Mmu } from '../mmu/mmu.js';
import type { FormatName } from '../mmu/page-table-format.js';
import { PageTables } from '../mmu/page-tables.js';
import type { TlbConfig } from '../mmu/tlb.js';
import type { FrameTable } from '../phys/frame-table.js';
import type { PhysicalMemory } from '../phys/physical-memory.js';
import { PhysicalMemoryManager } from '../phys/physical-memory-manager.js';
import type { FrameSource, PhysicalMemoryConfig } from '../phys/types.js';
import { ReclaimingFrameSource } from './reclaiming-frame-source.js';
import { type SwapConfig, VmSwap } from './vm-swap.js';

export interface VmMachine {
  readonly memory: PhysicalMemory;
  readonly frames: FrameSource;
  readonly frameTable: FrameTable;
  /** Whether allocFrame hands out zeroed frames (fill policy 'zero'), so demand-zero need not zero again. */
  readonly framesArriveZeroed: boolean;
  readonly pageTables: PageTables;
  readonly mmu: Mmu;
  /** Swap, the reverse map and reclaim (vm-swap.ts); null on a machine without a swap device. */
  readonly swap: VmSwap | null;
}

export interface VmBootConfig extends PhysicalMemoryConfig {
  format?: FormatName;
  tlb?: TlbConfig;
  /** Wraps the physical memory manager as the frame source of every layer above (fault injection). */
  wrapFrames?: (pmm: PhysicalMemoryManager) => FrameSource;
  /** A swap device and its reclaim (default none: an allocation with no free frame fails). */
  swap?: SwapConfig;
}

export interface BootedVm extends VmMachine {
  readonly pmm: PhysicalMemoryManager;
}

/** Boots RAM, the frame allocator, the kernel's page tables and the MMU. */
export function bootVm(config: VmBootConfig = {}): BootedVm {
  const pmm = new PhysicalMemoryManager(config);
  const format = createFormat(config.format ?? 'i386');
  const swap = config.swap === undefined ? null : new VmSwap(config.swap, format, pmm.memory, pmm.frames);
  const wrapped = config.wrapFrames ? config.wrapFrames(pmm) : pmm;
  swap?.connect(wrapped);
  const frames = swap === null ? wrapped : new ReclaimingFrameSource(wrapped, swap, () => pmm.freeFrames);
  const pageTables = new PageTables(format, pmm.memory, frames);
  const mmu = new Mmu(pageTables, config.tlb ?? {});
  return {
    pmm,
    memory: pmm.memory,
    frames,
    frameTable: pmm.frames,
    framesArriveZeroed: pmm.fill === 'zero',
    pageTables,
    mmu,
    swap,
  };
}
