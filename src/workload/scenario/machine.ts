/**
 * The machine a scenario runs on: booted from its MachineSpec with the defaults filled in. It
 * owns the layers a scenario drives (RAM and frames, page tables and the MMU, processes with an
 * address space and a heap each) and knows the names the scenario gave to processes, so that
 * reports and messages speak the scenario's words.
 */
import { InvalidArgumentError } from '../../common/errors.js';
import { Heap, type HeapOptions } from '../../heap/heap.js';
import type { PostOffice } from '../../ipc/post-office.js';
import { Kernel } from '../../kernel/kernel.js';
import type { Process } from '../../kernel/process.js';
import type { FormatName } from '../../mmu/page-table-format.js';
import { KERNEL_OWNER } from '../../phys/frame-table.js';
import type { PhysicalMemoryManager } from '../../phys/physical-memory-manager.js';
import type { MemoryRange } from '../../phys/types.js';
import type { PolicyName } from '../../swap/policies/replacement-policy.js';
import type { AddressSpace } from '../../vm/address-space.js';
import type { BootedVm } from '../../vm/vm-machine.js';
import { buildMachineReport, type MachineReport, type ProcessSource } from '../report.js';
import type { MachineSpec } from './ast.js';
import { DEFAULT_MACHINE } from './defaults.js';
import { checkMachineSettings } from './machine-checks.js';

export interface ResolvedMachineSpec {
  ramBytes: number;
  memoryMap?: MemoryRange[];
  paging: FormatName;
  tlbEntries: number;
  tlbWays: number;
  allocator: 'buddy' | 'first-fit';
  fill: 'zero' | 'junk' | 'none';
  heapArea: number;
  heapLarge: number;
  maxProcesses: number;
  mailboxDepth: number;
  /** Memory pressure, as the kernel takes it (swapBytes 0: no swap; the others need swap). */
  swap: SwapSpec;
}

export interface SwapSpec {
  swapBytes: number;
  swapLatencyNs?: number;
  policy?: PolicyName;
  policySeed?: number;
  residentLimit?: number;
  lowWatermark?: number;
  highWatermark?: number;
}

export function resolveSpec(spec: MachineSpec): ResolvedMachineSpec {
  const heapArea = spec.heap.area ?? DEFAULT_MACHINE.heapArea;
  const resolved: ResolvedMachineSpec = {
    ramBytes: spec.ramBytes ?? DEFAULT_MACHINE.ramBytes,
    paging: spec.paging ?? DEFAULT_MACHINE.paging,
    tlbEntries: spec.tlbEntries ?? DEFAULT_MACHINE.tlbEntries,
    tlbWays: spec.tlbWays ?? Math.min(DEFAULT_MACHINE.tlbWays, spec.tlbEntries ?? DEFAULT_MACHINE.tlbEntries),
    allocator: spec.allocator ?? DEFAULT_MACHINE.allocator,
    fill: spec.fill ?? DEFAULT_MACHINE.fill,
    heapArea,
    heapLarge: spec.heap.large ?? Math.min(DEFAULT_MACHINE.heapLarge, heapArea / 4),
    maxProcesses: spec.maxProcesses ?? DEFAULT_MACHINE.maxProcesses,
    mailboxDepth: spec.mailboxDepth ?? DEFAULT_MACHINE.mailboxDepth,
    swap: swapSpec(spec),
  };
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

/** The swap settings given, and only those (the kernel fills in its own defaults). */
function swapSpec(spec: MachineSpec): SwapSpec {
  const swap: SwapSpec = { swapBytes: spec.swapBytes ?? 0 };
  if (spec.swapLatencyNs !== undefined) swap.swapLatencyNs = spec.swapLatencyNs;
  if (spec.policy !== undefined) swap.policy = spec.policy;
  if (spec.policySeed !== undefined) swap.policySeed = spec.policySeed;
  if (spec.residentLimit !== undefined) swap.residentLimit = spec.residentLimit;
  if (spec.lowWatermark !== undefined) swap.lowWatermark = spec.lowWatermark;
  if (spec.highWatermark !== undefined) swap.highWatermark = spec.highWatermark;
  return swap;
}

/**
 * A process of the scenario: the kernel's process, and a heap made on first use (or, for a forked
 * child, a clone of its parent's heap, as fork copies malloc's state).
 */
export class ScenarioProcess {
  private ownHeap: Heap | undefined;

  constructor(
    readonly process: Process,
    private readonly heapOptions: HeapOptions,
    inherited?: Heap,
  ) {
    this.ownHeap = inherited;
  }

  get pid(): number {
    return this.process.pid;
  }

  get name(): string {
    return this.process.name;
  }

  get space(): AddressSpace {
    return this.process.space;
  }

  get heap(): Heap {
    this.ownHeap ??= new Heap(this.space, { ...this.heapOptions, name: `heap of ${this.name}` });
    return this.ownHeap;
  }

  /** The heap if the process has used one. */
  get heapIfUsed(): Heap | undefined {
    return this.ownHeap;
  }
}

export class ScenarioMachine implements ProcessSource {
  readonly spec: ResolvedMachineSpec;
  readonly kernel: Kernel;
  /** Frames allocated right after boot: the machine's own; `expect all-freed` compares with it. */
  readonly bootAllocatedFrames: number;
  private readonly live = new Map<string, ScenarioProcess>();
  /** Names of every process ever made, by pid (frames in reports name their owner). */
  private readonly names = new Map<number, string>();
  private readonly heapOptions: HeapOptions;

  /** Throws a PageframeError when the settings do not make a machine (a bad memory map, too little RAM). */
  constructor(spec: MachineSpec) {
    this.spec = resolveSpec(spec);
    this.heapOptions = { areaSize: this.spec.heapArea, largeThreshold: this.spec.heapLarge };
    checkMachineSettings(this.spec, this.heapOptions);
    this.kernel = new Kernel({
      ramBytes: this.spec.ramBytes,
      allocator: this.spec.allocator,
      fill: this.spec.fill,
      format: this.spec.paging,
      tlb: { entries: this.spec.tlbEntries, ways: this.spec.tlbWays },
      maxProcesses: this.spec.maxProcesses,
      mailboxDepth: this.spec.mailboxDepth,
      ...(this.spec.swap.swapBytes > 0 ? this.spec.swap : {}),
      ...(this.spec.memoryMap === undefined ? {} : { memoryMap: this.spec.memoryMap }),
    });
    this.bootAllocatedFrames = this.kernel.pmm.allocatedFrames;
    // A process may end without an `exit` statement (a program that ran to its end): its name goes.
    this.kernel.onExit((process) => {
      if (this.live.get(process.name)?.pid === process.pid) this.live.delete(process.name);
    });
  }

  /** Mailboxes and messages in flight: the kernel's post office, one mailbox a process. */
  get post(): PostOffice {
    return this.kernel.ipc;
  }

  get vm(): BootedVm {
    return this.kernel.machine;
  }

  get pmm(): PhysicalMemoryManager {
    return this.kernel.pmm;
  }

  get processes(): ScenarioProcess[] {
    return [...this.live.values()].sort((a, b) => a.pid - b.pid);
  }

  process(name: string): ScenarioProcess | undefined {
    return this.live.get(name);
  }

  /** The pid a name stands for: the live process, else the last one of that name that exited. */
  pidOf(name: string): number | undefined {
    const live = this.live.get(name);
    if (live !== undefined) return live.pid;
    let last: number | undefined;
    for (const [pid, known] of this.names) if (known === name) last = pid;
    return last;
  }

  ownerName(owner: number): string {
    if (owner === KERNEL_OWNER) return 'kernel';
    const name = this.names.get(owner);
    return name === undefined
      ? `pid ${owner}`
      : this.live.get(name)?.pid === owner
        ? name
        : `${name} (exited)`;
  }

  createProcess(name: string): ScenarioProcess {
    this.checkName(name);
    return this.adopt(this.kernel.createProcess(name));
  }

  /** A copy-on-write child; its heap is a clone of the parent's (it may free what it inherited). */
  fork(parent: ScenarioProcess, child: string): ScenarioProcess {
    this.checkName(child);
    const process = this.kernel.fork(parent.pid, { name: child });
    let heap: Heap | undefined;
    try {
      heap = parent.heapIfUsed?.cloneFor(process.space, `heap of ${child}`);
    } catch (error) {
      this.kernel.exit(process.pid); // nothing changed
      throw error;
    }
    return this.adopt(process, heap);
  }

  exit(process: ScenarioProcess): void {
    this.kernel.exit(process.pid);
    this.live.delete(process.name);
  }

  /** The kernel's checker over every layer (mailboxes included) and across them, and each heap's. Throws InvariantError. */
  check(): void {
    this.kernel.check();
    for (const p of this.live.values()) p.heapIfUsed?.check();
  }

  report(): MachineReport {
    return buildMachineReport(this);
  }

  /** A process made outside the scenario's statements (a program `exec` started), under its name. */
  adoptProcess(process: Process): ScenarioProcess {
    this.checkName(process.name);
    return this.adopt(process);
  }

  private checkName(name: string): void {
    if (this.live.has(name)) throw new InvalidArgumentError(`a process named '${name}' already exists`);
  }

  private adopt(process: Process, heap?: Heap): ScenarioProcess {
    const adopted = new ScenarioProcess(process, this.heapOptions, heap);
    this.live.set(process.name, adopted);
    this.names.set(process.pid, process.name);
    return adopted;
  }
}
