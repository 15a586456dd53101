/**
 * `snapshot NAME "FILE"`: a process made from a snapshot of a live Linux process
 * (docs/snapshot.md), its regions and present pages built in the scenario's machine: its format
 * (moved down by whole root entries where Linux's addresses do not fit), its RAM and its
 * 1000-region limit, so a scenario can ask what a real program costs under another design.
 */
import { checkSnapshot, type ProcessSnapshot, runPages } from '../../snapshot/snapshot-file.js';
import { buildSnapshot, placementNote, placeSnapshot } from '../../snapshot/snapshot-model.js';
import type { ExecutorsOf, RunContext, StatementSyntax } from './definition.js';

export const SNAPSHOT_SYNTAX = {
  snapshot: {
    parse({ cursor, line }) {
      const name = cursor.processName();
      const file = new TextDecoder().decode(cursor.literal('the snapshot file'));
      cursor.end('snapshot');
      return { kind: 'snapshot', line, name, file };
    },
  },
} satisfies Record<string, StatementSyntax>;

/** The snapshot file a statement names, read and checked, or a ScenarioError at its line. */
function load(run: RunContext, file: string, line: number): ProcessSnapshot {
  // The run's files are exec's program files: the host's for `pageframe run`, the page's in the browser.
  if (!run.programs) return run.scenarioError(line, `cannot read ${file}: this run has no files`);
  const bytes = run.programs.read(file);
  if (!bytes) return run.scenarioError(line, `cannot read ${file}: no such file`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    return run.scenarioError(
      line,
      `${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    return checkSnapshot(parsed, file);
  } catch (error) {
    return run.scenarioError(line, error instanceof Error ? error.message : String(error));
  }
}

export const SNAPSHOT_EXECUTORS: ExecutorsOf<'snapshot'> = {
  snapshot(statement, run) {
    const { line, name, file } = statement;
    const snapshot = load(run, file, line);
    const format = run.machine.kernel.pageTables.format.name;
    const placed =
      placeSnapshot(snapshot, format) ??
      run.scenarioError(line, `${file}: the process uses more root entries than ${format}'s user half has`);
    const tablesBefore = run.machine.kernel.pageTables.tablePageCount;
    const process = run.machine.createProcess(name);
    try {
      buildSnapshot(process.space, placed);
    } catch (error) {
      run.machine.exit(process); // all or nothing: every frame and table comes back
      throw error;
    }
    run.current = process;
    process.space.activate();
    const pages = snapshot.regions.reduce((sum, region) => sum + runPages(region.present), 0);
    const tables = run.machine.kernel.pageTables.tablePageCount - tablesBefore;
    const note = placementNote(placed, format);
    run.print(
      line,
      `snapshot ${name}: pid ${snapshot.pid} (${snapshot.command}), ${snapshot.regions.length} regions, ${pages} present pages, ${tables} ${format} table pages${note ? ` (${note})` : ''}`,
    );
  },
};
