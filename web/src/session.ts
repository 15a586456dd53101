/**
 * One scenario run in the page: parsed from the editor's text, executed one statement at a time
 * by the scenario executor's step API (the same executor as `pageframe run`), with a sample of
 * the machine's figures after every statement for the charts.
 */
import {
  type MachineReport,
  parseScenario,
  renderReport,
  type Scenario,
  ScenarioError,
  type ScenarioOutcome,
  ScenarioRun,
} from '../../src/index.js';
import { type Change, captureMachine, explainChange } from './change-view.js';
import type { Sample } from './charts.js';
import { MachineView } from './machine-view.js';

export interface Problem {
  /** 1-based line the problem is on (0 when it has none). */
  line: number;
  message: string;
}

/** The line of a `file:line: message` failure. */
export function lineOf(failure: string): number {
  const match = /:(\d+): /.exec(failure);
  return match ? Number(match[1]) : 0;
}

/** A scenario variable, with the process it was set in (an address means something only there). */
export interface Variable {
  name: string;
  value: number;
  /** The process the statement that last set it acted as; undefined before any process. */
  process: string | undefined;
}

export class Session {
  private run: ScenarioRun | null = null;
  private scenario: Scenario | null = null;
  /** The process each variable was last set in. */
  private variableProcess = new Map<string, string | undefined>();
  /** The process the last statement acted as (its `in NAME:`, else the current one). */
  private lastActing: string | undefined;
  private machineView: MachineView | null = null;
  private source: { text: string; file: string } | null = null;
  private reported: { step: number; report: MachineReport | undefined } | null = null;
  parseProblem: Problem | null = null;
  stepsRun = 0;

  /** Parses `text` and prepares a fresh run; returns the syntax error, if any. */
  load(text: string, file: string): Problem | null {
    this.source = { text, file };
    this.reported = null;
    this.run = null;
    this.machineView = null;
    this.stepsRun = 0;
    this.parseProblem = null;
    this.scenario = null;
    this.lastChange = null;
    this.variableProcess = new Map();
    this.lastActing = undefined;
    try {
      this.scenario = parseScenario(text, file);
      this.run = new ScenarioRun(this.scenario);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      this.parseProblem = { line: error.line, message: error.message };
    }
    return this.parseProblem;
  }

  get done(): boolean {
    return this.run === null || this.run.done;
  }

  /** Line of the statement the next step runs (0 at the end). */
  get nextLine(): number {
    return this.run?.nextLine ?? 0;
  }

  /** The scenario's variables now, in the order they were first set, with their processes. */
  get variables(): Variable[] {
    if (!this.run) return [];
    return [...this.run.variables].map(([name, value]) => ({
      name,
      value,
      process: this.variableProcess.get(name),
    }));
  }

  /** The process the last statement acted as: its `in NAME:`, else the scenario's current one. */
  get actingProcess(): string | undefined {
    return this.lastActing ?? this.run?.currentProcess;
  }

  /** The line of statement `step` (0-based), or 0 past the last. */
  lineOfStep(step: number): number {
    return this.scenario?.statements[step]?.line ?? 0;
  }

  /**
   * The step that runs the first statement on `line` or, when the line holds none (a comment), on
   * the next line that does; -1 when no statement follows.
   */
  stepOfLine(line: number): number {
    const statements = this.scenario?.statements ?? [];
    let best = -1;
    for (let step = 0; step < statements.length; step++) {
      const at = statements[step].line;
      if (at >= line && (best < 0 || at < statements[best].line)) best = step;
    }
    return best;
  }

  get statementCount(): number {
    return this.run?.statementCount ?? 0;
  }

  get outcome(): ScenarioOutcome | null {
    return this.run?.outcome ?? null;
  }

  /** The run's failures so far, each with its line. */
  get failures(): Problem[] {
    return (this.run?.outcome.failures ?? []).map((message) => ({ line: lineOf(message), message }));
  }

  /** The machine as the views see it; null before it boots. */
  get view(): MachineView | null {
    const machine = this.run?.machine;
    if (!machine) return null;
    if (this.machineView?.machine !== machine) {
      const run = this.run;
      this.machineView = new MachineView(machine, () => this.lastActing ?? run?.currentProcess);
    }
    return this.machineView;
  }

  /** What the last step changed, when it was run by `stepExplained`; null otherwise. */
  lastChange: Change | null = null;

  /** Runs one statement and says what it changed (copies the frame table: not for Run). */
  stepExplained(): void {
    const run = this.run;
    if (!run || run.done) return;
    const machine = run.machine;
    const before = machine ? captureMachine(machine) : null;
    const statement = this.scenario?.statements[this.stepsRun];
    const line = statement?.line ?? 0;
    const text = this.source?.text.split('\n')[line - 1]?.trim() ?? '';
    const failuresBefore = run.outcome.failures.length;
    this.step();
    const after = run.machine;
    const heading = statement ? `Line ${line}: ${text}` : 'The end: the final checks ran.';
    this.lastChange = after ? explainChange(before, after, heading) : null;
    const failed = run.outcome.failures.slice(failuresBefore);
    if (this.lastChange && failed.length > 0)
      this.lastChange.sentences.push(`It failed: ${failed.join('; ')}`);
  }

  /**
   * Starts the same text over and runs `steps` statements (runs are deterministic, so this is the
   * machine as it was then), explaining the last; `onStep` sees each step (the charts sample it).
   */
  replayTo(steps: number, onStep: () => void): void {
    if (this.source === null) return;
    this.load(this.source.text, this.source.file);
    const target = Math.max(0, steps);
    while (this.stepsRun < target - 1 && !this.done) {
      this.step();
      onStep();
    }
    if (this.stepsRun < target && !this.done) {
      this.stepExplained();
      onStep();
    }
  }

  step(): void {
    const run = this.run;
    if (!run || run.done) return;
    const statement = this.scenario?.statements[this.stepsRun];
    const before = new Map(run.variables);
    this.lastChange = null;
    run.step();
    this.stepsRun++;
    this.lastActing = statement?.process ?? run.currentProcess;
    for (const [name, value] of run.variables) {
      if (before.get(name) !== value || !this.variableProcess.has(name))
        this.variableProcess.set(name, this.lastActing);
    }
  }

  /** The figures the charts plot, now. */
  sample(): Sample | null {
    const view = this.view;
    return view ? view.sample(this.stepsRun) : null;
  }

  /**
   * The machine's report as it is now. Reading the machine changes nothing (a test checks that
   * the page prints what `pageframe run` does), so the stepped machine is asked directly.
   */
  private reportNow(): MachineReport | undefined {
    if (this.source === null || this.run === null) return undefined;
    if (this.reported?.step === this.stepsRun) return this.reported.report;
    const report = this.run.machine?.report();
    this.reported = { step: this.stepsRun, report };
    return report;
  }

  /**
   * What `pageframe run --report` prints, as far as the run has come: the output of `print` and
   * `read` and the reports of `report` statements by line, the machine's report as it is now,
   * the failures, and the summary line.
   */
  reportText(): string {
    const run = this.run;
    if (this.parseProblem || !run) return '';
    const outcome = run.outcome;
    const file = outcome.file;
    const out: string[] = [`== ${file}`];
    const reports = new Map(outcome.reports.map((r) => [r.line, r.report]));
    const lines = [...new Set([...outcome.output.map((o) => o.line), ...reports.keys()])].sort(
      (a, b) => a - b,
    );
    for (const line of lines) {
      for (const o of outcome.output) if (o.line === line) out.push(`${file}:${line}: ${o.text}`);
      const report = reports.get(line);
      if (report !== undefined) out.push(`-- report at line ${line}`, renderReport(report));
    }
    const now = this.reportNow();
    out.push(
      '',
      now ? renderReport(now) : 'The machine boots at the first statement that is not a machine setting.\n',
    );
    for (const failure of outcome.failures) out.push(failure);
    const expectations = `${outcome.expectationsPassed} expectations held, ${outcome.expectationsFailed} failed`;
    const stopped = outcome.stoppedAt === undefined ? '' : `, stopped at line ${outcome.stoppedAt}`;
    const verdict = run.done ? (outcome.ok ? 'ok' : 'FAILED') : 'running';
    out.push(`${file}: ${verdict}: ${outcome.statementsRun} statements run, ${expectations}${stopped}`);
    return out.join('\n');
  }
}
