/**
 * What `pageframe exec --report` prints when a program ends: its regions in the format of Linux's
 * /proc/PID/maps, its resident and page-table memory (as /proc/PID/status's VmRSS and VmPTE),
 * the machine's frames and the TLB's counters. Taken just before the process's memory goes.
 */
import { hex } from '../../common/format.js';
import { FrameState, FrameUse } from '../../phys/frame-table.js';
import type { AddressSpace } from '../../vm/address-space.js';
import { RegionType } from '../../vm/region-types.js';
import type { Kernel } from '../kernel.js';
import type { Process } from '../process.js';

/** The space's regions as /proc/PID/maps lines: `start-end perms offset dev inode path`. */
export function mapsLines(space: AddressSpace): string[] {
  return space.regions
    .usedRegions()
    .filter((r) => r.type !== RegionType.Free)
    .map((r) => {
      const perms = `${r.protection & 1 ? 'r' : '-'}${r.protection & 2 ? 'w' : '-'}${r.protection & 4 ? 'x' : '-'}${r.flags & 2 ? 's' : 'p'}`;
      const range = `${address(r.base)}-${address(r.ceiling)}`;
      return `${range} ${perms} 00000000 00:00 0${r.name ? ' '.repeat(19) + r.name : ''}`;
    });
}

/** Page-table frames the process owns (VmPTE). */
export function pageTableBytes(kernel: Kernel, pid: number): number {
  const { state, use, owner } = kernel.pmm.frames;
  let n = 0;
  for (let pfn = 0; pfn < state.length; pfn++) {
    if (state[pfn] === FrameState.Allocated && use[pfn] === FrameUse.PageTable && owner[pfn] === pid) n++;
  }
  return n * 4096;
}

/** The report text of one process, on the machine it runs on. */
export function processReport(kernel: Kernel, process: Process): string {
  const space = process.space;
  const stats = kernel.pmm.stats();
  const tlb = kernel.mmu.tlb.counters();
  const faults = space.faults;
  return [
    `process ${process.pid} (${process.name}) at exit`,
    ...mapsLines(space),
    `VmRSS: ${space.residentBytes() / 1024} kB  VmPTE: ${pageTableBytes(kernel, process.pid) / 1024} kB${
      space.swap === null ? '' : `  VmSwap: ${space.swappedPages() * 4} kB`
    }`,
    `page faults: demand-zero ${faults.demandZero}, copy-on-write copies ${faults.cowCopy}, takeovers ${faults.cowTakeover}${
      space.swap === null ? '' : `, swap-cache ${faults.swapCache}; major (read from swap) ${faults.swapIn}`
    }`,
    `frames: ${stats.totalFrames} total, ${stats.allocatedFrames} allocated (${Object.entries(
      stats.allocatedByUse,
    )
      .filter(([, n]) => n > 0)
      .map(([use, n]) => `${use} ${n}`)
      .join(', ')}), ${stats.freeFrames} free`,
    `TLB: ${tlb.hits} hits, ${tlb.misses} misses, ${tlb.evictions} evictions, ${tlb.flushes} flushes`,
    '',
  ].join('\n');
}

function address(va: number): string {
  return hex(va).replace(/^0x/, '').padStart(8, '0');
}
