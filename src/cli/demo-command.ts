/** `pageframe demo`: the default scenario on the default machine, with its report. */
import { DEMO_FILE, DEMO_SCENARIO } from '../workload/scenario/demo-scenario.js';
import { renderOutcome } from './render-outcome.js';
import { runText } from './run-command.js';

export function demoCommand(options: { json?: boolean }): void {
  const outcome = runText(DEMO_SCENARIO, DEMO_FILE, { report: true });
  if (options.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
  else {
    process.stdout.write(renderOutcome(outcome, { report: true }));
    for (const failure of outcome.failures) process.stderr.write(`${failure}\n`);
  }
  process.exitCode = outcome.ok ? 0 : 1;
}
