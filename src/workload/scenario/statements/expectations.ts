/**
 * `expect ...`: what a scenario checks. Bytes in memory, a fault or an error from a statement,
 * a figure, a comparison of values, and that every frame came back. A failed expectation is a
 * failure of its line; it never stops the run.
 */
import type { PageframeError } from '../../../common/errors.js';
import { hex } from '../../../common/format.js';
import {
  type Comparison,
  type Expr,
  FAULT_CAUSES,
  type FaultCauseName,
  FIGURES,
  type FigureName,
  type Statement,
  type StatementOf,
} from '../ast.js';
import { parseExpression } from '../expression-parser.js';
import { faultCauseOf } from '../faults.js';
import { KEYWORDS } from '../keywords.js';
import { show, showBytes, verbOf } from '../show.js';
import type { ExecutorsOf, RunContext, StatementInput, StatementSyntax } from './definition.js';
import { figureQuantity, figureValue, parseFigureSubject } from './figures.js';

/** A number written as such (`-1` too): its value says no more than its text. */
function isLiteral(expr: Expr): boolean {
  return expr.kind === 'number' || (expr.kind === 'negate' && expr.operand.kind === 'number');
}

export const COMPARE: Record<Comparison, (left: number, right: number) => boolean> = {
  '==': (left, right) => left === right,
  '!=': (left, right) => left !== right,
  '<': (left, right) => left < right,
  '<=': (left, right) => left <= right,
  '>': (left, right) => left > right,
  '>=': (left, right) => left >= right,
};

/** `expect WORD ...` for the words that are not figures. */
const EXPECTATIONS: Record<string, (input: StatementInput) => Statement> = {
  read({ cursor, line }) {
    cursor.next();
    const address = parseExpression(cursor, 'the address to read');
    const data = cursor.literal('the expected bytes');
    cursor.end('expect read');
    return { kind: 'expect-read', line, address, data };
  },
  fault(input) {
    const { cursor, line } = input;
    cursor.next();
    const cause: FaultCauseName | undefined = cursor.peekOp(':')
      ? undefined
      : cursor.choice(FAULT_CAUSES, 'fault cause');
    cursor.expectOp(':', 'before the statement that should fault');
    const statement = guarded(input, 'fault');
    return cause === undefined
      ? { kind: 'expect-fault', line, statement }
      : { kind: 'expect-fault', line, cause, statement };
  },
  error(input) {
    const { cursor, line } = input;
    cursor.next();
    const code = cursor.peek();
    if (code.kind !== 'word' || !/^E[A-Z]+$/.test(code.text)) {
      cursor.fail(`expected an error code like ENOMEM after 'expect error', found ${cursor.describe(code)}`);
    }
    cursor.next();
    cursor.expectOp(':', 'before the statement that should fail');
    const statement = guarded(input, 'error');
    return { kind: 'expect-error', line, code: code.text, statement };
  },
  'all-freed'({ cursor, line }) {
    cursor.compoundWord('all-freed');
    cursor.end('expect all-freed');
    return { kind: 'expect-all-freed', line };
  },
};

function parseExpectation(input: StatementInput): Statement {
  const { cursor, line } = input;
  const word = cursor.peekCompoundWord();
  if (word !== undefined && Object.hasOwn(EXPECTATIONS, word)) return EXPECTATIONS[word](input);
  if (word !== undefined && Object.hasOwn(FIGURES, word)) {
    cursor.compoundWord('a figure');
    const statement: StatementOf<'expect-figure'> = {
      kind: 'expect-figure',
      line,
      figure: word as FigureName,
      op: '==',
      value: { kind: 'number', value: 0 },
      valueSource: '',
    };
    parseFigureSubject(cursor, statement);
    statement.op = cursor.comparison();
    const from = cursor.offset;
    statement.value = parseExpression(cursor, 'the expected value');
    statement.valueSource = cursor.sourceSince(from);
    cursor.end(`expect ${word}`);
    return statement;
  }
  if (word !== undefined && KEYWORDS.has(word)) {
    cursor.fail(
      `unknown expectation '${word}' (expected ${Object.keys(EXPECTATIONS).join(', ')}, a figure or a comparison)`,
    );
  }
  if (word?.includes('-')) {
    cursor.fail(`unknown figure '${word}' (figures: ${Object.keys(FIGURES).join(', ')})`);
  }
  const leftStart = cursor.offset;
  const left = parseExpression(cursor, 'a figure or a value to compare after expect');
  const leftSource = cursor.sourceSince(leftStart);
  const op = cursor.comparison();
  const rightStart = cursor.offset;
  const right = parseExpression(cursor, 'a value to compare with');
  const rightSource = cursor.sourceSince(rightStart);
  cursor.end('the comparison');
  return { kind: 'expect-compare', line, left, op, right, leftSource, rightSource };
}

/** The statement an `expect fault:` or `expect error:` runs. */
function guarded({ cursor, statement }: StatementInput, what: string): Statement {
  if (cursor.atEnd()) cursor.fail(`expected a statement after 'expect ${what}:'`);
  const inner = statement();
  if (inner.kind.startsWith('expect') || inner.kind === 'option') {
    cursor.fail(`'expect ${what}:' needs an operation, not ${inner.kind}`);
  }
  return inner;
}

export const EXPECTATION_SYNTAX = {
  expect: { parse: parseExpectation },
} satisfies Record<string, StatementSyntax>;

type ExpectationKind =
  | 'expect-read'
  | 'expect-fault'
  | 'expect-error'
  | 'expect-figure'
  | 'expect-compare'
  | 'expect-all-freed';

export const EXPECTATION_EXECUTORS: ExecutorsOf<ExpectationKind> = {
  'expect-read'(statement, run) {
    const { space } = run.processOf(statement);
    const address = run.evaluate(statement.address, statement.line);
    const data = new Uint8Array(statement.data.length);
    space.read(address, data);
    const same = data.every((byte, i) => byte === statement.data[i]);
    run.expectation(
      statement.line,
      same,
      () => `expected ${showBytes(statement.data)} at ${hex(address)}, but read ${showBytes(data)}`,
    );
  },
  'expect-fault': expectFailure,
  'expect-error': expectFailure,
  'expect-figure'(statement, run) {
    const value = figureValue(statement, run);
    const expected = run.evaluate(statement.value, statement.line);
    const subject =
      statement.subject !== undefined
        ? ` ${statement.subject}`
        : statement.address !== undefined
          ? ' of the frame'
          : '';
    const written = isLiteral(statement.value) ? '' : `${statement.valueSource}: `;
    run.expectation(
      statement.line,
      COMPARE[statement.op](value, expected),
      () =>
        `expected ${statement.figure}${subject} ${statement.op} ${written}${figureQuantity(statement.figure, expected)}, but it is ${figureQuantity(statement.figure, value)}`,
    );
  },
  'expect-compare'(statement, run) {
    const left = run.evaluate(statement.left, statement.line);
    const right = run.evaluate(statement.right, statement.line);
    run.expectation(statement.line, COMPARE[statement.op](left, right), () => {
      const sides = [
        [statement.left, statement.leftSource, left],
        [statement.right, statement.rightSource, right],
      ] as const;
      const values = sides
        .filter(([expr]) => !isLiteral(expr))
        .map(([expr, source, value]) => `${source} is ${show(value, run.isAddress(expr))}`);
      const why = values.length === 0 ? 'which is false' : `but ${values.join(' and ')}`;
      return `expected ${statement.leftSource} ${statement.op} ${statement.rightSource}, ${why}`;
    });
  },
  'expect-all-freed'(statement, run) {
    const { machine } = run;
    const extra = machine.pmm.allocatedFrames - machine.bootAllocatedFrames;
    run.expectation(statement.line, extra === 0, () => {
      const holders = machine
        .report()
        .physical.byOwner.map(
          (owner) =>
            `${owner.owner}: ${Object.entries(owner.byUse)
              .map(([use, count]) => `${use} ${count}`)
              .join(', ')}`,
        )
        .join('; ');
      return `expected all memory back, but ${extra} more frames are allocated than at boot (now held: ${holders})`;
    });
  },
};

function expectFailure(
  statement: StatementOf<'expect-error'> | StatementOf<'expect-fault'>,
  run: RunContext,
): void {
  // `in NAME: expect ...: STATEMENT` runs STATEMENT as NAME.
  const inner =
    statement.process !== undefined && statement.statement.process === undefined
      ? { ...statement.statement, process: statement.process }
      : statement.statement;
  const wanted =
    statement.kind === 'expect-error'
      ? `error ${statement.code}`
      : `a ${statement.cause === undefined ? '' : `${statement.cause} `}fault`;
  const caught = run.attempt(inner);
  const verb = verbOf(inner);
  if (caught === undefined) {
    run.expectation(statement.line, false, () => `expected ${wanted}, but ${verb} succeeded`);
    return;
  }
  const holds =
    statement.kind === 'expect-error'
      ? caught.code === statement.code
      : faultMatches(caught, statement.cause);
  run.expectation(statement.line, holds, () => {
    const cause = faultCauseOf(caught);
    const what = cause === undefined ? caught.code : `a ${cause} fault (${caught.code})`;
    return `expected ${wanted}, but ${verb} failed with ${what}: ${caught.message}`;
  });
}

/** Whether an error is a page fault (of the given cause). */
function faultMatches(error: PageframeError, cause: FaultCauseName | undefined): boolean {
  const reported = faultCauseOf(error);
  return reported !== undefined && (cause === undefined || reported === cause);
}
