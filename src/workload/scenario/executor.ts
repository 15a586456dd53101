/**
 * Runs a parsed scenario on a machine, statement by statement, and collects what happened: the
 * output of `print` and `read`, the reports asked for, and every failure as `file:line: message`.
 *
 * Rules (docs/scenarios.md): the machine boots at the first statement that is not an option; an
 * operation that fails inside the machine is a failure of its line unless an `expect` guards it,
 * and `option on-error` says whether the run goes on (the failed operation changed nothing); a
 * mistake in the scenario itself (an unknown variable or process) and a broken invariant always
 * stop the run; a failed expectation never does. After every statement the machine's invariant
 * checker runs (unless `checkEvery: 'end'`). What each statement does is in statements/.
 */
import { NotAllocatedError, PageframeError } from '../../common/errors.js';
import { hex } from '../../common/format.js';
import { PAGE_SIZE } from '../../vm/region-map.js';
import type { MachineReport } from '../report.js';
import type { Expr, Scenario, Statement, StatementKind } from './ast.js';
import { ScenarioError } from './errors.js';
import { applyBinary, foldExpression, type LeafExpr } from './expression-value.js';
import { ScenarioMachine, type ScenarioProcess } from './machine.js';
import { MachineSettingError } from './machine-checks.js';
import type { ProgramFiles } from './program-runner.js';
import { verbOf } from './show.js';
import type { RunContext, StatementExecutor } from './statements/definition.js';
import { STATEMENT_EXECUTORS } from './statements/registry.js';

export interface RunOptions {
  /** Run the invariant checker after every statement (default) or only at `check` and the end. */
  checkEvery?: 'statement' | 'end';
  /** Program files for `exec` (the command reads the host's; the browser bundles them). */
  programs?: ProgramFiles;
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
  /** Variables that hold an address (from malloc, map, ppm_alloc, pa() ...), shown in hex. */
  private readonly addresses = new Set<string>();
  private booted: ScenarioMachine | undefined;
  private onError: 'stop' | 'continue' = 'stop';
  /** The process memory statements act on (`process` and `switch` set it). */
  private current: ScenarioProcess | undefined;
  /** The process of the statement running now (its `in NAME:`), for `pa()`. */
  private acting: ScenarioProcess | undefined;
  private next = 0;
  private finished = false;
  private readonly context: RunContext;

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
    this.context = this.makeContext();
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
      const lines = this.scenario.machine.lines;
      const first = Object.values(lines);
      const atSetting = error instanceof MachineSettingError ? lines[error.setting] : undefined;
      const at = atSetting ?? (first.length > 0 ? Math.min(...first) : line);
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

  /** Runs one statement as its `in NAME:` process (if any); its errors go to the caller. */
  private execute(statement: Statement): void {
    this.boot(statement.line);
    const previous = this.acting;
    if (statement.process !== undefined) this.acting = this.named(statement.process, statement.line);
    try {
      const executor = STATEMENT_EXECUTORS[statement.kind] as StatementExecutor<StatementKind>;
      executor(statement, this.context);
    } finally {
      this.acting = previous;
    }
  }

  private named(name: string, line: number): ScenarioProcess {
    const process = (this.booted as ScenarioMachine).process(name);
    if (process === undefined) this.scenarioError(line, `unknown process '${name}'`);
    return process;
  }

  private processOf(statement: Statement): ScenarioProcess {
    if (statement.process !== undefined) return this.named(statement.process, statement.line);
    if (this.current === undefined) {
      this.scenarioError(
        statement.line,
        `'${verbOf(statement)}' needs a process: create one first with 'process NAME'`,
      );
    }
    return this.current;
  }

  private expectation(line: number, holds: boolean, describe: () => string): void {
    if (holds) {
      this.outcome.expectationsPassed++;
      return;
    }
    this.outcome.expectationsFailed++;
    this.fail(line, describe());
  }

  private makeContext(): RunContext {
    const run = this;
    return {
      get machine() {
        return run.booted as ScenarioMachine;
      },
      get current() {
        return run.current;
      },
      programs: this.options.programs,
      set current(process) {
        run.current = process;
      },
      evaluate: (expr, line) => this.evaluate(expr, line),
      setVariable: (name, value, isAddress) => {
        this.values.set(name, value);
        if (isAddress) this.addresses.add(name);
        else this.addresses.delete(name);
      },
      isAddress: (expr) => this.isAddress(expr),
      processOf: (statement) => this.processOf(statement),
      named: (name, line) => this.named(name, line),
      print: (line, text) => {
        this.outcome.output.push({ line, text });
      },
      addReport: (line) => {
        this.outcome.reports.push({ line, report: (this.booted as ScenarioMachine).report() });
      },
      expectation: (line, holds, describe) => this.expectation(line, holds, describe),
      attempt: (statement) => {
        try {
          this.execute(statement);
          return undefined;
        } catch (error) {
          if (!(error instanceof PageframeError) || error instanceof ScenarioError) throw error;
          return error;
        }
      },
      setOnError: (policy) => {
        this.onError = policy;
      },
      scenarioError: (line, reason) => this.scenarioError(line, reason),
    };
  }

  // --- expressions ----------------------------------------------------------------------------

  private evaluate(expr: Expr, line: number): number {
    const value = foldExpression(
      expr,
      (leaf) => this.leafValue(leaf, line),
      (op, left, right) => {
        if (op === '/' && right === 0) this.scenarioError(line, 'division by zero');
        return applyBinary(op, left, right);
      },
    ) as number;
    if (!Number.isSafeInteger(value))
      this.scenarioError(line, `the value ${value} is not a whole number below 2^53`);
    return value;
  }

  /**
   * An address plus or minus a count is an address; the difference of two addresses, a product,
   * a quotient or a shift is a count; pa() and page() give addresses.
   */
  private isAddress(expr: Expr): boolean {
    const ADDRESS = 1;
    const COUNT = 0;
    const kind = foldExpression(
      expr,
      (leaf) =>
        leaf.kind === 'call' || (leaf.kind === 'variable' && this.addresses.has(leaf.name)) ? ADDRESS : COUNT,
      (op, left, right) => {
        if (op === '+') return left !== COUNT || right !== COUNT ? ADDRESS : COUNT;
        if (op === '-') return left !== COUNT && right === COUNT ? ADDRESS : COUNT;
        return COUNT;
      },
    );
    return kind !== COUNT;
  }

  private leafValue(leaf: LeafExpr, line: number): number {
    switch (leaf.kind) {
      case 'number':
        return leaf.value;
      case 'variable': {
        const value = this.values.get(leaf.name);
        if (value === undefined) return this.scenarioError(line, `unknown variable '${leaf.name}'`);
        return value;
      }
      case 'call': {
        const argument = this.evaluate(leaf.args[0], line);
        if (leaf.name === 'page') return Math.floor(argument / PAGE_SIZE) * PAGE_SIZE;
        return this.physicalAddress(argument, line);
      }
    }
  }

  /** pa(va): where va is mapped in the acting (or current) process, without faulting it in. */
  private physicalAddress(va: number, line: number): number {
    const process = this.acting ?? this.current;
    if (process === undefined)
      this.scenarioError(line, `pa() needs a process: create one first with 'process NAME'`);
    const found = (this.booted as ScenarioMachine).vm.pageTables.lookup(process.space.root, va);
    if (!found.present)
      throw new NotAllocatedError(`pa(${hex(va)}): no page is mapped there in ${process.name}`);
    return found.pa;
  }
}
