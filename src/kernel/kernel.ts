/**
 * The machine: it boots the physical memory manager from a configuration, builds the page tables
 * and the MMU, owns the kernel's own range (the higher half, shared by every address space and
 * unreachable from user mode) and the process table (the seed's 128 processes). check() runs
 * every layer's invariant checker and the ones that span layers.
 */
import { InvariantError, LimitError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { PostOffice } from '../ipc/post-office.js';
import { Mode } from '../mmu/flags.js';
import type { FormatName } from '../mmu/page-table-format.js';
import type { TlbConfig } from '../mmu/tlb.js';
import { FrameState, FrameUse, KERNEL_OWNER } from '../phys/frame-table.js';
import type { PhysicalMemoryManager } from '../phys/physical-memory-manager.js';
import type { FrameSource, PhysicalMemoryConfig } from '../phys/types.js';
import type { PolicyName } from '../swap/policies/replacement-policy.js';
import { AddressSpace } from '../vm/address-space.js';
import { DEFAULT_REGION_LIMIT } from '../vm/region-map.js';
import { type BootedVm, bootVm } from '../vm/vm-machine.js';
import { AsidAllocator } from './asid-allocator.js';
import { UnknownProcessError } from './errors.js';
import { checkKernelConfig, MAX_PID, swapSettings } from './kernel-config.js';
import { Process } from './process.js';

/** The seed plans for "say 128 processes". */
export const DEFAULT_MAX_PROCESSES = 128;

export interface KernelConfig extends PhysicalMemoryConfig {
  /** Page-table format: 'i386' (default), 'x86-64' or 'sv39'. */
  format?: FormatName;
  tlb?: TlbConfig;
  maxProcesses?: number;
  /** Regions per address space (default 1000). */
  regionLimit?: number;
  /** Wraps the physical memory manager as every upper layer's frame source (fault injection). */
  wrapFrames?: (pmm: PhysicalMemoryManager) => FrameSource;
  /** Messages each process's mailbox holds (default DEFAULT_MAILBOX_DEPTH, see docs/ipc.md). */
  mailboxDepth?: number;
  /** Bytes of the swap device (default 0: no swap; an allocation with no free frame fails). */
  swapBytes?: number;
  /** Simulated time of one swap read or write, in nanoseconds (default 0). */
  swapLatencyNs?: number;
  /** The page-replacement policy (default 'fifo'); needs swap. */
  policy?: PolicyName;
  /** Seed of the 'random' policy. */
  policySeed?: number;
  /**
   * The caller will give the policy every access's next use (trace replay does): required by
   * 'opt', which is refused without it (FutureUnknownError).
   */
  futureKnown?: boolean;
  /** Free-frame watermarks: below the low one an allocation first reclaims up to the high one. */
  lowWatermark?: number;
  highWatermark?: number;
  /** Resident pages each process may hold before it replaces its own (default 0: no limit). */
  residentLimit?: number;
}

/** Adds, per frame number, the holders a layer keeps outside page tables (messages in flight). */
export type HolderCounter = (counts: Uint32Array) => void;
export type ExitHook = (process: Process) => void;

export class Kernel {
  readonly machine: BootedVm;
  readonly pmm: PhysicalMemoryManager;
  /** The kernel's range: global supervisor pages, HeapSpace for the kernel heap. */
  readonly kernelSpace: AddressSpace;
  readonly maxProcesses: number;
  readonly regionLimit: number;
  readonly asids: AsidAllocator;
  /** Every process's mailbox and the messages in flight (docs/ipc.md). */
  readonly ipc: PostOffice;

  private readonly table = new Map<number, Process>();
  private nextPid = 1;
  private readonly holderCounters: HolderCounter[] = [];
  private readonly exitHooks: ExitHook[] = [];

  constructor(config: KernelConfig = {}) {
    checkKernelConfig(config); // InvalidArgumentError naming the field: nothing is booted yet
    this.maxProcesses = config.maxProcesses ?? DEFAULT_MAX_PROCESSES;
    this.regionLimit = config.regionLimit ?? DEFAULT_REGION_LIMIT;
    this.machine = bootVm({ ...config, swap: swapSettings(config) });
    this.pmm = this.machine.pmm;
    this.asids = new AsidAllocator(this.machine.pageTables.format);
    this.kernelSpace = new AddressSpace(this.machine, {
      owner: KERNEL_OWNER,
      asid: 0,
      mode: Mode.Kernel,
      regionLimit: this.regionLimit,
      name: 'kernel',
    });
    this.ipc = new PostOffice(this.machine, { depth: config.mailboxDepth });
    this.addHolderCounter((counts) => this.ipc.countHolders(counts));
  }

  get mmu() {
    return this.machine.mmu;
  }
  get pageTables() {
    return this.machine.pageTables;
  }

  /** Live processes, by pid. */
  processes(): Process[] {
    return [...this.table.values()].sort((a, b) => a.pid - b.pid);
  }

  get processCount(): number {
    return this.table.size;
  }

  /** The process with this pid; throws UnknownProcessError. */
  process(pid: number): Process {
    const p = this.table.get(pid);
    if (!p) throw new UnknownProcessError(pid, 'lookup');
    return p;
  }

  /** A new process with an empty address space. Throws LimitError (table full) or OutOfMemoryError. */
  createProcess(name = ''): Process {
    const { pid, asid } = this.reserveSlot('createProcess');
    const space = new AddressSpace(this.machine, {
      owner: pid,
      asid,
      regionLimit: this.regionLimit,
      name: `process ${pid}${name ? ` (${name})` : ''}`,
    });
    return this.admit(new Process(pid, name || `process ${pid}`, 0, space));
  }

  /**
   * A child of `pid` with a copy-on-write copy of its address space (an eager copy when `eager`).
   * Throws UnknownProcessError, LimitError or OutOfMemoryError, and then nothing changed.
   */
  fork(pid: number, options: { eager?: boolean; name?: string } = {}): Process {
    const parent = this.table.get(pid);
    if (!parent) throw new UnknownProcessError(pid, 'fork');
    const slot = this.reserveSlot('fork');
    const name = options.name ?? parent.name;
    const space = parent.space.fork(slot.pid, slot.asid, {
      eager: options.eager,
      name: `process ${slot.pid} (${name})`,
    });
    return this.admit(new Process(slot.pid, name, parent.pid, space));
  }

  /** Ends a process: exit hooks run, then every frame, table page, region and its ASID go back. */
  exit(pid: number): void {
    const p = this.table.get(pid);
    if (!p) throw new UnknownProcessError(pid, 'exit');
    for (const hook of this.exitHooks) hook(p);
    this.ipc.onProcessExit(pid); // messages waiting for it go; those it sent stay
    p.space.destroy();
    this.asids.free(p.space.asid);
    this.table.delete(pid);
  }

  /**
   * Sets process `pid`'s resident limit in pages (memory-cgroup-like local replacement; 0: none).
   * Throws UnknownProcessError, or InvalidArgumentError without swap or for a bad count.
   */
  setResidentLimit(pid: number, pages: number): void {
    const p = this.table.get(pid);
    if (!p) throw new UnknownProcessError(pid, 'setResidentLimit');
    p.space.setResidentLimit(pages);
  }

  /** Runs before a process's space is torn down (upper layers release what they attached). */
  onExit(hook: ExitHook): void {
    this.exitHooks.push(hook);
  }

  /** Registers holders of frames kept outside the page tables, for the reference-count check. */
  addHolderCounter(counter: HolderCounter): void {
    this.holderCounters.push(counter);
  }

  /**
   * The invariant checker over every layer: the frame table and allocator, the page tables, each
   * address space's regions and pages, the mailboxes; then across layers: the reference count of
   * every user, kernel and message frame equals the mappings that use it plus registered holders
   * (messages in flight among them), so no allocated page frame is held by no one, and no TLB
   * entry disagrees with the tables.
   */
  check(): void {
    this.pmm.check();
    this.pageTables.check();
    this.checkTablePages();
    const counts = new Uint32Array(this.pmm.totalFrames);
    this.kernelSpace.check(counts);
    for (const p of this.table.values()) {
      if (!p.space.isAlive) throw new InvariantError(`process ${p.pid} has a destroyed address space`);
      p.space.check(counts);
    }
    for (const counter of this.holderCounters) counter(counts);
    this.ipc.check();
    this.machine.swap?.check();
    const frames = this.pmm.frames;
    const { state, refCount } = frames;
    const frameCount = frames.frameCount;
    for (let pfn = 0; pfn < frameCount; pfn++) {
      if (state[pfn] !== FrameState.Allocated) continue;
      const use = frames.use[pfn];
      if (use === FrameUse.Direct) {
        // Whoever allocated it may hold a reference too (or may have passed it to the mappings).
        if (refCount[pfn] < counts[pfn]) {
          throw new InvariantError(
            `frame ${hex(pfn * 4096)} (allocated directly) has reference count ${frames.refCount[pfn]} but ${counts[pfn]} PHYS mappings and holders`,
          );
        }
        continue;
      }
      if (use !== FrameUse.User && use !== FrameUse.Kernel && use !== FrameUse.Message) continue;
      if (refCount[pfn] !== counts[pfn]) {
        throw new InvariantError(
          `frame ${hex(pfn * 4096)} (owner ${frames.owner[pfn]}) has reference count ${frames.refCount[pfn]} but ${counts[pfn]} mappings and holders`,
        );
      }
    }
    if (this.asids.tagged) {
      // An ASID is shared (recycled) only once every one was taken; its holders are counted.
      const holders = new Map<number, number>();
      for (const p of this.table.values()) holders.set(p.asid, (holders.get(p.asid) ?? 0) + 1);
      for (const [asid, count] of holders) {
        if (this.asids.holdersOf(asid) !== count) {
          throw new InvariantError(
            `ASID ${asid} is held by ${count} processes but counted ${this.asids.holdersOf(asid)} times`,
          );
        }
      }
    }
    const disagreements = this.mmu.tlbDisagreements((asid) => this.rootOfAsid(asid));
    if (disagreements.length > 0) {
      const d = disagreements[0];
      throw new InvariantError(
        `TLB entry ${d.index} (${hex(d.va)}, ASID ${d.asid}) disagrees with the page tables: ${d.reason}`,
      );
    }
  }

  /**
   * Every table page reachable from a live root (each process's, and the kernel's with the shared
   * kernel tables) is an allocated PageTable frame of the root's owner (KERNEL_OWNER for kernel
   * tables); every allocated PageTable frame is reachable so (else a dead or detached table leaked);
   * every leaf maps an allocated or reserved frame (a mapping of a free frame breaks isolation: its
   * next owner would share it). Frees behind the page tables' back show up here.
   */
  private checkTablePages(): void {
    const tables = this.pageTables;
    const f = tables.format;
    const { state, use, owner } = this.pmm.frames;
    const frameCount = this.pmm.totalFrames;
    const reached = new Uint8Array(frameCount);
    const step = f.entryBytes / 4;
    const describe = (pfn: number): string =>
      state[pfn] === FrameState.Free
        ? 'free'
        : state[pfn] === FrameState.Reserved
          ? 'reserved'
          : `allocated with use ${use[pfn]}, owner ${owner[pfn]}`;
    const visit = (
      table: number,
      level: number,
      expectedOwner: number,
      firstIndex: number,
      endIndex: number,
      whose: string,
    ): void => {
      const pfn = table / 4096;
      if (!(Number.isInteger(pfn) && pfn >= 0 && pfn < frameCount)) {
        throw new InvariantError(`${whose}: table ${hex(table)} (level ${level}) is outside RAM`);
      }
      if (
        state[pfn] !== FrameState.Allocated ||
        use[pfn] !== FrameUse.PageTable ||
        owner[pfn] !== expectedOwner
      ) {
        throw new InvariantError(
          `${whose}: table page ${hex(table)} (level ${level}) is ${describe(pfn)}, not a PageTable frame of owner ${expectedOwner}`,
        );
      }
      if (reached[pfn]) {
        throw new InvariantError(`${whose}: table page ${hex(table)} (level ${level}) is reached twice`);
      }
      reached[pfn] = 1;
      // One pass over the table page's words in RAM: most entries are empty (all zero).
      const words = tables.tableWords(table);
      const at = (table & (words.length * 4 - 1)) >>> 2;
      for (let i = firstIndex, w = at + firstIndex * step; i < endIndex; i++, w += step) {
        const lo = words[w];
        const hi = step === 2 ? words[w + 1] : 0;
        if ((lo | hi) === 0 || !f.isPresent(lo, hi)) continue;
        const pa = f.addressOf(lo, hi, level);
        if (!f.isLeaf(lo, hi, level)) {
          visit(pa, level - 1, expectedOwner, 0, f.entriesPerTable, whose);
          continue;
        }
        const first = pa / 4096;
        const count = f.entriesPerTable ** level;
        for (let k = first; k < first + count; k++) {
          if (k >= frameCount || state[k] === FrameState.Free) {
            throw new InvariantError(
              `${whose}: entry ${i} of table ${hex(table)} (level ${level}) maps frame ${hex(k * 4096)}, which is ${k >= frameCount ? 'outside RAM' : 'free'}`,
            );
          }
        }
      }
    };
    const top = f.levels - 1;
    visit(tables.kernelRoot, top, KERNEL_OWNER, 0, f.entriesPerTable, 'the kernel root');
    for (const p of this.table.values()) {
      // The kernel half of a user root holds the shared kernel tables, visited from the kernel root.
      visit(p.space.root, top, p.pid, 0, f.kernelRootIndex, `process ${p.pid}`);
    }
    for (let pfn = 0; pfn < frameCount; pfn++) {
      if (state[pfn] === FrameState.Allocated && use[pfn] === FrameUse.PageTable && !reached[pfn]) {
        throw new InvariantError(
          `table page ${hex(pfn * 4096)} (owner ${owner[pfn]}) is held but no live root reaches it (a leaked table)`,
        );
      }
    }
  }

  /** The root the TLB's entries tagged `asid` belong to. */
  rootOfAsid(asid: number): number | undefined {
    if (!this.asids.tagged || asid === 0) return this.mmu.root;
    // A recycled ASID's entries belong to the root last installed with it.
    if (this.asids.holdersOf(asid) > 1) return this.mmu.rootOfAsid(asid);
    for (const p of this.table.values()) if (p.asid === asid) return p.space.root;
    return undefined;
  }

  // --- inside ---

  /** Finds a pid and an ASID without taking them: a refused request changes nothing. */
  private reserveSlot(operation: string): { pid: number; asid: number } {
    if (this.table.size >= this.maxProcesses) {
      throw new LimitError(`${operation}: the process table is full (${this.maxProcesses} processes)`);
    }
    let pid = this.nextPid;
    while (this.table.has(pid)) pid = pid >= MAX_PID ? 1 : pid + 1;
    return { pid, asid: this.asids.peek() };
  }

  private admit(p: Process): Process {
    p.attachments.set('mailbox', this.ipc.open(p.pid, p.space));
    this.asids.take(p.space.asid);
    this.table.set(p.pid, p);
    this.nextPid = p.pid >= MAX_PID ? 1 : p.pid + 1;
    return p;
  }
}
