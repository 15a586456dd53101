/**
 * The value of an expression: integer arithmetic on addresses, folded at parse time when no
 * variable is needed (machine settings) and at run time otherwise. The walk keeps its own stack,
 * so a sum of ten thousand terms (a left-leaning tree that deep) costs no JavaScript stack.
 */
import type { BinaryOp, Expr } from './ast.js';

/** Integer arithmetic on addresses: division truncates, shifts work beyond 32 bits. */
export function applyBinary(op: BinaryOp, left: number, right: number): number {
  switch (op) {
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
      return left * right;
    case '/':
      return right === 0 ? Number.NaN : Math.trunc(left / right);
    case '<<':
      return left * 2 ** right;
    case '>>':
      return Math.floor(left / 2 ** right);
  }
}

/** The leaves of an expression tree; the walk below does the rest. */
export type LeafExpr = Extract<Expr, { kind: 'number' | 'variable' | 'call' }>;

/**
 * Folds an expression bottom-up without recursion. `leaf` gives the value of a number, a
 * variable or a call (or undefined when it has none, which makes the whole result undefined);
 * `binary` combines two operands.
 */
export function foldExpression(
  root: Expr,
  leaf: (expr: LeafExpr) => number | undefined,
  binary: (op: BinaryOp, left: number, right: number) => number = applyBinary,
): number | undefined {
  // Post-order walk: a node is pushed once to visit its operands and again (marked) to combine.
  const pending: Expr[] = [root];
  const combine: boolean[] = [false];
  const values: number[] = [];
  while (pending.length > 0) {
    const expr = pending.pop() as Expr;
    const ready = combine.pop() as boolean;
    switch (expr.kind) {
      case 'number':
      case 'variable':
      case 'call': {
        const value = leaf(expr);
        if (value === undefined) return undefined;
        values.push(value);
        break;
      }
      case 'negate':
        if (ready) values.push(-(values.pop() as number));
        else {
          pending.push(expr, expr.operand);
          combine.push(true, false);
        }
        break;
      case 'binary':
        if (ready) {
          const right = values.pop() as number;
          const left = values.pop() as number;
          values.push(binary(expr.op, left, right));
        } else {
          pending.push(expr, expr.right, expr.left);
          combine.push(true, false, false);
        }
        break;
    }
  }
  return values[0];
}

/** The value of an expression without variables or calls, or undefined when it needs one. */
export function evaluateConstant(expr: Expr): number | undefined {
  return foldExpression(expr, (leaf) => (leaf.kind === 'number' ? leaf.value : undefined));
}
