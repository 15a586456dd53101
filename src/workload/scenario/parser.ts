/**
 * The scenario parser: text into a typed Scenario. docs/scenarios.md is the language's reference;
 * this file follows it statement by statement. Every error is a ScenarioError `file:line: reason`.
 */
import {
  type AllocForm,
  type BinaryOp,
  type Comparison,
  EXPR_FUNCTIONS,
  type Expr,
  type ExprFunction,
  FAULT_CAUSES,
  type FaultCauseName,
  FIGURES,
  FILL_POLICIES,
  type FigureName,
  FRAME_ALLOCATORS,
  HEAP_SETTINGS,
  type HeapSetting,
  type IpcMode,
  type MachineSpec,
  type MemoryRangeSpec,
  PAGING_FORMATS,
  type PrintItem,
  type ProtectionSpec,
  RANGE_TYPES,
  type RangeType,
  type Scenario,
  type Statement,
  type StatementOf,
  type TouchAccess,
} from './ast.js';
import { ScenarioError } from './errors.js';
import { type Token, tokenizeLine } from './lexer.js';

/** Words that start statements or separate arguments; none of them can name a variable. */
export const KEYWORDS = new Set([
  'machine',
  'option',
  'process',
  'switch',
  'fork',
  'exit',
  'let',
  'in',
  'ppm_alloc',
  'ppm_free',
  'vpm_alloc',
  'map',
  'unmap',
  'protect',
  'touch',
  'write',
  'read',
  'malloc',
  'calloc',
  'realloc',
  'free',
  'send',
  'receive',
  'expect',
  'check',
  'report',
  'print',
  'at',
  'from',
  'to',
  'above',
  'below',
  'align',
]);

/** Verbs whose result can be assigned: `NAME = VERB ...`. */
const ASSIGNABLE = new Set(['ppm_alloc', 'vpm_alloc', 'map', 'malloc', 'calloc', 'realloc', 'receive']);

const COMPARISONS: Comparison[] = ['==', '!=', '<', '<=', '>', '>='];

/** Deepest nesting of parentheses and unary minus; deeper input is refused rather than overflowing the stack. */
const MAX_DEPTH = 64;

export function parseScenario(text: string, file = 'scenario'): Scenario {
  const lines = text.split('\n');
  const machine: MachineSpec = { heap: {}, lines: {} };
  const statements: Statement[] = [];
  const seen = new Map<string, number>();
  let firstOperation = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const tokens = tokenizeLine(lines[index], file, line);
    if (tokens[0].kind === 'end') continue;
    const parser = new LineParser(tokens, file, line);
    if (parser.peekWord('machine')) {
      if (firstOperation > 0) {
        parser.fail(`machine settings must come before the first operation (line ${firstOperation})`);
      }
      parser.machineSetting(machine, seen);
      for (const [key, at] of seen) machine.lines[key] = at;
      continue;
    }
    const statement = parser.statement();
    if (firstOperation === 0 && statement.kind !== 'option') firstOperation = line;
    statements.push(statement);
  }
  return { file, machine, statements, lineCount: lines.length };
}

class LineParser {
  private position = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
    private readonly line: number,
  ) {}

  fail(reason: string): never {
    throw new ScenarioError(this.file, this.line, reason);
  }

  // --- tokens ---------------------------------------------------------------------------------

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.position + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.position++;
    return token;
  }

  peekWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text === word;
  }

  private peekOp(op: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === op;
  }

  private atEnd(): boolean {
    return this.peek().kind === 'end';
  }

  private describe(token: Token): string {
    return token.kind === 'end' ? 'the end of the line' : `'${token.text}'`;
  }

  private expectOp(op: string, what: string): void {
    if (!this.peekOp(op)) this.fail(`expected '${op}' ${what}, found ${this.describe(this.peek())}`);
    this.next();
  }

  private end(what: string): void {
    if (!this.atEnd()) this.fail(`unexpected ${this.describe(this.peek())} after ${what}`);
  }

  /**
   * A word, glued with the hyphens and words or numbers written right against it, so that
   * `first-fit`, `x86-64` and `free-frames` are single words (in expressions `a-1` is a minus).
   */
  private compoundWord(what: string): string {
    const first = this.peek();
    if (first.kind !== 'word') this.fail(`expected ${what}, found ${this.describe(first)}`);
    this.next();
    let text = first.text;
    let end = first.end;
    for (;;) {
      const dash = this.peek();
      const after = this.peek(1);
      if (
        dash.kind === 'op' &&
        dash.text === '-' &&
        dash.start === end &&
        (after.kind === 'word' || after.kind === 'number') &&
        after.start === dash.end
      ) {
        text += `-${after.text}`;
        end = after.end;
        this.next();
        this.next();
      } else {
        return text;
      }
    }
  }

  private peekCompoundWord(): string | undefined {
    const saved = this.position;
    if (this.peek().kind !== 'word') return undefined;
    const word = this.compoundWord('a word');
    this.position = saved;
    return word;
  }

  private choice<T extends string>(options: readonly T[], what: string): T {
    const word = this.compoundWord(what);
    if (!(options as readonly string[]).includes(word)) {
      this.fail(`unknown ${what} '${word}' (expected ${options.join(', ')})`);
    }
    return word as T;
  }

  private variableName(what: string): string {
    const t = this.peek();
    if (t.kind !== 'word') this.fail(`expected ${what}, found ${this.describe(t)}`);
    if (KEYWORDS.has(t.text)) this.fail(`'${t.text}' is a keyword and cannot name a variable`);
    this.next();
    return t.text;
  }

  private processName(): string {
    const name = this.compoundWord('a process name');
    if (KEYWORDS.has(name)) this.fail(`'${name}' is a keyword and cannot name a process`);
    return name;
  }

  private literal(what: string): Uint8Array {
    const t = this.peek();
    if (t.kind !== 'string' && t.kind !== 'bytes') {
      this.fail(`expected ${what} ("text" or x"hex bytes"), found ${this.describe(t)}`);
    }
    this.next();
    return t.bytes;
  }

  // --- expressions ----------------------------------------------------------------------------

  expression(what = 'a value'): Expr {
    return this.shift(what);
  }

  private shift(what: string): Expr {
    let left = this.additive(what);
    while (this.peekOp('<<') || this.peekOp('>>')) {
      const op = this.next().text as BinaryOp;
      left = { kind: 'binary', op, left, right: this.additive(`a value after '${op}'`) };
    }
    return left;
  }

  private additive(what: string): Expr {
    let left = this.multiplicative(what);
    while (this.peekOp('+') || this.peekOp('-')) {
      const op = this.next().text as BinaryOp;
      left = { kind: 'binary', op, left, right: this.multiplicative(`a value after '${op}'`) };
    }
    return left;
  }

  private multiplicative(what: string): Expr {
    let left = this.unary(what);
    while (this.peekOp('*') || this.peekOp('/')) {
      const op = this.next().text as BinaryOp;
      left = { kind: 'binary', op, left, right: this.unary(`a value after '${op}'`) };
    }
    return left;
  }

  private unary(what: string): Expr {
    if (this.peekOp('-')) {
      this.next();
      return this.nested(() => ({ kind: 'negate', operand: this.unary(`a value after '-'`) }));
    }
    return this.primary(what);
  }

  private nested(parse: () => Expr): Expr {
    if (++this.depth > MAX_DEPTH) this.fail(`expression nested more than ${MAX_DEPTH} deep`);
    const result = parse();
    this.depth--;
    return result;
  }

  private primary(what: string): Expr {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return { kind: 'number', value: t.value };
    }
    if (t.kind === 'op' && t.text === '(') {
      this.next();
      return this.nested(() => {
        const inner = this.expression("a value after '('");
        this.expectOp(')', 'to close the parenthesis');
        return inner;
      });
    }
    if (t.kind === 'word') {
      if (Object.hasOwn(EXPR_FUNCTIONS, t.text) && this.peek(1).kind === 'op' && this.peek(1).text === '(') {
        return this.call(t.text as ExprFunction);
      }
      if (KEYWORDS.has(t.text)) this.fail(`expected ${what}, found the keyword '${t.text}'`);
      this.next();
      return { kind: 'variable', name: t.text };
    }
    return this.fail(`expected ${what}, found ${this.describe(t)}`);
  }

  private call(name: ExprFunction): Expr {
    this.next();
    this.next();
    return this.nested(() => {
      const args: Expr[] = [];
      if (!this.peekOp(')')) {
        args.push(this.expression(`an argument of ${name}()`));
        while (this.peekOp(',')) {
          this.next();
          args.push(this.expression(`an argument of ${name}()`));
        }
      }
      this.expectOp(')', `to close ${name}(`);
      if (args.length !== EXPR_FUNCTIONS[name]) {
        this.fail(`${name}() takes ${EXPR_FUNCTIONS[name]} argument, not ${args.length}`);
      }
      return { kind: 'call', name, args };
    });
  }

  /** Whether an expression can start here (used for optional arguments). */
  private peekExpression(): boolean {
    const t = this.peek();
    if (t.kind === 'number') return true;
    if (t.kind === 'op') return t.text === '(' || t.text === '-';
    return t.kind === 'word' && !KEYWORDS.has(t.text) && !isAccess(t.text);
  }

  private protection(): ProtectionSpec {
    const t = this.peek();
    if (t.kind !== 'word' || !isProtection(t.text)) {
      this.fail(`expected access rights (r, rw, rx, rwx or none), found ${this.describe(t)}`);
    }
    this.next();
    return {
      read: t.text.includes('r'),
      write: t.text.includes('w'),
      execute: t.text.includes('x'),
    };
  }

  private comparison(): Comparison {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '=') this.fail(`use '==' to compare, not '='`);
    if (t.kind !== 'op' || !(COMPARISONS as string[]).includes(t.text)) {
      this.fail(`expected a comparison (== != < <= > >=), found ${this.describe(t)}`);
    }
    this.next();
    return t.text as Comparison;
  }

  // --- machine settings -----------------------------------------------------------------------

  machineSetting(machine: MachineSpec, seen: Map<string, number>): void {
    this.next();
    const setting = this.compoundWord(
      'a machine setting (ram, map, range, paging, tlb, allocator, fill, heap, processes, mailbox)',
    );
    const once = (key: string) => {
      const earlier = seen.get(key);
      if (earlier !== undefined) this.fail(`machine ${key} is already set at line ${earlier}`);
      seen.set(key, this.line);
    };
    switch (setting) {
      case 'ram': {
        once('ram');
        machine.ramBytes = this.constant('the RAM size');
        break;
      }
      case 'map': {
        once('map');
        const kind = this.choice(['pc', 'flat'] as const, 'memory map');
        if (kind === 'flat') machine.memoryMap = [];
        else if (machine.memoryMap !== undefined && machine.memoryMap.length > 0) {
          this.fail(`'machine map pc' cannot follow 'machine range' lines`);
        }
        break;
      }
      case 'range': {
        const type = this.choice(RANGE_TYPES, 'range type') as RangeType;
        const base = this.constant('the range base');
        const length = this.constant('the range length');
        const range: MemoryRangeSpec = { type, base, length, line: this.line };
        if (this.peek().kind === 'string') range.label = new TextDecoder().decode(this.next().bytes);
        if (seen.get('map') !== undefined && machine.memoryMap === undefined) {
          this.fail(`'machine range' cannot follow 'machine map pc'`);
        }
        machine.memoryMap = [...(machine.memoryMap ?? []), range];
        seen.set('range', seen.get('range') ?? this.line);
        break;
      }
      case 'paging': {
        once('paging');
        machine.paging = this.choice(PAGING_FORMATS, 'page-table format');
        break;
      }
      case 'tlb': {
        once('tlb');
        machine.tlbEntries = this.constant('the number of TLB entries');
        if (this.peekWord('ways')) {
          this.next();
          machine.tlbWays = this.constant('the TLB associativity');
        }
        break;
      }
      case 'processes': {
        once('processes');
        machine.maxProcesses = this.constant('the size of the process table');
        break;
      }
      case 'mailbox': {
        once('mailbox');
        machine.mailboxDepth = this.constant('the messages a mailbox holds');
        break;
      }
      case 'allocator': {
        once('allocator');
        machine.allocator = this.choice(FRAME_ALLOCATORS, 'frame allocator');
        break;
      }
      case 'fill': {
        once('fill');
        machine.fill = this.choice(FILL_POLICIES, 'fill policy');
        break;
      }
      case 'heap': {
        const name = this.choice(HEAP_SETTINGS, 'heap setting') as HeapSetting;
        once(`heap ${name}`);
        machine.heap[name] = this.constant(`the heap ${name} size`);
        break;
      }
      default:
        this.fail(
          `unknown machine setting '${setting}' (expected ram, map, range, paging, tlb, allocator, fill, heap, processes, mailbox)`,
        );
    }
    this.end(`machine ${setting}`);
  }

  /** A number known when the scenario is read: machine settings cannot use variables. */
  private constant(what: string): number {
    const expr = this.expression(what);
    const value = evaluateConstant(expr);
    if (value === undefined)
      this.fail(`${what} must be a constant (machine settings are read before anything runs)`);
    if (!Number.isSafeInteger(value) || value < 0)
      this.fail(`${what} must be a whole number >= 0, not ${value}`);
    return value;
  }

  // --- statements -----------------------------------------------------------------------------

  statement(): Statement {
    const first = this.peek();
    if (first.kind !== 'word') this.fail(`a statement starts with a word, not ${this.describe(first)}`);
    if (this.peek(1).kind === 'op' && this.peek(1).text === '=') {
      if (KEYWORDS.has(first.text)) this.fail(`'${first.text}' is a keyword and cannot name a variable`);
      return this.assignment();
    }
    const statement = this.command();
    return statement;
  }

  private assignment(): Statement {
    const target = this.variableName('a variable');
    this.next(); // '='
    const figure = this.peekCompoundWord();
    if (figure !== undefined && Object.hasOwn(FIGURES, figure)) {
      this.compoundWord('a figure');
      const statement: StatementOf<'measure'> = {
        kind: 'measure',
        line: this.line,
        target,
        figure: figure as FigureName,
      };
      this.figureSubject(statement);
      this.end(figure);
      return statement;
    }
    const verb = this.peek();
    if (verb.kind === 'word' && KEYWORDS.has(verb.text)) {
      if (!ASSIGNABLE.has(verb.text)) {
        this.fail(`'${verb.text}' gives no value to assign to '${target}'`);
      }
      return this.command(target);
    }
    const value = this.expression(`a value for '${target}'`);
    this.end(`the value of '${target}'`);
    return { kind: 'let', line: this.line, target, value };
  }

  private command(target?: string): Statement {
    const line = this.line;
    const verbToken = this.peek();
    const verb = verbToken.text;
    this.next();
    switch (verb) {
      case 'option': {
        const name = this.compoundWord('an option name');
        if (name !== 'on-error') this.fail(`unknown option '${name}' (expected on-error)`);
        const value = this.choice(['stop', 'continue'] as const, 'on-error value');
        this.end('the option');
        return { kind: 'option', line, name: 'on-error', value };
      }
      case 'process':
      case 'switch': {
        const name = this.processName();
        this.end(`${verb} ${name}`);
        return { kind: verb, line, name };
      }
      case 'fork': {
        const child = this.processName();
        let parent: string | undefined;
        if (this.peekWord('from')) {
          this.next();
          parent = this.processName();
        }
        this.end('fork');
        return parent === undefined ? { kind: 'fork', line, child } : { kind: 'fork', line, child, parent };
      }
      case 'exit': {
        if (this.atEnd()) return { kind: 'exit', line };
        const name = this.processName();
        this.end(`exit ${name}`);
        return { kind: 'exit', line, name };
      }
      case 'let': {
        const name = this.variableName('a variable after let');
        this.expectOp('=', `after 'let ${name}'`);
        const value = this.expression(`a value for '${name}'`);
        this.end(`the value of '${name}'`);
        return { kind: 'let', line, target: name, value };
      }
      case 'in': {
        const process = this.processName();
        this.expectOp(':', `after 'in ${process}'`);
        const inner = this.statement();
        if (inner.process !== undefined) this.fail(`'in' cannot be nested`);
        if (['process', 'switch', 'option', 'expect-all-freed'].includes(inner.kind)) {
          this.fail(`'in ${process}:' cannot prefix this statement`);
        }
        return { ...inner, process };
      }
      case 'ppm_alloc':
        return this.ppmAlloc(line, target);
      case 'ppm_free': {
        const address = this.expression('the physical address to free');
        const count = this.atEnd() ? undefined : this.expression('the number of frames');
        this.end('ppm_free');
        return count === undefined
          ? { kind: 'ppm-free', line, address }
          : { kind: 'ppm-free', line, address, count };
      }
      case 'vpm_alloc':
        return this.vpmAlloc(line, target);
      case 'map':
        return this.map(line, target);
      case 'unmap': {
        const address = this.expression('the address to unmap');
        const size = this.expression('the size to unmap');
        this.end('unmap');
        return { kind: 'unmap', line, address, size };
      }
      case 'protect': {
        const address = this.expression('the address to protect');
        const size = this.expression('the size to protect');
        const protection = this.protection();
        this.end('protect');
        return { kind: 'protect', line, address, size, protection };
      }
      case 'touch': {
        const address = this.expression('the address to touch');
        const size = this.peekExpression() ? this.expression('the size to touch') : undefined;
        let access: TouchAccess = 'write';
        if (!this.atEnd()) access = this.choice(['read', 'write', 'execute'] as const, 'access');
        this.end('touch');
        return size === undefined
          ? { kind: 'touch', line, address, access }
          : { kind: 'touch', line, address, size, access };
      }
      case 'write': {
        const address = this.expression('the address to write');
        const data = this.literal('the bytes to write');
        this.end('write');
        return { kind: 'write', line, address, data };
      }
      case 'read': {
        const address = this.expression('the address to read');
        const length = this.expression('the number of bytes to read');
        this.end('read');
        return { kind: 'read', line, address, length };
      }
      case 'malloc': {
        const size = this.expression('the size to allocate');
        this.end('malloc');
        return withTarget({ kind: 'malloc', line, size }, target);
      }
      case 'calloc': {
        const count = this.expression('the number of elements');
        const size = this.expression('the element size');
        this.end('calloc');
        return withTarget({ kind: 'calloc', line, count, size }, target);
      }
      case 'realloc': {
        const pointer = this.expression('the pointer to reallocate');
        const size = this.expression('the new size');
        this.end('realloc');
        return withTarget({ kind: 'realloc', line, pointer, size }, target);
      }
      case 'free': {
        const pointer = this.expression('the pointer to free');
        this.end('free');
        return { kind: 'free', line, pointer };
      }
      case 'send': {
        const mode = this.choice(['copy', 'move', 'share'] as const, 'send mode') as IpcMode;
        const address = this.expression('the address to send');
        const size = this.expression('the size to send');
        if (!this.peekWord('to'))
          this.fail(`expected 'to PROCESS' after the size, found ${this.describe(this.peek())}`);
        this.next();
        const to = this.processName();
        this.end('send');
        return { kind: 'send', line, mode, address, size, to };
      }
      case 'receive': {
        let from: string | undefined;
        if (this.peekWord('from')) {
          this.next();
          from = this.processName();
        }
        this.end('receive');
        return withTarget(
          from === undefined ? { kind: 'receive', line } : { kind: 'receive', line, from },
          target,
        );
      }
      case 'expect':
        return this.expectation(line);
      case 'check':
      case 'report': {
        this.end(verb);
        return { kind: verb, line };
      }
      case 'print':
        return this.print(line);
      default:
        if (KEYWORDS.has(verb)) this.fail(`'${verb}' cannot start a statement`);
        return this.fail(`unknown statement '${verbToken.text}'`);
    }
  }

  private ppmAlloc(line: number, target: string | undefined): Statement {
    if (this.peekWord('at')) {
      this.next();
      const at = this.expression('the physical address after at');
      const count = this.expression('the number of frames');
      this.end('ppm_alloc at');
      return withTarget({ kind: 'ppm-alloc', line, form: 'at', at, count }, target);
    }
    const form: AllocForm = this.peekExpression() ? 'count' : 'one';
    const statement: StatementOf<'ppm-alloc'> = { kind: 'ppm-alloc', line, form };
    if (form === 'count') statement.count = this.expression('the number of frames');
    while (!this.atEnd()) {
      const word = this.peek();
      if (word.kind !== 'word' || !['above', 'below', 'align'].includes(word.text)) {
        this.fail(`expected above, below or align, found ${this.describe(word)}`);
      }
      this.next();
      const key = word.text as 'above' | 'below' | 'align';
      if (statement[key] !== undefined) this.fail(`'${key}' is given twice`);
      statement[key] = this.expression(`the address after ${key}`);
    }
    return withTarget(statement, target);
  }

  private vpmAlloc(line: number, target: string | undefined): Statement {
    if (this.peekWord('at')) {
      this.next();
      const at = this.expression('the virtual address after at');
      const count = this.expression('the number of pages');
      this.end('vpm_alloc at');
      return withTarget({ kind: 'vpm-alloc', line, form: 'at', at, count }, target);
    }
    if (this.atEnd()) return withTarget({ kind: 'vpm-alloc', line, form: 'one' }, target);
    const count = this.expression('the number of pages');
    this.end('vpm_alloc');
    return withTarget({ kind: 'vpm-alloc', line, form: 'count', count }, target);
  }

  private map(line: number, target: string | undefined): Statement {
    const type = this.choice(['anon', 'phys'] as const, 'region type');
    const physical = type === 'phys' ? this.expression('the physical address to map') : undefined;
    const size = this.expression('the size to map');
    let at: Expr | undefined;
    if (this.peekWord('at')) {
      this.next();
      at = this.expression('the virtual address after at');
    }
    const protection: ProtectionSpec = this.atEnd()
      ? { read: true, write: true, execute: false }
      : this.protection();
    this.end('map');
    const statement: StatementOf<'map'> = { kind: 'map', line, type, size, protection };
    if (physical !== undefined) statement.physical = physical;
    if (at !== undefined) statement.at = at;
    return withTarget(statement, target);
  }

  private expectation(line: number): Statement {
    const word = this.peekCompoundWord();
    switch (word) {
      case 'read': {
        this.next();
        const address = this.expression('the address to read');
        const data = this.literal('the expected bytes');
        this.end('expect read');
        return { kind: 'expect-read', line, address, data };
      }
      case 'fault': {
        this.next();
        let cause: FaultCauseName | undefined;
        if (!this.peekOp(':')) cause = this.choice(FAULT_CAUSES, 'fault cause');
        this.expectOp(':', 'before the statement that should fault');
        const statement = this.guarded('fault');
        return cause === undefined
          ? { kind: 'expect-fault', line, statement }
          : { kind: 'expect-fault', line, cause, statement };
      }
      case 'error': {
        this.next();
        const code = this.peek();
        if (code.kind !== 'word' || !/^E[A-Z]+$/.test(code.text)) {
          this.fail(`expected an error code like ENOMEM after 'expect error', found ${this.describe(code)}`);
        }
        this.next();
        this.expectOp(':', 'before the statement that should fail');
        const statement = this.guarded('error');
        return { kind: 'expect-error', line, code: code.text, statement };
      }
      case 'all-freed': {
        this.compoundWord('all-freed');
        this.end('expect all-freed');
        return { kind: 'expect-all-freed', line };
      }
      default:
        break;
    }
    if (word !== undefined && Object.hasOwn(FIGURES, word)) {
      this.compoundWord('a figure');
      const figure = word as FigureName;
      const statement: StatementOf<'expect-figure'> = {
        kind: 'expect-figure',
        line,
        figure,
        op: '==',
        value: { kind: 'number', value: 0 },
      };
      this.figureSubject(statement);
      statement.op = this.comparison();
      statement.value = this.expression('the expected value');
      this.end(`expect ${figure}`);
      return statement;
    }
    if (word !== undefined && KEYWORDS.has(word)) {
      this.fail(
        `unknown expectation '${word}' (expected read, fault, error, all-freed, a figure or a comparison)`,
      );
    }
    if (word?.includes('-')) {
      this.fail(`unknown figure '${word}' (figures: ${Object.keys(FIGURES).join(', ')})`);
    }
    const left = this.expression('a figure or a value to compare after expect');
    const op = this.comparison();
    const right = this.expression('a value to compare with');
    this.end('the comparison');
    return { kind: 'expect-compare', line, left, op, right };
  }

  /** What follows a figure's name: a process name, or the frame's address for refcount. */
  private figureSubject(statement: { figure: FigureName; subject?: string; address?: Expr }): void {
    const argument = FIGURES[statement.figure];
    if (argument === 'process' && this.peek().kind === 'word') statement.subject = this.processName();
    if (argument === 'address') statement.address = this.expression(`the address for ${statement.figure}`);
  }

  /** The statement an `expect fault:` or `expect error:` runs. */
  private guarded(what: string): Statement {
    if (this.atEnd()) this.fail(`expected a statement after 'expect ${what}:'`);
    const inner = this.statement();
    if (inner.kind.startsWith('expect') || inner.kind === 'option') {
      this.fail(`'expect ${what}:' needs an operation, not ${inner.kind}`);
    }
    return inner;
  }

  private print(line: number): Statement {
    const items: PrintItem[] = [];
    while (!this.atEnd()) {
      const t = this.peek();
      if (t.kind === 'string') {
        this.next();
        items.push({ kind: 'text', text: new TextDecoder().decode(t.bytes) });
      } else {
        const from = this.position;
        const expr = this.expression('text or a value to print');
        const source = this.tokens
          .slice(from, this.position)
          .map((token) => token.text)
          .join(' ');
        items.push({ kind: 'expr', expr, source });
      }
    }
    return { kind: 'print', line, items };
  }
}

function withTarget<T extends Statement>(statement: T, target: string | undefined): T {
  if (target !== undefined) (statement as T & { target?: string }).target = target;
  return statement;
}

function isProtection(word: string): boolean {
  return word === 'none' || /^r?w?x?$/.test(word);
}

function isAccess(word: string): boolean {
  return word === 'read' || word === 'write' || word === 'execute';
}

/** The value of an expression without variables, or undefined when it needs one. */
export function evaluateConstant(expr: Expr): number | undefined {
  switch (expr.kind) {
    case 'number':
      return expr.value;
    case 'variable':
    case 'call':
      return undefined;
    case 'negate': {
      const v = evaluateConstant(expr.operand);
      return v === undefined ? undefined : -v;
    }
    case 'binary': {
      const l = evaluateConstant(expr.left);
      const r = evaluateConstant(expr.right);
      if (l === undefined || r === undefined) return undefined;
      return applyBinary(expr.op, l, r);
    }
  }
}

/** Integer arithmetic on addresses: division truncates, shifts work beyond 32 bits. */
export function applyBinary(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return r === 0 ? Number.NaN : Math.trunc(l / r);
    case '<<':
      return l * 2 ** r;
    case '>>':
      return Math.floor(l / 2 ** r);
  }
}
