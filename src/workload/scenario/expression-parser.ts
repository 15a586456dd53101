/**
 * Expressions of the scenario language: `+ - * / << >>`, unary minus, parentheses and the calls
 * `pa(va)` and `page(va)`. Chains of one precedence are read in a loop, so a long flat sum costs
 * no stack; only nesting recurses, and it is limited to MAX_NESTING.
 */
import { type BinaryOp, EXPR_FUNCTIONS, type Expr, type ExprFunction } from './ast.js';
import { KEYWORDS } from './keywords.js';
import { isAccess, type TokenCursor } from './token-cursor.js';

/** Deepest nesting of parentheses, calls and unary minus; deeper input is refused rather than overflowing the stack. */
export const MAX_NESTING = 64;

/** Operators by precedence, loosest first. */
const PRECEDENCE: readonly (readonly BinaryOp[])[] = [
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/'],
];

export function parseExpression(cursor: TokenCursor, what = 'a value'): Expr {
  return new ExpressionParser(cursor).expression(what);
}

/** An expression where a count or a size is expected: a negative number there is refused. */
export function parseCount(cursor: TokenCursor, what: string): Expr {
  const expr = parseExpression(cursor, what);
  if (expr.kind === 'negate' && expr.operand.kind === 'number') {
    cursor.fail(`${what} cannot be negative: -${expr.operand.value}`);
  }
  return expr;
}

/** Whether an expression can start here (for optional arguments). */
export function canStartExpression(cursor: TokenCursor): boolean {
  const token = cursor.peek();
  if (token.kind === 'number') return true;
  if (token.kind === 'op') return token.text === '(' || token.text === '-';
  return token.kind === 'word' && !KEYWORDS.has(token.text) && !isAccess(token.text);
}

class ExpressionParser {
  private depth = 0;

  constructor(private readonly cursor: TokenCursor) {}

  expression(what: string): Expr {
    return this.binary(0, what);
  }

  private binary(level: number, what: string): Expr {
    if (level === PRECEDENCE.length) return this.unary(what);
    const operators = PRECEDENCE[level];
    let left = this.binary(level + 1, what);
    for (;;) {
      const op = operators.find((candidate) => this.cursor.peekOp(candidate));
      if (op === undefined || (op === '-' && this.cursor.atNegativeNumber())) return left;
      this.cursor.next();
      left = { kind: 'binary', op, left, right: this.binary(level + 1, `a value after '${op}'`) };
    }
  }

  private unary(what: string): Expr {
    if (this.cursor.peekOp('-')) {
      this.cursor.next();
      return this.nested(() => ({ kind: 'negate', operand: this.unary(`a value after '-'`) }));
    }
    return this.primary(what);
  }

  private nested(parse: () => Expr): Expr {
    if (++this.depth > MAX_NESTING) this.cursor.fail(`expression nested more than ${MAX_NESTING} deep`);
    const result = parse();
    this.depth--;
    return result;
  }

  private primary(what: string): Expr {
    const cursor = this.cursor;
    const token = cursor.peek();
    if (token.kind === 'number') {
      cursor.next();
      return { kind: 'number', value: token.value };
    }
    if (cursor.peekOp('(')) {
      cursor.next();
      return this.nested(() => {
        const inner = this.expression("a value after '('");
        cursor.expectOp(')', 'to close the parenthesis');
        return inner;
      });
    }
    if (token.kind === 'word') {
      if (Object.hasOwn(EXPR_FUNCTIONS, token.text) && cursor.peekOp('(', 1)) {
        return this.call(token.text as ExprFunction);
      }
      if (KEYWORDS.has(token.text)) cursor.fail(`expected ${what}, found the keyword '${token.text}'`);
      cursor.next();
      return { kind: 'variable', name: token.text };
    }
    return cursor.fail(`expected ${what}, found ${cursor.describe(token)}`);
  }

  private call(name: ExprFunction): Expr {
    const cursor = this.cursor;
    cursor.next();
    cursor.next();
    return this.nested(() => {
      const args: Expr[] = [];
      if (!cursor.peekOp(')')) {
        args.push(this.expression(`an argument of ${name}()`));
        while (cursor.peekOp(',')) {
          cursor.next();
          args.push(this.expression(`an argument of ${name}()`));
        }
      }
      cursor.expectOp(')', `to close ${name}(`);
      if (args.length !== EXPR_FUNCTIONS[name]) {
        cursor.fail(`${name}() takes ${EXPR_FUNCTIONS[name]} argument, not ${args.length}`);
      }
      return { kind: 'call', name, args };
    });
  }
}
