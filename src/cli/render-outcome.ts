/** The terminal text of a scenario's outcome: its output, the reports, a summary line. */
import { renderReport } from '../workload/report-text.js';
import type { ScenarioOutcome } from '../workload/scenario/executor.js';

export function renderOutcome(outcome: ScenarioOutcome, options: { report: boolean }): string {
  const out: string[] = [`== ${outcome.file}`];
  const reports = new Map(outcome.reports.map((r) => [r.line, r.report]));
  const lines = [...new Set([...outcome.output.map((o) => o.line), ...reports.keys()])].sort((a, b) => a - b);
  for (const line of lines) {
    for (const o of outcome.output) if (o.line === line) out.push(`${outcome.file}:${line}: ${o.text}`);
    const report = reports.get(line);
    if (report !== undefined) out.push(`-- report at line ${line}`, renderReport(report));
  }
  if (options.report && outcome.report !== undefined) out.push('', renderReport(outcome.report));
  const expectations = `${outcome.expectationsPassed} expectations held, ${outcome.expectationsFailed} failed`;
  const stopped = outcome.stoppedAt === undefined ? '' : `, stopped at line ${outcome.stoppedAt}`;
  out.push(
    `${outcome.file}: ${outcome.ok ? 'ok' : 'FAILED'}: ${outcome.statementsRun} statements run, ${expectations}${stopped}`,
    '',
  );
  return out.join('\n');
}
