/**
 * The statements of the language itself rather than of the machine: `option on-error`, `let`,
 * the `in NAME:` prefix, and the output statements `print`, `check` and `report`.
 */
import type { PrintItem } from '../ast.js';
import { parseExpression } from '../expression-parser.js';
import { show } from '../show.js';
import type { ExecutorsOf, StatementSyntax } from './definition.js';

const ON_ERROR_POLICIES = ['stop', 'continue'] as const;

/** Statements an `in NAME:` prefix cannot run as another process. */
const NOT_PREFIXABLE = new Set(['process', 'switch', 'option', 'expect-all-freed']);

export const LANGUAGE_SYNTAX = {
  option: {
    parse({ cursor, line }) {
      const name = cursor.compoundWord('an option name');
      if (name !== 'on-error') cursor.fail(`unknown option '${name}' (expected on-error)`);
      const value = cursor.choice(ON_ERROR_POLICIES, 'on-error value');
      cursor.end('the option');
      return { kind: 'option', line, name: 'on-error', value };
    },
  },
  let: {
    parse({ cursor, line }) {
      const name = cursor.variableName('a variable after let');
      cursor.expectOp('=', `after 'let ${name}'`);
      const value = parseExpression(cursor, `a value for '${name}'`);
      cursor.end(`the value of '${name}'`);
      return { kind: 'let', line, target: name, value };
    },
  },
  in: {
    parse({ cursor, statement }) {
      const process = cursor.processName();
      cursor.expectOp(':', `after 'in ${process}'`);
      const inner = statement();
      if (inner.process !== undefined) cursor.fail(`'in' cannot be nested`);
      if (NOT_PREFIXABLE.has(inner.kind)) cursor.fail(`'in ${process}:' cannot prefix this statement`);
      return { ...inner, process };
    },
  },
  check: {
    parse({ cursor, line }) {
      cursor.end('check');
      return { kind: 'check', line };
    },
  },
  report: {
    parse({ cursor, line }) {
      cursor.end('report');
      return { kind: 'report', line };
    },
  },
  print: {
    parse({ cursor, line }) {
      const items: PrintItem[] = [];
      while (!cursor.atEnd()) {
        const token = cursor.peek();
        if (token.kind === 'string') {
          cursor.next();
          items.push({ kind: 'text', text: new TextDecoder().decode(token.bytes) });
        } else {
          const from = cursor.offset;
          const expr = parseExpression(cursor, 'text or a value to print');
          items.push({ kind: 'expr', expr, source: cursor.sourceSince(from) });
        }
      }
      return { kind: 'print', line, items };
    },
  },
} satisfies Record<string, StatementSyntax>;

export const LANGUAGE_EXECUTORS: ExecutorsOf<'option' | 'let' | 'check' | 'report' | 'print'> = {
  option(statement, run) {
    run.setOnError(statement.value);
  },
  let(statement, run) {
    const value = run.evaluate(statement.value, statement.line);
    run.setVariable(statement.target, value, run.isAddress(statement.value));
  },
  check() {
    // The checker runs after every statement, and after `check` even with checkEvery 'end'.
  },
  report(statement, run) {
    run.addReport(statement.line);
  },
  print(statement, run) {
    const parts = statement.items.map((item) =>
      item.kind === 'text'
        ? item.text
        : show(run.evaluate(item.expr, statement.line), run.isAddress(item.expr)),
    );
    run.print(statement.line, parts.join(' '));
  },
};
