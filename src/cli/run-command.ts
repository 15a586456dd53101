/** `pageframe run FILE...`: parse and run scenarios, print output, reports and failures. */
import { ScenarioError } from '../workload/scenario/errors.js';
import { runScenario, type ScenarioOutcome } from '../workload/scenario/executor.js';
import { parseScenario } from '../workload/scenario/parser.js';
import { NodeExecHost } from './node-exec-host.js';
import { InputFileError, readInputFile } from './options.js';
import { renderOutcome } from './render-outcome.js';

export interface RunCommandOptions {
  json?: boolean;
  report: boolean;
  checkAtEnd?: boolean;
}

/** Parses and runs one scenario text; a syntax error becomes an outcome with that one failure. */
export function runText(text: string, file: string, options: RunCommandOptions): ScenarioOutcome {
  try {
    const scenario = parseScenario(text, file);
    return runScenario(scenario, {
      checkEvery: options.checkAtEnd ? 'end' : 'statement',
      programs: { read: (path) => new NodeExecHost().readFile(path) },
    });
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return {
      file,
      ok: false,
      statementsRun: 0,
      expectationsPassed: 0,
      expectationsFailed: 0,
      failures: [error.message],
      output: [],
      reports: [],
      stoppedAt: error.line,
    };
  }
}

export function runCommand(files: string[], options: RunCommandOptions): void {
  const outcomes: ScenarioOutcome[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readInputFile(file);
    } catch (error) {
      if (!(error instanceof InputFileError)) throw error;
      outcomes.push({
        file,
        ok: false,
        statementsRun: 0,
        expectationsPassed: 0,
        expectationsFailed: 0,
        failures: [error.message],
        output: [],
        reports: [],
      });
      continue;
    }
    outcomes.push(runText(text, file, options));
  }
  const ok = outcomes.every((o) => o.ok);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok, outcomes })}\n`);
  } else {
    for (const outcome of outcomes) {
      process.stdout.write(renderOutcome(outcome, { report: options.report }));
      for (const failure of outcome.failures) process.stderr.write(`${failure}\n`);
    }
  }
  process.exitCode = ok ? 0 : 1;
}
