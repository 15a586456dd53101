/**
 * Runs a parsed scenario on a machine, statement by statement, and collects what happened: the
 * output of `print` and `read`, the reports asked for, and every failure as `file:line: message`.
 *
 * Rules (docs/scenarios.md): the machine boots at the first statement that is not an option; an
 * operation that fails inside the machine is a failure of its line unless an `expect` guards it,
 * and `option on-error` says whether the run goes on (the failed operation changed nothing); a
 * mistake in the scenario itself (an unknown variable or process) and a broken invariant always
 * stop the run; a failed expectation never does. After every statement the machine's invariant
 * checker runs (unless `checkEvery: 'end'`).
 */
import { BusyError, NotAllocatedError, OutOfMemoryError, PageframeError } from '../../common/errors.js';
import { hex } from '../../common/format.js';
import { Access } from '../../mmu/flags.js';
import { FrameState, FrameUse } from '../../phys/frame-table.js';
import { Protection as RegionProtection } from '../../vm/region-types.js';
import type { MachineReport } from '../report.js';
import type {
  Comparison,
  Expr,
  FaultCauseName,
  FigureName,
  ProtectionSpec,
  Scenario,
  Statement,
  StatementOf,
} from './ast.js';
import { ScenarioError } from './errors.js';
import { faultCauseOf } from './faults.js';
import { ScenarioMachine, type ScenarioProcess } from './machine.js';
import { applyBinary } from './parser.js';
import { hexDump, show, showBytes, verbOf } from './show.js';

export interface RunOptions {
  /** Run the invariant checker after every statement (default) or only at `check` and the end. */
  checkEvery?: 'statement' | 'end';
}

export interface OutputLine {
  line: number;
  text: string;
}

export interface ScenarioOutcome {
  file: string;
  /** True when the scenario ran to its end with no failure. */
  ok: boolean;
  statementsRun: number;
  expectationsPassed: number;
  expectationsFailed: number;
  /** Every failure, `file:line: message`, in the order they happened. */
  failures: string[];
  /** Lines printed by `print` and `read`. */
  output: OutputLine[];
  /** Reports asked for with `report`, with their line. */
  reports: { line: number; report: MachineReport }[];
  /** The line the run stopped at, when a failure stopped it. */
  stoppedAt?: number;
  /** The machine at the end (absent when it could not boot). */
  report?: MachineReport;
}

/** Thrown inside the executor to stop the run at a line. */
class Stop extends Error {}

/** Most bytes one `read` prints. */
const MAX_READ = 64 * 1024;

/** The frame a page maps, read from the tables as they are (no TLB, no rights, no A/D bits). */
function translateQuietly(machine: ScenarioMachine, va: number, root: number): number {
  const found = machine.vm.pageTables.lookup(root, va);
  return found.present ? found.pa : -1;
}

/**
 * ppm_free gives back only what ppm_alloc handed out: a frame the kernel holds for a page table,
 * a process page or a message is not the scenario's to free (the PMM alone cannot tell them apart).
 */
function checkDirect(machine: ScenarioMachine, address: number, count: number): void {
  const { pmm } = machine;
  if (!Number.isInteger(address) || !Number.isInteger(count) || address % 4096 !== 0 || count < 1) return;
  const first = address / 4096;
  const end = Math.min(first + count, pmm.totalFrames);
  const { state, use, owner } = pmm.frames;
  // A frame still mapped by a PHYS region is not refused here: the region holds a reference, so
  // the physical memory manager refuses to free it (BusyError, EBUSY).
  for (let pfn = Math.max(first, 0); pfn < end; pfn++) {
    if (state[pfn] === FrameState.Allocated && use[pfn] !== FrameUse.Direct) {
      const useName = Object.entries(FrameUse).find(([, v]) => v === use[pfn])?.[0] ?? String(use[pfn]);
      throw new NotAllocatedError(
        `ppm_free: frame ${hex(pfn * 4096)} holds a ${useName} frame of ${machine.ownerName(owner[pfn])}; ppm_free gives back only frames ppm_alloc handed out`,
      );
    }
  }
}

/**
 * The physical memory manager refused ppm_free because a frame has other holders: with frames
 * from ppm_alloc, those are PHYS regions mapping it. Says so in the scenario's words (same code).
 */
function stillMapped(machine: ScenarioMachine, address: number, count: number, error: BusyError): BusyError {
  const { refCount } = machine.pmm.frames;
  for (let pfn = address / 4096; pfn < address / 4096 + count; pfn++) {
    if (refCount[pfn] > 1) {
      const mappings = refCount[pfn] - 1;
      return new BusyError(
        `ppm_free: frame ${hex(pfn * 4096)} is still mapped by ${mappings} PHYS page${mappings === 1 ? '' : 's'} (${refCount[pfn]} holders); unmap ${mappings === 1 ? 'it' : 'them'} first`,
      );
    }
  }
  return error;
}

/** Allocated frames of one use held by one owner. */
function countFrames(machine: ScenarioMachine, frameUse: FrameUse, owner: number): number {
  const { state, use, owner: owners } = machine.pmm.frames;
  let n = 0;
  for (let pfn = 0; pfn < state.length; pfn++) {
    if (state[pfn] === FrameState.Allocated && use[pfn] === frameUse && owners[pfn] === owner) n++;
  }
  return n;
}

/** Rounds a size up to whole pages, as mmap does. */
function pages(size: number): number {
  return size <= 0 ? size : Math.ceil(size / 4096) * 4096;
}

function protectionBits(p: ProtectionSpec): number {
  return (
    (p.read ? RegionProtection.Read : 0) |
    (p.write ? RegionProtection.Write : 0) |
    (p.execute ? RegionProtection.Execute : 0)
  );
}

/** A NULL from malloc, calloc or realloc of a non-zero size is the scenario's ENOMEM. */
function nonNull(va: number, size: number, call: string): number {
  if (va === 0 && size > 0) throw new OutOfMemoryError(`${call} returned NULL: out of memory`);
  return va;
}

const COMPARE: Record<Comparison, (a: number, b: number) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

export function runScenario(scenario: Scenario, options: RunOptions = {}): ScenarioOutcome {
  return new ScenarioRun(scenario, options).runToEnd();
}

/**
 * One run of a scenario that can be driven a statement at a time (the browser steps through it)
 * or to its end. `outcome` is live: it grows as statements run.
 */
export class ScenarioRun {
  readonly outcome: ScenarioOutcome;
  private readonly values = new Map<string, number>();
  private booted: ScenarioMachine | undefined;
  private onError: 'stop' | 'continue' = 'stop';
  /** The process memory statements act on (`process` and `switch` set it). */
  private current: ScenarioProcess | undefined;
  /** The process of the statement running now (its `in NAME:` or the current one). */
  private acting: ScenarioProcess | undefined;
  private next = 0;
  private finished = false;

  constructor(
    private readonly scenario: Scenario,
    private readonly options: RunOptions = {},
  ) {
    this.outcome = {
      file: scenario.file,
      ok: true,
      statementsRun: 0,
      expectationsPassed: 0,
      expectationsFailed: 0,
      failures: [],
      output: [],
      reports: [],
    };
  }

  /** The machine, once the first statement booted it. */
  get machine(): ScenarioMachine | undefined {
    return this.booted;
  }

  get done(): boolean {
    return this.finished;
  }

  /** The scenario's variables and their values now. */
  get variables(): ReadonlyMap<string, number> {
    return this.values;
  }

  /** The process memory statements act on now, if any. */
  get currentProcess(): string | undefined {
    return this.current?.name;
  }

  get statementCount(): number {
    return this.scenario.statements.length;
  }

  /** Line of the statement the next step runs; 0 when the run is done. */
  get nextLine(): number {
    if (this.finished) return 0;
    return this.scenario.statements[this.next]?.line ?? this.scenario.lineCount;
  }

  /** Runs the next statement; after the last one, the final invariant check and report. */
  step(): void {
    if (this.finished) return;
    try {
      const statement = this.scenario.statements[this.next];
      if (statement !== undefined) {
        this.next++;
        this.runStatement(statement);
      }
      if (this.next >= this.scenario.statements.length) {
        const machine = this.boot(this.scenario.lineCount);
        this.checkInvariants(this.scenario.lineCount);
        this.finish(machine);
      }
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
      this.finish(this.booted);
    }
  }

  runToEnd(): ScenarioOutcome {
    while (!this.finished) this.step();
    return this.outcome;
  }

  private finish(machine: ScenarioMachine | undefined): void {
    this.finished = true;
    if (machine !== undefined) this.outcome.report = machine.report();
    this.outcome.ok = this.outcome.failures.length === 0;
  }

  // --- failures -------------------------------------------------------------------------------

  private fail(line: number, message: string): void {
    this.outcome.failures.push(`${this.scenario.file}:${line}: ${message}`);
  }

  private stop(line: number, message: string): never {
    this.fail(line, message);
    this.outcome.stoppedAt = line;
    throw new Stop(message);
  }

  private scenarioError(line: number, reason: string): never {
    throw new ScenarioError(this.scenario.file, line, reason);
  }

  // --- the machine ----------------------------------------------------------------------------

  private boot(line: number): ScenarioMachine {
    if (this.booted !== undefined) return this.booted;
    try {
      this.booted = new ScenarioMachine(this.scenario.machine);
    } catch (error) {
      if (!(error instanceof PageframeError)) throw error;
      const lines = Object.values(this.scenario.machine.lines);
      const at = lines.length > 0 ? Math.min(...lines) : line;
      this.stop(at, `the machine does not boot: ${error.code}: ${error.message}`);
    }
    return this.booted;
  }

  private checkInvariants(line: number): void {
    if (this.booted === undefined) return;
    try {
      this.booted.check();
    } catch (error) {
      if (!(error instanceof PageframeError)) throw error;
      this.stop(line, `the machine is inconsistent after this line (a bug in pageframe): ${error.message}`);
    }
  }

  // --- statements -----------------------------------------------------------------------------

  private runStatement(statement: Statement): void {
    if (statement.kind === 'option') {
      this.onError = statement.value;
      return;
    }
    this.boot(statement.line);
    this.outcome.statementsRun++;
    try {
      this.execute(statement);
    } catch (error) {
      if (error instanceof Stop) throw error;
      if (error instanceof ScenarioError) this.stop(error.line, error.reason);
      if (!(error instanceof PageframeError)) {
        const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.stop(statement.line, `internal error in pageframe while running ${verbOf(statement)}: ${what}`);
      }
      const message = `${verbOf(statement)} failed: ${error.code}: ${error.message}`;
      if (this.onError === 'stop') this.stop(statement.line, message);
      this.fail(statement.line, message);
    }
    if (this.options.checkEvery !== 'end' || statement.kind === 'check') this.checkInvariants(statement.line);
  }

  private execute(statement: Statement): void {
    const machine = this.boot(statement.line);
    const previous = this.acting;
    if (statement.process !== undefined) this.acting = this.named(statement.process, statement.line, machine);
    try {
      this.executeAs(statement, machine);
    } finally {
      this.acting = previous;
    }
  }

  private executeAs(statement: Statement, machine: ScenarioMachine): void {
    switch (statement.kind) {
      case 'let':
        this.values.set(statement.target, this.evaluate(statement.value, statement.line));
        return;
      case 'ppm-alloc':
        this.ppmAlloc(statement, machine);
        return;
      case 'ppm-free': {
        const address = this.evaluate(statement.address, statement.line);
        const count = statement.count === undefined ? 1 : this.evaluate(statement.count, statement.line);
        checkDirect(machine, address, count);
        try {
          machine.pmm.free(address, count);
        } catch (error) {
          throw error instanceof BusyError ? stillMapped(machine, address, count, error) : error;
        }
        return;
      }
      case 'print':
        this.print(statement);
        return;
      case 'check':
        return; // the checker runs after the statement
      case 'report':
        this.outcome.reports.push({ line: statement.line, report: machine.report() });
        return;
      case 'expect-error':
      case 'expect-fault':
        this.expectFailure(statement);
        return;
      case 'expect-figure':
        this.expectFigure(statement, machine);
        return;
      case 'measure':
        this.values.set(statement.target, this.figure(statement, machine));
        return;
      case 'expect-compare': {
        const left = this.evaluate(statement.left, statement.line);
        const right = this.evaluate(statement.right, statement.line);
        this.expectation(
          statement.line,
          COMPARE[statement.op](left, right),
          () => `expected ${show(left)} ${statement.op} ${show(right)}`,
        );
        return;
      }
      case 'expect-all-freed': {
        const extra = machine.pmm.allocatedFrames - machine.bootAllocatedFrames;
        this.expectation(statement.line, extra === 0, () => {
          const holders = machine
            .report()
            .physical.byOwner.map(
              (o) =>
                `${o.owner}: ${Object.entries(o.byUse)
                  .map(([use, n]) => `${use} ${n}`)
                  .join(', ')}`,
            )
            .join('; ');
          return `expected all memory back, but ${extra} more frames are allocated than at boot (now held: ${holders})`;
        });
        return;
      }
      default:
        this.processStatement(statement, machine);
    }
  }

  /** The process a statement acts on: its `in NAME:`, else the current one. */
  private processOf(statement: Statement, machine: ScenarioMachine): ScenarioProcess {
    if (statement.process !== undefined) return this.named(statement.process, statement.line, machine);
    if (this.current === undefined) {
      this.scenarioError(
        statement.line,
        `'${verbOf(statement)}' needs a process: create one first with 'process NAME'`,
      );
    }
    return this.current;
  }

  private named(name: string, line: number, machine: ScenarioMachine): ScenarioProcess {
    const process = machine.process(name);
    if (process === undefined) this.scenarioError(line, `unknown process '${name}'`);
    return process;
  }

  private processStatement(statement: Statement, machine: ScenarioMachine): void {
    const line = statement.line;
    switch (statement.kind) {
      case 'process':
        this.current = machine.createProcess(statement.name);
        this.current.space.activate();
        return;
      case 'switch':
        this.current = this.named(statement.name, line, machine);
        this.current.space.activate();
        return;
      case 'fork': {
        const parent =
          statement.parent !== undefined
            ? this.named(statement.parent, line, machine)
            : this.processOf(statement, machine);
        machine.fork(parent, statement.child);
        return;
      }
      case 'exit': {
        const process =
          statement.name !== undefined
            ? this.named(statement.name, line, machine)
            : this.processOf(statement, machine);
        machine.exit(process);
        if (this.current === process) this.current = undefined;
        return;
      }
      default:
        break;
    }
    const process = this.processOf(statement, machine);
    const previous = this.acting;
    this.acting = process;
    try {
      this.memoryStatement(statement, process, machine);
    } finally {
      this.acting = previous;
    }
  }

  private memoryStatement(statement: Statement, process: ScenarioProcess, machine: ScenarioMachine): void {
    const line = statement.line;
    const space = process.space;
    const at = (e: Expr) => this.evaluate(e, line);
    switch (statement.kind) {
      case 'vpm-alloc': {
        const va =
          statement.form === 'one'
            ? space.vpmAlloc()
            : statement.form === 'count'
              ? space.vpmAlloc(at(statement.count as Expr))
              : space.vpmAlloc(at(statement.at as Expr), at(statement.count as Expr));
        this.assign(statement, va);
        return;
      }
      case 'map': {
        const options: { at?: number; protection: number } = {
          protection: protectionBits(statement.protection),
        };
        if (statement.at !== undefined) options.at = at(statement.at);
        const size = pages(at(statement.size));
        const va =
          statement.type === 'anon'
            ? space.mapAnon(size, options)
            : space.mapPhys(at(statement.physical as Expr), size, options);
        this.assign(statement, va);
        return;
      }
      case 'unmap':
        space.unmap(at(statement.address), pages(at(statement.size)));
        return;
      case 'protect':
        space.protect(at(statement.address), pages(at(statement.size)), protectionBits(statement.protection));
        return;
      case 'touch': {
        const start = at(statement.address);
        const size = statement.size === undefined ? 1 : at(statement.size);
        const access =
          statement.access === 'read'
            ? Access.Read
            : statement.access === 'write'
              ? Access.Write
              : Access.Execute;
        for (let va = start - (((start % 4096) + 4096) % 4096); va < start + Math.max(size, 1); va += 4096) {
          space.access(Math.max(va, start), access);
        }
        return;
      }
      case 'write':
        space.write(at(statement.address), statement.data);
        return;
      case 'read': {
        const address = at(statement.address);
        const length = at(statement.length);
        if (length < 0 || length > MAX_READ) {
          this.scenarioError(line, `read prints at most ${MAX_READ} bytes, not ${length}`);
        }
        const data = new Uint8Array(length);
        space.read(address, data);
        for (const text of hexDump(address, data)) this.outcome.output.push({ line, text });
        return;
      }
      case 'expect-read': {
        const address = at(statement.address);
        const data = new Uint8Array(statement.data.length);
        space.read(address, data);
        const same = data.every((b, i) => b === statement.data[i]);
        this.expectation(
          line,
          same,
          () => `expected ${showBytes(statement.data)} at ${hex(address)}, but read ${showBytes(data)}`,
        );
        return;
      }
      case 'malloc': {
        const size = at(statement.size);
        this.assign(statement, nonNull(process.heap.malloc(size), size, `malloc(${size})`));
        return;
      }
      case 'calloc': {
        const count = at(statement.count);
        const size = at(statement.size);
        this.assign(
          statement,
          nonNull(process.heap.calloc(count, size), count * size, `calloc(${count}, ${size})`),
        );
        return;
      }
      case 'realloc': {
        const pointer = at(statement.pointer);
        const size = at(statement.size);
        this.assign(
          statement,
          nonNull(process.heap.realloc(pointer, size), size, `realloc(${hex(pointer)}, ${size})`),
        );
        return;
      }
      case 'free':
        process.heap.free(at(statement.pointer));
        return;
      case 'send': {
        const to = this.named(statement.to, line, machine);
        machine.post.send(process.pid, to.pid, at(statement.address), at(statement.size), statement.mode);
        return;
      }
      case 'receive': {
        const header = machine.post.peek(process.pid);
        if (header === null)
          throw new PageframeError('ENOMSG', `receive: no message is waiting for ${process.name}`);
        if (statement.from !== undefined) {
          const from = this.named(statement.from, line, machine);
          if (header.from !== from.pid) {
            throw new PageframeError(
              'ENOMSG',
              `receive from ${from.name}: the next message for ${process.name} comes from ${machine.ownerName(header.from)}`,
            );
          }
        }
        const received = machine.post.receive(process.pid);
        if (received !== null) this.assign(statement, received.va);
        return;
      }
      default:
        this.scenarioError(line, `'${verbOf(statement)}' cannot run here`);
    }
  }

  private assign(statement: { target?: string }, value: number): void {
    if (statement.target !== undefined) this.values.set(statement.target, value);
  }

  private ppmAlloc(statement: StatementOf<'ppm-alloc'>, machine: ScenarioMachine): void {
    const line = statement.line;
    if (statement.form === 'at') {
      const at = this.evaluate(statement.at as Expr, line);
      const count = this.evaluate(statement.count as Expr, line);
      this.assign(statement, machine.pmm.allocAt(at, count));
      return;
    }
    const constrained =
      statement.above !== undefined || statement.below !== undefined || statement.align !== undefined;
    if (statement.form === 'one' && !constrained) {
      this.assign(statement, machine.pmm.allocFrame());
      return;
    }
    const count = statement.count === undefined ? 1 : this.evaluate(statement.count, line);
    const constraint: { above?: number; below?: number; alignment?: number } = {};
    if (statement.above !== undefined) constraint.above = this.evaluate(statement.above, line);
    if (statement.below !== undefined) constraint.below = this.evaluate(statement.below, line);
    if (statement.align !== undefined) constraint.alignment = this.evaluate(statement.align, line);
    this.assign(statement, machine.pmm.allocContiguous(count, constrained ? constraint : undefined));
  }

  private print(statement: StatementOf<'print'>): void {
    const parts = statement.items.map((item) =>
      item.kind === 'text' ? item.text : show(this.evaluate(item.expr, statement.line)),
    );
    this.outcome.output.push({ line: statement.line, text: parts.join(' ') });
  }

  // --- expectations ---------------------------------------------------------------------------

  private expectation(line: number, holds: boolean, describe: () => string): void {
    if (holds) {
      this.outcome.expectationsPassed++;
      return;
    }
    this.outcome.expectationsFailed++;
    this.fail(line, describe());
  }

  private expectFailure(statement: StatementOf<'expect-error'> | StatementOf<'expect-fault'>): void {
    // `in NAME: expect ...: STATEMENT` runs STATEMENT as NAME.
    const inner =
      statement.process !== undefined && statement.statement.process === undefined
        ? { ...statement.statement, process: statement.process }
        : statement.statement;
    const wanted =
      statement.kind === 'expect-error'
        ? `error ${statement.code}`
        : `a ${statement.cause === undefined ? '' : `${statement.cause} `}fault`;
    let caught: PageframeError | undefined;
    try {
      this.execute(inner);
    } catch (error) {
      if (!(error instanceof PageframeError) || error instanceof ScenarioError) throw error;
      caught = error;
    }
    const verb = verbOf(inner);
    if (caught === undefined) {
      this.expectation(statement.line, false, () => `expected ${wanted}, but ${verb} succeeded`);
      return;
    }
    const error = caught;
    const holds =
      statement.kind === 'expect-error'
        ? error.code === statement.code
        : this.faultMatches(error, statement.cause);
    this.expectation(statement.line, holds, () => {
      const cause = faultCauseOf(error);
      const what = cause === undefined ? error.code : `a ${cause} fault (${error.code})`;
      return `expected ${wanted}, but ${verb} failed with ${what}: ${error.message}`;
    });
  }

  /** Whether an error is a page fault (of the given cause). */
  private faultMatches(error: PageframeError, cause: FaultCauseName | undefined): boolean {
    const reported = faultCauseOf(error);
    return reported !== undefined && (cause === undefined || reported === cause);
  }

  private expectFigure(statement: StatementOf<'expect-figure'>, machine: ScenarioMachine): void {
    const value = this.figure(statement, machine);
    const expected = this.evaluate(statement.value, statement.line);
    const subject =
      statement.subject !== undefined
        ? ` ${statement.subject}`
        : statement.address !== undefined
          ? ' of the frame'
          : '';
    this.expectation(
      statement.line,
      COMPARE[statement.op](value, expected),
      () =>
        `expected ${statement.figure}${subject} ${statement.op} ${show(expected)}, but it is ${show(value)}`,
    );
  }

  private figure(
    statement: StatementOf<'expect-figure'> | StatementOf<'measure'>,
    machine: ScenarioMachine,
  ): number {
    const pmm = machine.pmm;
    const name: FigureName = statement.figure;
    switch (name) {
      case 'free-frames':
        return pmm.freeFrames;
      case 'allocated-frames':
        return pmm.allocatedFrames;
      case 'usable-frames':
        return pmm.usableFrames;
      case 'reserved-frames':
        return pmm.totalFrames - pmm.usableFrames;
      case 'refcount':
        return pmm.refCountOf(this.evaluate(statement.address as Expr, statement.line));
      case 'processes':
        return machine.processes.length;
      case 'tlb-hits':
        return machine.vm.mmu.tlb.hits;
      case 'tlb-misses':
        return machine.vm.mmu.tlb.misses;
      case 'tlb-flushes':
        return machine.vm.mmu.tlb.flushes;
      case 'messages':
        return machine.post.stats.messagesSent;
      case 'bytes-copied':
        return machine.post.stats.bytesCopied;
      case 'pages-moved':
        return machine.post.stats.pagesMoved;
      case 'pages-shared':
        return machine.post.stats.pagesShared;
      default:
        break;
    }
    const process =
      statement.subject !== undefined
        ? this.named(statement.subject, statement.line, machine)
        : this.processOf(statement, machine);
    switch (name) {
      case 'resident':
        return process.space.residentBytes() / 4096;
      case 'regions':
        return process.space.regions.usedRegions().length;
      case 'page-table-frames':
        return countFrames(machine, FrameUse.PageTable, process.pid);
      case 'heap-live':
        return process.heapIfUsed?.stats().liveBytes ?? 0;
      case 'heap-footprint':
        return process.heapIfUsed?.footprint ?? 0;
      default:
        return this.scenarioError(statement.line, `the figure '${name}' is not known here`);
    }
  }

  // --- expressions ----------------------------------------------------------------------------

  /** pa(va): where va is mapped in the acting (or current) process, without faulting it in. */
  private physicalAddress(va: number, line: number): number {
    const process = this.acting ?? this.current;
    if (process === undefined)
      this.scenarioError(line, `pa() needs a process: create one first with 'process NAME'`);
    const pa = translateQuietly(this.booted as ScenarioMachine, va, process.space.root);
    if (pa < 0) throw new NotAllocatedError(`pa(${hex(va)}): no page is mapped there in ${process.name}`);
    return pa;
  }

  private evaluate(expr: Expr, line: number): number {
    const value = this.value(expr, line);
    if (!Number.isSafeInteger(value))
      this.scenarioError(line, `the value ${value} is not a whole number below 2^53`);
    return value;
  }

  private value(expr: Expr, line: number): number {
    switch (expr.kind) {
      case 'number':
        return expr.value;
      case 'variable': {
        const value = this.values.get(expr.name);
        if (value === undefined) return this.scenarioError(line, `unknown variable '${expr.name}'`);
        return value;
      }
      case 'negate':
        return -this.value(expr.operand, line);
      case 'binary': {
        const left = this.value(expr.left, line);
        const right = this.value(expr.right, line);
        if (expr.op === '/' && right === 0) this.scenarioError(line, 'division by zero');
        return applyBinary(expr.op, left, right);
      }
      case 'call': {
        const argument = this.value(expr.args[0], line);
        if (expr.name === 'page') return Math.floor(argument / 4096) * 4096;
        return this.physicalAddress(argument, line);
      }
    }
  }
}
