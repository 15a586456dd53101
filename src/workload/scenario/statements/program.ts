/**
 * `exec NAME "PATH" ["ARG" ...] [for N instructions]`: starts a static RISC-V Linux program as
 * the process NAME and runs it (with any processes it forks) to its end, or for N instructions,
 * after which NAME stays alive to be inspected, forked or ended. The program's output becomes the
 * scenario's printed lines; `s = exec ...` gives its exit status (-1 while it runs). Needs
 * `machine paging sv39` and program files from the run (the command reads the host's).
 */
import { PageframeError } from '../../../common/errors.js';
import type { Expr } from '../ast.js';
import { parseExpression } from '../expression-parser.js';
import { programsOf } from '../program-runner.js';
import { type ExecutorsOf, type StatementSyntax, withTarget } from './definition.js';

export const PROGRAM_SYNTAX = {
  exec: {
    givesValue: true,
    parse({ cursor, line, target }) {
      const name = cursor.processName();
      const path = cursor.next();
      if (path.kind !== 'string') cursor.fail(`exec ${name}: the program's path must be a "string"`);
      const args: string[] = [];
      while (cursor.peek().kind === 'string') args.push(new TextDecoder().decode(cursor.next().bytes));
      let budget: Expr | undefined;
      if (cursor.skipWord('for')) {
        budget = parseExpression(cursor, 'a number of instructions');
        if (!cursor.skipWord('instructions')) cursor.fail(`exec ${name}: write 'for N instructions'`);
      }
      cursor.end(`exec ${name}`);
      const text = new TextDecoder().decode(path.bytes);
      const statement = { kind: 'exec' as const, line, name, path: text, args };
      return withTarget(budget === undefined ? statement : { ...statement, budget }, target);
    },
  },
} satisfies Record<string, StatementSyntax>;

export const PROGRAM_EXECUTORS: ExecutorsOf<'exec'> = {
  exec(statement, run) {
    const { line, name, path } = statement;
    const files = run.programs;
    if (files === undefined) return run.scenarioError(line, `exec ${name}: this run has no program files`);
    if (run.machine.process(name) !== undefined) {
      run.scenarioError(line, `exec ${name}: a process named '${name}' already exists`);
    }
    const image = files.read(path);
    if (image === undefined) return run.scenarioError(line, `exec ${name}: no program file "${path}"`);
    const budget =
      statement.budget === undefined ? Number.POSITIVE_INFINITY : run.evaluate(statement.budget, line);
    let programs: ReturnType<typeof programsOf>;
    try {
      programs = programsOf(run.machine, files);
    } catch (error) {
      if (!(error instanceof PageframeError)) throw error;
      return run.scenarioError(line, `exec needs 'machine paging sv39' (a RISC-V hart): ${error.message}`);
    }
    const started = programs.linux.exec(path, image, [path, ...statement.args], [], { name });
    run.machine.adoptProcess(started.live);
    programs.linux.run(budget);
    for (const stream of [1, 2] as const) {
      for (const text of programs.host.takeLines(stream)) run.print(line, text);
    }
    if (statement.target !== undefined) {
      run.setVariable(statement.target, programs.linux.exitStatus(started.pid) ?? -1, false);
    }
  },
};
