/** Test helper: everything a failed operation must leave as it was. */
import type { Kernel } from '../../src/kernel/kernel.js';

export function kernelState(kernel: Kernel) {
  const frames = kernel.pmm.frames;
  return {
    processes: kernel.processes().map((p) => ({ pid: p.pid, asid: p.asid, space: p.space.snapshot() })),
    kernelSpace: kernel.kernelSpace.snapshot(),
    allocated: kernel.pmm.allocatedFrames,
    tablePages: kernel.pageTables.tablePageCount,
    states: Array.from(frames.state),
    refCounts: Array.from(frames.refCount),
    // Only allocated frames' use matters: a free frame's use field is not kept up to date.
    uses: Array.from(frames.use, (use, pfn) => (frames.state[pfn] === 1 ? use : 0)),
  };
}
