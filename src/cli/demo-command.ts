/**
 * `pageframe demo` (`npm start`): the built-in tour on a default machine, told one line a step
 * with a short summary; `--report` shows the whole run, `--print` the scenario it runs.
 */

import { DEMO_FILE, DEMO_SCENARIO } from '../workload/scenario/demo-scenario.js';
import type { ScenarioOutcome } from '../workload/scenario/executor.js';
import { formatSize } from './options.js';
import { renderOutcome } from './render-outcome.js';
import { runText } from './run-command.js';

/** Where the tour's text is in the repository, so its lines point into a file one can open. */
export const DEMO_PATH = `examples/${DEMO_FILE}`;

export interface DemoOptions {
  json?: boolean;
  report?: boolean;
  print?: boolean;
}

export function demoCommand(options: DemoOptions): void {
  if (options.print) {
    process.stdout.write(DEMO_SCENARIO);
    return;
  }
  // The checker after every statement would take ten times as long; the tour checks at each step.
  const outcome = runText(DEMO_SCENARIO, DEMO_PATH, { report: true, checkAtEnd: true });
  if (options.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
  else if (options.report) process.stdout.write(renderOutcome(outcome, { report: true }));
  else process.stdout.write(renderTour(outcome));
  if (!options.json) for (const failure of outcome.failures) process.stderr.write(`${failure}\n`);
  process.exitCode = outcome.ok ? 0 : 1;
}

/** The tour: what each step did and why it matters (the scenario's `print` lines), then a summary. */
export function renderTour(outcome: ScenarioOutcome): string {
  const lines = [
    `pageframe demo: a tour of the memory manager, one line a step (the scenario is ${DEMO_PATH};`,
    '`pageframe demo --print` prints it, `pageframe run` runs your own).',
    '',
    ...outcome.output.map((output) => `  ${output.text}`),
    '',
  ];
  const machine = outcome.report?.machine;
  const on = machine === undefined ? '' : ` on a ${formatSize(machine.ramBytes)} ${machine.paging} machine`;
  const result = outcome.ok
    ? `${outcome.expectationsPassed} expectations held and the invariant checker passed after every step`
    : `${outcome.expectationsFailed} expectations failed, ${outcome.failures.length} failures in all (below)`;
  lines.push(
    `${outcome.statementsRun} statements ran${on}: ${result}.`,
    '`pageframe demo --report` shows every report; docs/scenarios.md teaches the language.',
    '',
  );
  return lines.join('\n');
}
