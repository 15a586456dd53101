/**
 * Statements that make and end processes and choose the current one: `process`, `switch`,
 * `fork` and `exit`.
 */
import type { StatementOf } from '../ast.js';
import type { ExecutorsOf, StatementInput, StatementSyntax } from './definition.js';

function parseNamed({ cursor, line, verb }: StatementInput): StatementOf<'process' | 'switch'> {
  const name = cursor.processName();
  cursor.end(`${verb} ${name}`);
  return { kind: verb === 'process' ? 'process' : 'switch', line, name };
}

export const PROCESS_SYNTAX = {
  process: { parse: parseNamed },
  switch: { parse: parseNamed },
  fork: {
    parse({ cursor, line }) {
      const child = cursor.processName();
      const parent = cursor.skipWord('from') ? cursor.processName() : undefined;
      cursor.end('fork');
      return parent === undefined ? { kind: 'fork', line, child } : { kind: 'fork', line, child, parent };
    },
  },
  exit: {
    parse({ cursor, line }) {
      if (cursor.atEnd()) return { kind: 'exit', line };
      const name = cursor.processName();
      cursor.end(`exit ${name}`);
      return { kind: 'exit', line, name };
    },
  },
} satisfies Record<string, StatementSyntax>;

export const PROCESS_EXECUTORS: ExecutorsOf<'process' | 'switch' | 'fork' | 'exit'> = {
  process(statement, run) {
    run.current = run.machine.createProcess(statement.name);
    run.current.space.activate();
  },
  switch(statement, run) {
    run.current = run.named(statement.name, statement.line);
    run.current.space.activate();
  },
  fork(statement, run) {
    const parent =
      statement.parent !== undefined ? run.named(statement.parent, statement.line) : run.processOf(statement);
    run.machine.fork(parent, statement.child);
  },
  exit(statement, run) {
    const process =
      statement.name !== undefined ? run.named(statement.name, statement.line) : run.processOf(statement);
    run.machine.exit(process);
    if (run.current === process) run.current = undefined;
  },
};
