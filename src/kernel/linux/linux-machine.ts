/**
 * Runs Linux programs on the kernel: exec loads an ELF into a new process with its initial stack,
 * run() schedules the processes round-robin on one hart and hands each trap to the trap handler
 * (trap-handler.ts), and the process table keeps what fork, exit, wait4 and kill need.
 * `pageframe exec`, the scenario language and the tests drive it.
 */
import { InvalidArgumentError, InvariantError } from '../../common/errors.js';
import { Random } from '../../common/random.js';
import type { AccessRecorder } from '../../cpu/memory-port.js';
import { FrameState, FrameUse, KERNEL_OWNER } from '../../phys/frame-table.js';
import { PAGE_SIZE } from '../../vm/region-map.js';
import type { Kernel } from '../kernel.js';
import type { Process } from '../process.js';
import { parseElf } from './elf.js';
import { FileTable } from './file-table.js';
import type { ExecHost } from './host.js';
import { DEFAULT_STACK_LIMIT, LinuxProcess, RunState, shellStatus, signaledStatus } from './linux-process.js';
import { accessObserver } from './policy-touches.js';
import { prepareImage } from './program-image.js';
import { Signal, signalName } from './signals.js';
import { syscallName } from './syscall-numbers.js';
import { handleTrap } from './trap-handler.js';
import { type HartFactory, HartStop, Register, type UserHart } from './user-hart.js';

/** Instructions a process runs before the next one gets the hart. */
export const TIME_SLICE = 200_000;

export interface LinuxMachineOptions {
  /** Seeds getrandom and AT_RANDOM (deterministic runs). Default 1. */
  seed?: number;
  /** RLIMIT_STACK's soft limit (default 8 MiB). */
  stackLimitBytes?: number;
}

/** Counters of a run, for --stats and reports. */
export interface ExecCounters {
  instructions: number;
  syscalls: Map<string, number>;
  unknownSyscalls: Map<number, number>;
  pageFaults: {
    demandZero: number;
    phys: number;
    cowCopy: number;
    cowTakeover: number;
    stackGrowth: number;
    /** Major faults: pages read back from swap. */
    swapIn: number;
    /** Minor faults on swapped pages found in the swap cache. */
    swapCache: number;
  };
  residentPeakBytes: number;
  pageTableBytes: number;
}

export class LinuxMachine<Context = unknown> {
  readonly kernel: Kernel;
  readonly host: ExecHost;
  readonly hart: UserHart<Context>;
  readonly random: Random;
  readonly counters: ExecCounters = {
    instructions: 0,
    syscalls: new Map(),
    unknownSyscalls: new Map(),
    pageFaults: {
      demandZero: 0,
      phys: 0,
      cowCopy: 0,
      cowTakeover: 0,
      stackGrowth: 0,
      swapIn: 0,
      swapCache: 0,
    },
    residentPeakBytes: 0,
    pageTableBytes: 0,
  };
  private readonly table = new Map<number, LinuxProcess<Context>>();
  private readonly stackLimitBytes: number;
  private readonly blankContext: Context;
  private current: LinuxProcess<Context> | undefined;
  private loadedRoot = -1;
  /** The wait status of the process terminate() is ending. */
  private endingStatus: number | undefined;

  constructor(
    kernel: Kernel,
    host: ExecHost,
    createHart: HartFactory<Context>,
    options: LinuxMachineOptions = {},
  ) {
    this.kernel = kernel;
    this.host = host;
    this.hart = createHart(kernel.mmu, kernel.machine.memory);
    this.blankContext = this.hart.saveContext();
    this.random = new Random(options.seed ?? 1);
    this.stackLimitBytes = options.stackLimitBytes ?? DEFAULT_STACK_LIMIT;
    kernel.onExit((process) => this.processEnded(process));
    this.recordAccesses(null);
  }

  /**
   * Has the hart call `recorder` on every access (a lackey trace; null: none), and report each
   * accessed frame to the machine's policy when it wants every access (exact LRU). Without
   * either the hart keeps its fast path.
   */
  recordAccesses(recorder: AccessRecorder | null): void {
    const observer = accessObserver(this.kernel.machine.swap?.policy ?? null, recorder);
    if (observer === null && !this.hart.onAccess) return;
    if (this.hart.onAccess === undefined) {
      throw new InvalidArgumentError('this hart cannot report its accesses (needed by a trace and by LRU)');
    }
    this.hart.onAccess = observer;
  }

  /** A Linux process by pid (live, waiting or a zombie not yet reaped). */
  process(pid: number): LinuxProcess<Context> | undefined {
    return this.table.get(pid);
  }

  processes(): LinuxProcess<Context>[] {
    return [...this.table.values()];
  }

  /**
   * A new process running `image` (the ELF file's bytes) with argv and envp; `path` is the name it
   * was started by (AT_EXECFN), `absolutePath` what /proc/self/exe names, `name` the process's
   * (default: the file's name). Throws ElfError for
   * a file that cannot run, OutOfMemoryError or LimitError; then no process and no frame remain.
   */
  exec(
    path: string,
    image: Uint8Array,
    argv: readonly string[],
    envp: readonly string[],
    options: { absolutePath?: string; name?: string } = {},
  ): LinuxProcess<Context> {
    const elf = parseElf(image, path);
    const name = options.name ?? (path.slice(path.lastIndexOf('/') + 1) || path);
    const absolutePath = options.absolutePath ?? (path.startsWith('/') ? path : `/${path}`);
    const process = this.kernel.createProcess(name);
    try {
      const random = new Uint8Array(16);
      for (let k = 0; k < 16; k++) random[k] = this.random.nextU32() & 0xff;
      const { loaded, sp, top } = prepareImage(
        process.space,
        elf,
        path,
        argv,
        envp,
        random,
        this.stackLimitBytes,
      );
      if (this.current && this.current.state !== RunState.Zombie)
        this.current.context = this.hart.saveContext();
      this.current = undefined; // the hart's registers are the new program's now
      this.hart.restoreContext(this.blankContext);
      this.hart.pc = loaded.entry;
      this.hart.writeRegister(Register.sp, BigInt(sp));
      const linux = new LinuxProcess<Context>(process, 0, absolutePath, new FileTable(), {
        top,
        limitBytes: this.stackLimitBytes,
      });
      linux.context = this.hart.saveContext();
      linux.breakStart = loaded.breakStart;
      linux.breakEnd = loaded.breakStart;
      this.table.set(linux.pid, linux);
      return linux;
    } catch (error) {
      this.kernel.exit(process.pid);
      throw error;
    }
  }

  /**
   * Runs the processes until every one has ended or `budget` instructions have run; returns
   * whether all ended.
   */
  run(budget = Number.POSITIVE_INFINITY): boolean {
    let left = budget;
    for (;;) {
      const next = this.nextRunnable();
      if (!next) return true;
      if (left <= 0) return false;
      this.switchTo(next);
      const hart = this.hart;
      const before = hart.instret;
      const stop = hart.run(Math.min(TIME_SLICE, left));
      const ran = hart.instret - before;
      this.counters.instructions += ran;
      left -= ran;
      if (stop === HartStop.Trap) handleTrap(this, next);
      else this.sampleMemory(false); // at the end of each time slice, and when a process ends
    }
  }

  /** The shell's status of a process that has ended (128 + signal when killed), else undefined. */
  exitStatus(pid: number): number | undefined {
    const p = this.table.get(pid);
    return p && p.state === RunState.Zombie ? shellStatus(p.waitStatus) : undefined;
  }

  // --- what the system calls ask of the machine ---

  /** clone(SIGCHLD): a copy-on-write child whose ecall returns 0. Returns the child. */
  fork(parent: LinuxProcess<Context>): LinuxProcess<Context> {
    const child = this.kernel.fork(parent.pid);
    const hart = this.hart;
    const saved = hart.saveContext();
    hart.writeRegister(Register.a0, 0n);
    hart.pc += 4;
    const linux = new LinuxProcess<Context>(child, parent.pid, parent.executable, parent.files.fork(), {
      ...parent.stack,
    });
    linux.context = hart.saveContext();
    hart.restoreContext(saved);
    hart.flushTranslations(); // the parent's private pages are copy-on-write now
    linux.breakStart = parent.breakStart;
    linux.breakEnd = parent.breakEnd;
    parent.children.add(linux.pid);
    this.table.set(linux.pid, linux);
    return linux;
  }

  /** Ends a process with a wait status: its memory goes back now, its status waits for wait4. */
  terminate(p: LinuxProcess<Context>, waitStatus: number): void {
    const process = p.live;
    if (p.clearChildTid !== 0) {
      try {
        process.space.write(p.clearChildTid, new Uint8Array(4));
      } catch {
        // a bad address there is the program's problem, as for Linux
      }
    }
    this.endingStatus = waitStatus;
    try {
      this.kernel.exit(p.pid); // processEnded runs from the kernel's exit hook
    } finally {
      this.endingStatus = undefined;
    }
  }

  /**
   * The kernel's exit hook, before the process's memory goes: whether the program ended itself
   * (terminate) or someone else ended its process (a scenario's `exit`, as SIGKILL), it becomes
   * a zombie, its children orphans, and a parent waiting in wait4 runs again.
   */
  private processEnded(process: Process): void {
    const p = this.table.get(process.pid);
    if (p?.process !== process) return;
    this.sampleMemory(true);
    const faults = process.space.faults;
    const totals = this.counters.pageFaults;
    totals.demandZero += faults.demandZero;
    totals.phys += faults.phys;
    totals.cowCopy += faults.cowCopy;
    totals.cowTakeover += faults.cowTakeover;
    totals.swapIn += faults.swapIn;
    totals.swapCache += faults.swapCache;
    p.process = undefined;
    p.state = RunState.Zombie;
    p.waitStatus = this.endingStatus ?? signaledStatus(Signal.SIGKILL);
    if (this.current === p) this.current = undefined;
    this.loadedRoot = -1;
    for (const pid of p.children) {
      const child = this.table.get(pid);
      if (!child) continue;
      child.parentPid = 0;
      if (child.state === RunState.Zombie) this.table.delete(pid);
    }
    p.children.clear();
    const parent = p.parentPid !== 0 ? this.table.get(p.parentPid) : undefined;
    if (parent?.state === RunState.Waiting) parent.state = RunState.Runnable;
  }

  /** Removes a reaped zombie. */
  reap(parent: LinuxProcess<Context>, child: LinuxProcess<Context>): void {
    parent.children.delete(child.pid);
    this.table.delete(child.pid);
  }

  /** Kills a process with `signal`, telling why on standard error. */
  kill(p: LinuxProcess<Context>, signal: number, why: string): void {
    const text = `pageframe: process ${p.pid} (${p.name}) killed by ${signalName(signal)}: ${why}\n`;
    this.host.writeOutput(2, new TextEncoder().encode(text));
    this.terminate(p, signaledStatus(signal));
  }

  // --- inside ---

  private nextRunnable(): LinuxProcess<Context> | undefined {
    const current = this.current;
    let first: LinuxProcess<Context> | undefined;
    let afterCurrent: LinuxProcess<Context> | undefined;
    let seenCurrent = current === undefined;
    for (const p of this.table.values()) {
      if (p === current) {
        seenCurrent = true;
        continue;
      }
      if (p.state !== RunState.Runnable) continue;
      if (!first) first = p;
      if (seenCurrent && !afterCurrent) afterCurrent = p;
    }
    const other = afterCurrent ?? first;
    if (other) return other;
    return current?.state === RunState.Runnable ? current : undefined;
  }

  private switchTo(next: LinuxProcess<Context>): void {
    const hart = this.hart;
    if (this.current !== next) {
      if (this.current && this.current.state !== RunState.Zombie) this.current.context = hart.saveContext();
      if (next.context === undefined) throw new InvariantError(`process ${next.pid} has no saved context`);
      hart.restoreContext(next.context);
      this.current = next;
    }
    const space = next.live.space;
    space.activate();
    if (this.loadedRoot !== space.root) {
      hart.flushTranslations();
      this.loadedRoot = space.root;
    }
  }

  /** Records an unknown call: counted by number, reported once on standard error. */
  unknownSyscall(p: LinuxProcess<Context>, number: number): void {
    const seen = this.counters.unknownSyscalls.get(number) ?? 0;
    this.counters.unknownSyscalls.set(number, seen + 1);
    if (seen === 0) {
      const text = `pageframe: process ${p.pid} (${p.name}): system call ${number} (${syscallName(number)}) is not served; it returns -ENOSYS\n`;
      this.host.writeOutput(2, new TextEncoder().encode(text));
    }
  }

  /**
   * Peak resident bytes over the live processes, and with `tables` their page-table bytes (a
   * scan of the frame table, so only when a process ends).
   */
  private sampleMemory(tables: boolean): void {
    let resident = 0;
    for (const q of this.table.values()) if (q.process) resident += q.process.space.residentBytes();
    const c = this.counters;
    if (resident > c.residentPeakBytes) c.residentPeakBytes = resident;
    if (!tables) return;
    const tableBytes = this.userTableBytes();
    if (tableBytes > c.pageTableBytes) c.pageTableBytes = tableBytes;
  }

  private userTableBytes(): number {
    const { state, use, owner } = this.kernel.pmm.frames;
    let n = 0;
    for (let pfn = 0; pfn < state.length; pfn++) {
      if (
        state[pfn] === FrameState.Allocated &&
        use[pfn] === FrameUse.PageTable &&
        owner[pfn] !== KERNEL_OWNER
      )
        n++;
    }
    return n * PAGE_SIZE;
  }
}
