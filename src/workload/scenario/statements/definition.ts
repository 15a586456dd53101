/**
 * What a statement of the scenario language is made of: a parser for the words after its verb
 * and an executor for each kind it produces. `registry.ts` lists them; the run loop (executor.ts)
 * hands every executor a RunContext, its only way into the run's state.
 */
import { PageframeError } from '../../../common/errors.js';
import type { Expr, Statement, StatementKind, StatementOf } from '../ast.js';
import { ScenarioError } from '../errors.js';
import type { StatementVerb } from '../keywords.js';
import type { ScenarioMachine, ScenarioProcess } from '../machine.js';
import type { ProgramFiles } from '../program-runner.js';
import type { TokenCursor } from '../token-cursor.js';

export interface StatementInput {
  cursor: TokenCursor;
  line: number;
  verb: StatementVerb;
  /** The variable of `NAME = VERB ...`, for verbs that give a value. */
  target?: string;
  /** Reads a whole statement from the cursor (what follows `in NAME:` or `expect error X:`). */
  statement(): Statement;
}

export interface StatementSyntax {
  parse(input: StatementInput): Statement;
  /** Whether `NAME = VERB ...` may take the statement's value. */
  givesValue?: boolean;
}

/** The run as an executor sees it. */
export interface RunContext {
  readonly machine: ScenarioMachine;
  /** Where `exec` reads program files (RunOptions.programs). */
  readonly programs: ProgramFiles | undefined;
  /** The process `process` and `switch` chose; statements without `in NAME:` act on it. */
  current: ScenarioProcess | undefined;
  /** A whole number below 2^53, or a ScenarioError at the line. */
  evaluate(expr: Expr, line: number): number;
  /** Sets a variable; an address prints in hex, a count or a size in decimal. */
  setVariable(name: string, value: number, isAddress: boolean): void;
  /** Whether an expression stands for an address (it uses one, or pa() or page()). */
  isAddress(expr: Expr): boolean;
  /** The process a statement acts on: its `in NAME:`, else the current one. */
  processOf(statement: Statement): ScenarioProcess;
  /** A live process by name, or a ScenarioError at the line. */
  named(name: string, line: number): ScenarioProcess;
  print(line: number, text: string): void;
  addReport(line: number): void;
  /** Counts an expectation; a failed one is a failure of its line that does not stop the run. */
  expectation(line: number, holds: boolean, describe: () => string): void;
  /** Runs a statement and returns the machine's error if it failed (for `expect error:`). */
  attempt(statement: Statement): PageframeError | undefined;
  setOnError(policy: 'stop' | 'continue'): void;
  scenarioError(line: number, reason: string): never;
}

export type StatementExecutor<K extends StatementKind> = (statement: StatementOf<K>, run: RunContext) => void;

/** Executors of some statement kinds (a statement file exports one of these). */
export type ExecutorsOf<K extends StatementKind> = { [Kind in K]: StatementExecutor<Kind> };

/** Sets the statement's target variable to the address it gave, if it has one (`p = malloc 64`). */
export function assign(run: RunContext, statement: { target?: string }, address: number): void {
  if (statement.target !== undefined) run.setVariable(statement.target, address, true);
}

/**
 * Runs a call into a layer whose messages name its own method (`allocContiguous: ...`) and makes
 * them name the statement the user wrote instead (`ppm_alloc: ...`).
 */
export function inUserWords<T>(statement: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    // A ScenarioError is the scenario's own (`file:line: ...`) and keeps its words.
    if (error instanceof PageframeError && !(error instanceof ScenarioError)) {
      error.message = error.message.replace(/^[a-zA-Z]+: /, `${statement}: `);
    }
    throw error;
  }
}

export function withTarget<T extends Statement>(statement: T, target: string | undefined): T {
  if (target !== undefined) (statement as T & { target?: string }).target = target;
  return statement;
}
