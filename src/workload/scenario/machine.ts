/**
 * The machine a scenario runs on: booted from its MachineSpec with the defaults filled in. It
 * owns the layers a scenario drives and knows the names the scenario gave to processes, so that
 * reports and messages speak the scenario's words.
 */

import { PhysicalMemoryManager } from '../../phys/physical-memory-manager.js';
import type { MemoryRange } from '../../phys/types.js';
import { buildPhysicalReport, defaultOwnerName, type MachineReport } from '../report.js';
import type { MachineSpec } from './ast.js';
import { DEFAULT_MACHINE } from './defaults.js';

export interface ResolvedMachineSpec {
  ramBytes: number;
  memoryMap?: MemoryRange[];
  paging: string;
  tlbEntries: number;
  tlbWays: number;
  allocator: 'buddy' | 'first-fit';
  fill: 'zero' | 'junk' | 'none';
  heapArea: number;
  heapLarge?: number;
}

export function resolveSpec(spec: MachineSpec): ResolvedMachineSpec {
  const resolved: ResolvedMachineSpec = {
    ramBytes: spec.ramBytes ?? DEFAULT_MACHINE.ramBytes,
    paging: spec.paging ?? DEFAULT_MACHINE.paging,
    tlbEntries: spec.tlbEntries ?? DEFAULT_MACHINE.tlbEntries,
    tlbWays: spec.tlbWays ?? DEFAULT_MACHINE.tlbWays,
    allocator: spec.allocator ?? DEFAULT_MACHINE.allocator,
    fill: spec.fill ?? DEFAULT_MACHINE.fill,
    heapArea: spec.heap.area ?? DEFAULT_MACHINE.heapArea,
  };
  if (spec.heap.large !== undefined) resolved.heapLarge = spec.heap.large;
  if (spec.memoryMap !== undefined) {
    resolved.memoryMap = spec.memoryMap.map((r) => ({
      base: r.base,
      length: r.length,
      type: r.type,
      ...(r.label === undefined ? {} : { label: r.label }),
    }));
  }
  return resolved;
}

export class ScenarioMachine {
  readonly spec: ResolvedMachineSpec;
  readonly pmm: PhysicalMemoryManager;
  /** Frames allocated right after boot: the machine's own; `expect all-freed` compares with it. */
  readonly bootAllocatedFrames: number;

  /** Throws a PageframeError when the settings do not make a machine (a bad memory map, too little RAM). */
  constructor(spec: MachineSpec) {
    this.spec = resolveSpec(spec);
    this.pmm = new PhysicalMemoryManager({
      ramBytes: this.spec.ramBytes,
      allocator: this.spec.allocator,
      fill: this.spec.fill,
      ...(this.spec.memoryMap === undefined ? {} : { memoryMap: this.spec.memoryMap }),
    });
    this.bootAllocatedFrames = this.pmm.allocatedFrames;
  }

  ownerName(owner: number): string {
    return defaultOwnerName(owner);
  }

  /** Every layer's invariant checker; throws InvariantError. */
  check(): void {
    this.pmm.check();
  }

  report(): MachineReport {
    return {
      machine: {
        ramBytes: this.spec.ramBytes,
        paging: this.spec.paging,
        tlbEntries: this.spec.tlbEntries,
        tlbWays: this.spec.tlbWays,
        allocator: this.spec.allocator,
        fill: this.spec.fill,
      },
      physical: buildPhysicalReport(this.pmm, (owner) => this.ownerName(owner)),
    };
  }
}
