/**
 * The machine a scenario runs on: booted from its MachineSpec with the defaults filled in. It
 * owns the layers a scenario drives (RAM and frames, page tables and the MMU, processes with an
 * address space and a heap each) and knows the names the scenario gave to processes, so that
 * reports and messages speak the scenario's words.
 */
import { InvalidArgumentError, InvariantError, LimitError } from '../../common/errors.js';
import { hex } from '../../common/format.js';
import { Heap, type HeapOptions } from '../../heap/heap.js';
import type { HeapSpace } from '../../heap/heap-space.js';
import type { FormatName } from '../../mmu/page-table-format.js';
import { FrameState, FrameUse, KERNEL_OWNER } from '../../phys/frame-table.js';
import type { MemoryRange } from '../../phys/types.js';
import { AddressSpace } from '../../vm/address-space.js';
import { type BootedVm, bootVm } from '../../vm/vm-machine.js';
import { buildMachineReport, type MachineReport, type ProcessSource } from '../report.js';
import type { MachineSpec } from './ast.js';
import { DEFAULT_MACHINE } from './defaults.js';

export interface ResolvedMachineSpec {
  ramBytes: number;
  memoryMap?: MemoryRange[];
  paging: FormatName;
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
    tlbWays: spec.tlbWays ?? Math.min(DEFAULT_MACHINE.tlbWays, spec.tlbEntries ?? DEFAULT_MACHINE.tlbEntries),
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

/** A process of the scenario: a name, an address space, and a heap made on first use. */
export class ScenarioProcess {
  private ownHeap: Heap | undefined;

  constructor(
    readonly pid: number,
    readonly name: string,
    readonly space: AddressSpace,
    private readonly heapOptions: HeapOptions,
  ) {}

  get heap(): Heap {
    this.ownHeap ??= new Heap(this.space, { ...this.heapOptions, name: `heap of ${this.name}` });
    return this.ownHeap;
  }

  /** The heap if the process has used one. */
  get heapIfUsed(): Heap | undefined {
    return this.ownHeap;
  }
}

/** A space for checking heap options: the Heap constructor only validates and never touches it. */
const NO_SPACE: HeapSpace = {
  reserveAnon: refuse,
  release: refuse,
  read: refuse,
  write: refuse,
  fill: refuse,
  copy: refuse,
};
function refuse(): never {
  throw new InvariantError('the heap-options probe has no memory');
}

/** Most processes alive at once: the seed's "say 128 processes", with room to spare. */
export const MAX_PROCESSES = 1024;

export class ScenarioMachine implements ProcessSource {
  readonly spec: ResolvedMachineSpec;
  readonly vm: BootedVm;
  /** Frames allocated right after boot: the machine's own; `expect all-freed` compares with it. */
  readonly bootAllocatedFrames: number;
  private readonly live = new Map<string, ScenarioProcess>();
  /** Names of every process ever made, by pid (frames in reports name their owner). */
  private readonly names = new Map<number, string>();
  private nextPid = 1;
  private readonly heapOptions: HeapOptions;

  /** Throws a PageframeError when the settings do not make a machine (a bad memory map, too little RAM). */
  constructor(spec: MachineSpec) {
    this.spec = resolveSpec(spec);
    this.vm = bootVm({
      ramBytes: this.spec.ramBytes,
      allocator: this.spec.allocator,
      fill: this.spec.fill,
      format: this.spec.paging,
      tlb: { entries: this.spec.tlbEntries, ways: this.spec.tlbWays },
      ...(this.spec.memoryMap === undefined ? {} : { memoryMap: this.spec.memoryMap }),
    });
    this.heapOptions = { areaSize: this.spec.heapArea };
    if (this.spec.heapLarge !== undefined) this.heapOptions.largeThreshold = this.spec.heapLarge;
    // A heap checks its options when made: check them now, at boot, rather than at the first malloc.
    new Heap(NO_SPACE, this.heapOptions);
    this.bootAllocatedFrames = this.vm.pmm.allocatedFrames;
  }

  get pmm() {
    return this.vm.pmm;
  }

  get processes(): ScenarioProcess[] {
    return [...this.live.values()];
  }

  process(name: string): ScenarioProcess | undefined {
    return this.live.get(name);
  }

  ownerName(owner: number): string {
    if (owner === KERNEL_OWNER) return 'kernel';
    const name = this.names.get(owner);
    return name === undefined ? `pid ${owner}` : this.live.has(name) ? name : `${name} (exited)`;
  }

  createProcess(name: string): ScenarioProcess {
    const pid = this.reservePid(name);
    const space = new AddressSpace(this.vm, { owner: pid, asid: this.asidOf(pid), name });
    return this.adopt(pid, name, space);
  }

  fork(parent: ScenarioProcess, child: string): ScenarioProcess {
    const pid = this.reservePid(child);
    const space = parent.space.fork(pid, this.asidOf(pid), { name: child });
    return this.adopt(pid, child, space);
  }

  exit(process: ScenarioProcess): void {
    process.space.destroy();
    this.live.delete(process.name);
  }

  /** Every layer's invariant checker, and the cross-layer one: each user frame's reference count
   *  equals the mappings of it. Throws InvariantError. */
  check(): void {
    const { pmm, pageTables, mmu } = this.vm;
    pmm.check();
    pageTables.check();
    const count = new Uint32Array(pmm.totalFrames);
    for (const p of this.live.values()) {
      p.space.check(count);
      p.heapIfUsed?.check();
    }
    const { state, use, refCount } = pmm.frames;
    for (let pfn = 0; pfn < pmm.totalFrames; pfn++) {
      if (state[pfn] === FrameState.Allocated && use[pfn] === FrameUse.User && refCount[pfn] !== count[pfn]) {
        throw new InvariantError(
          `frame ${hex(pfn * 4096)} has reference count ${refCount[pfn]} but ${count[pfn]} mappings`,
        );
      }
    }
    const wrong = mmu.tlbDisagreements();
    if (wrong.length > 0) {
      const w = wrong[0];
      throw new InvariantError(
        `TLB entry for ${hex(w.va)} (ASID ${w.asid}) disagrees with the tables: ${w.reason}`,
      );
    }
  }

  report(): MachineReport {
    return buildMachineReport(this);
  }

  private reservePid(name: string): number {
    if (this.live.has(name)) throw new InvalidArgumentError(`a process named '${name}' already exists`);
    if (this.live.size >= MAX_PROCESSES)
      throw new LimitError(`the process table is full (${MAX_PROCESSES} processes)`);
    if (this.nextPid > 0xffff) throw new LimitError('process ids are exhausted');
    return this.nextPid;
  }

  private adopt(pid: number, name: string, space: AddressSpace): ScenarioProcess {
    this.nextPid++;
    const process = new ScenarioProcess(pid, name, space, this.heapOptions);
    this.live.set(name, process);
    this.names.set(pid, name);
    return process;
  }

  /** i386 has no address-space ids; the others tag TLB entries with one per process. */
  private asidOf(pid: number): number {
    const limit = this.spec.paging === 'x86-64' ? 4096 : this.spec.paging === 'sv39' ? 65536 : 1;
    return limit === 1 ? 0 : pid % limit;
  }
}
