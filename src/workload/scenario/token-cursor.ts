/**
 * A cursor over the tokens of one scenario line: the parser's only view of the text. It reads
 * words, names, literals, access rights and comparisons, and fails with `file:line: reason`.
 */
import type { Comparison, ProtectionSpec } from './ast.js';
import { ScenarioError } from './errors.js';
import { KEYWORDS } from './keywords.js';
import type { Token } from './lexer.js';

const COMPARISONS: readonly Comparison[] = ['==', '!=', '<', '<=', '>', '>='];

export class TokenCursor {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    readonly file: string,
    readonly line: number,
  ) {}

  fail(reason: string): never {
    throw new ScenarioError(this.file, this.line, reason);
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.position + offset, this.tokens.length - 1)];
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.position++;
    return token;
  }

  /** Where the cursor is, to take the source text of what was read since (`print`). */
  get offset(): number {
    return this.position;
  }

  /** The text of the tokens read since `offset`, spaced as written (a space where there was any). */
  sourceSince(offset: number): string {
    let text = '';
    for (let index = offset; index < this.position; index++) {
      const token = this.tokens[index];
      if (index > offset && token.start > this.tokens[index - 1].end) text += ' ';
      text += token.text;
    }
    return text;
  }

  peekWord(word: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text === word;
  }

  peekOp(op: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'op' && token.text === op;
  }

  /** Takes `word` if it comes next. */
  skipWord(word: string): boolean {
    if (!this.peekWord(word)) return false;
    this.next();
    return true;
  }

  atEnd(): boolean {
    return this.peek().kind === 'end';
  }

  describe(token: Token): string {
    return token.kind === 'end' ? 'the end of the line' : `'${token.text}'`;
  }

  expectOp(op: string, what: string): void {
    if (!this.peekOp(op)) this.fail(`expected '${op}' ${what}, found ${this.describe(this.peek())}`);
    this.next();
  }

  /** Fails unless the line ends here. */
  end(what: string): void {
    if (this.atNegativeNumber()) {
      const number = `-${this.peek(1).text}`;
      this.fail(
        `unexpected '${number}' after ${what} (to subtract, write '- ${this.peek(1).text}' with a space)`,
      );
    }
    if (!this.atEnd()) this.fail(`unexpected ${this.describe(this.peek())} after ${what}`);
  }

  /**
   * Whether a negative number starts here: `-` written apart from what comes before and against
   * the number after it, as in `ppm_free a -1`. It starts a new argument rather than subtracting.
   */
  atNegativeNumber(): boolean {
    const before = this.tokens[this.position - 1];
    const dash = this.peek();
    const after = this.peek(1);
    return (
      before !== undefined &&
      dash.kind === 'op' &&
      dash.text === '-' &&
      dash.start > before.end &&
      after.kind === 'number' &&
      after.start === dash.end
    );
  }

  /**
   * A word, glued with the hyphens and words or numbers written right against it, so that
   * `first-fit`, `x86-64` and `free-frames` are single words (in expressions `a-1` is a minus).
   */
  compoundWord(what: string): string {
    const first = this.peek();
    if (first.kind !== 'word') this.fail(`expected ${what}, found ${this.describe(first)}`);
    this.next();
    let text = first.text;
    let end = first.end;
    for (;;) {
      const dash = this.peek();
      const after = this.peek(1);
      const glued =
        dash.kind === 'op' &&
        dash.text === '-' &&
        dash.start === end &&
        (after.kind === 'word' || after.kind === 'number') &&
        after.start === dash.end;
      if (!glued) return text;
      text += `-${after.text}`;
      end = after.end;
      this.next();
      this.next();
    }
  }

  peekCompoundWord(): string | undefined {
    if (this.peek().kind !== 'word') return undefined;
    const saved = this.position;
    const word = this.compoundWord('a word');
    this.position = saved;
    return word;
  }

  choice<T extends string>(options: readonly T[], what: string): T {
    const word = this.compoundWord(what);
    if (!(options as readonly string[]).includes(word)) {
      this.fail(`unknown ${what} '${word}' (expected ${options.join(', ')})`);
    }
    return word as T;
  }

  variableName(what: string): string {
    const token = this.peek();
    if (token.kind !== 'word') this.fail(`expected ${what}, found ${this.describe(token)}`);
    if (KEYWORDS.has(token.text)) this.fail(`'${token.text}' is a keyword and cannot name a variable`);
    this.next();
    return token.text;
  }

  processName(): string {
    const name = this.compoundWord('a process name');
    if (KEYWORDS.has(name)) this.fail(`'${name}' is a keyword and cannot name a process`);
    return name;
  }

  /** A "text" or x"hex bytes" literal. */
  literal(what: string): Uint8Array {
    const token = this.peek();
    if (token.kind !== 'string' && token.kind !== 'bytes') {
      this.fail(`expected ${what} ("text" or x"hex bytes"), found ${this.describe(token)}`);
    }
    this.next();
    return token.bytes;
  }

  protection(): ProtectionSpec {
    const token = this.peek();
    if (token.kind !== 'word' || !isProtection(token.text)) {
      this.fail(`expected access rights (r, rw, rx, rwx or none), found ${this.describe(token)}`);
    }
    this.next();
    return {
      read: token.text.includes('r'),
      write: token.text.includes('w'),
      execute: token.text.includes('x'),
    };
  }

  comparison(): Comparison {
    const token = this.peek();
    if (token.kind === 'op' && token.text === '=') this.fail(`use '==' to compare, not '='`);
    if (token.kind !== 'op' || !(COMPARISONS as readonly string[]).includes(token.text)) {
      this.fail(`expected a comparison (${COMPARISONS.join(' ')}), found ${this.describe(token)}`);
    }
    this.next();
    return token.text as Comparison;
  }
}

function isProtection(word: string): boolean {
  return word === 'none' || /^r?w?x?$/.test(word);
}

export function isAccess(word: string): boolean {
  return word === 'read' || word === 'write' || word === 'execute';
}
