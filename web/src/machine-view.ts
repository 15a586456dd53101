/**
 * What the views read from a scenario's machine, in one place: the frame table for the map, the
 * processes and their address spaces, the page tables and the TLB, and the figures the charts
 * plot. Everything is read through pageframe's public API at the moment of drawing.
 */
import type { PageTables, ScenarioMachine, Tlb } from '../../src/index.js';
import type { Sample } from './charts.js';
import type { FrameMapSource } from './frame-map.js';
import { forEachBuddyBlock } from './free-blocks.js';
import type { SpaceDrawing } from './regions-view.js';

export interface ProcessEntry {
  pid: number;
  name: string;
}

export class MachineView {
  constructor(readonly machine: ScenarioMachine) {}

  get allocatorKind(): string {
    return this.machine.pmm.allocator.kind;
  }

  frameMapSource(): FrameMapSource {
    const pmm = this.machine.pmm;
    return {
      frames: pmm.frames,
      memoryMap: pmm.memoryMap,
      ...(pmm.allocator.kind === 'buddy'
        ? {
            forEachFreeBlock: (visit: (pfn: number, order: number) => void) =>
              forEachBuddyBlock(pmm.frames, visit),
          }
        : {}),
      ownerName: (owner) => this.machine.ownerName(owner),
    };
  }

  physical(): { totalFrames: number; usableFrames: number; freeFrames: number } {
    const pmm = this.machine.pmm;
    return { totalFrames: pmm.totalFrames, usableFrames: pmm.usableFrames, freeFrames: pmm.freeFrames };
  }

  processes(): ProcessEntry[] {
    return [];
  }

  currentPid(): number | undefined {
    return undefined;
  }

  space(_pid: number): SpaceDrawing | null {
    return null;
  }

  pageTables(): PageTables | undefined {
    return undefined;
  }

  rootOf(_pid: number): number | undefined {
    return undefined;
  }

  tlb(): Tlb | undefined {
    return undefined;
  }

  asidName(asid: number): string {
    return String(asid);
  }

  sample(step: number): Sample {
    // Not pmm.stats(): it gives the buddy's frame cache back to its lists, which would change
    // the frames later statements get. These two reads change nothing.
    const pmm = this.machine.pmm;
    const free = pmm.freeFrames;
    const fragmentation = free === 0 ? 0 : 1 - pmm.allocator.largestFreeRun() / free;
    return {
      step,
      freeFrames: free,
      fragmentation,
      heapUtilization: Number.NaN,
      tlbHitRate: Number.NaN,
      bytesCopied: 0,
      pagesMoved: 0,
    };
  }
}
