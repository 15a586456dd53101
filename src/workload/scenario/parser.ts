/**
 * The scenario parser: text into a typed Scenario, a line at a time. docs/scenarios.md is the
 * language's reference; each statement's own parser is in statements/. Errors are ScenarioErrors.
 */
import {
  FIGURES,
  type FigureName,
  type MachineSpec,
  type Scenario,
  type Statement,
  type StatementOf,
} from './ast.js';
import { parseExpression } from './expression-parser.js';
import { isStatementVerb, KEYWORDS } from './keywords.js';
import { tokenizeLine } from './lexer.js';
import { parseMachineSetting, type SettingLines } from './machine-settings.js';
import { parseFigureSubject } from './statements/figures.js';
import { STATEMENT_SYNTAX } from './statements/registry.js';
import { TokenCursor } from './token-cursor.js';

export { applyBinary, evaluateConstant } from './expression-value.js';
export { KEYWORDS } from './keywords.js';

/** The UTF-8 byte-order mark some editors put at the start of a file. */
const BYTE_ORDER_MARK = '\uFEFF';

export function parseScenario(text: string, file = 'scenario'): Scenario {
  const lines = (text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text).split('\n');
  const machine: MachineSpec = { heap: {}, lines: {} };
  const statements: Statement[] = [];
  const seen: SettingLines = new Map();
  let firstOperation = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const tokens = tokenizeLine(lines[index], file, line);
    if (tokens[0].kind === 'end') continue;
    const cursor = new TokenCursor(tokens, file, line);
    if (cursor.peekWord('machine')) {
      if (firstOperation > 0) {
        cursor.fail(`machine settings must come before the first operation (line ${firstOperation})`);
      }
      parseMachineSetting(cursor, machine, seen);
      for (const [key, at] of seen) machine.lines[key] = at;
      continue;
    }
    const statement = parseStatement(cursor);
    if (firstOperation === 0 && statement.kind !== 'option') firstOperation = line;
    statements.push(statement);
  }
  return { file, machine, statements, lineCount: lines.length };
}

/** A statement, an assignment `NAME = ...` or a verb and its arguments, from the cursor on. */
function parseStatement(cursor: TokenCursor): Statement {
  const first = cursor.peek();
  if (first.kind !== 'word') cursor.fail(`a statement starts with a word, not ${cursor.describe(first)}`);
  if (cursor.peekOp('=', 1)) {
    if (KEYWORDS.has(first.text)) cursor.fail(`'${first.text}' is a keyword and cannot name a variable`);
    return parseAssignment(cursor);
  }
  return parseVerb(cursor);
}

/** `NAME = FIGURE`, `NAME = VERB ...` for verbs that give a value, or `NAME = EXPRESSION`. */
function parseAssignment(cursor: TokenCursor): Statement {
  const target = cursor.variableName('a variable');
  cursor.next();
  const figure = cursor.peekCompoundWord();
  if (figure !== undefined && Object.hasOwn(FIGURES, figure)) {
    cursor.compoundWord('a figure');
    const statement: StatementOf<'measure'> = {
      kind: 'measure',
      line: cursor.line,
      target,
      figure: figure as FigureName,
    };
    parseFigureSubject(cursor, statement);
    cursor.end(figure);
    return statement;
  }
  const verb = cursor.peek();
  if (verb.kind === 'word' && KEYWORDS.has(verb.text)) {
    if (!isStatementVerb(verb.text) || STATEMENT_SYNTAX[verb.text].givesValue !== true) {
      cursor.fail(`'${verb.text}' gives no value to assign to '${target}'`);
    }
    return parseVerb(cursor, target);
  }
  const value = parseExpression(cursor, `a value for '${target}'`);
  cursor.end(`the value of '${target}'`);
  return { kind: 'let', line: cursor.line, target, value };
}

function parseVerb(cursor: TokenCursor, target?: string): Statement {
  const verb = cursor.next().text;
  if (!isStatementVerb(verb)) {
    if (KEYWORDS.has(verb)) cursor.fail(`'${verb}' cannot start a statement`);
    cursor.fail(`unknown statement '${verb}'`);
  }
  return STATEMENT_SYNTAX[verb].parse({
    cursor,
    line: cursor.line,
    verb,
    ...(target === undefined ? {} : { target }),
    statement: () => parseStatement(cursor),
  });
}
