/**
 * The scenario lexer: one line of text into tokens. The language is line-oriented, so the lexer
 * never looks past a newline; `#` starts a comment that runs to the end of the line.
 */
import { ScenarioError } from './errors.js';

export type TokenKind = 'word' | 'number' | 'string' | 'bytes' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for strings, without quotes or escapes resolved). */
  text: string;
  /** Value of a number token. */
  value: number;
  /** Content of a string or hex-bytes token. */
  bytes: Uint8Array;
  /** Column of the first character (1-based) and of the first character after the token. */
  start: number;
  end: number;
}

const OPERATORS = ['==', '!=', '<=', '>=', '<<', '>>', '=', '<', '>', '+', '-', '*', '/', '(', ')', ':', ','];

/** Size suffixes, binary as memory sizes always are here: 4K = 4KiB = 4096. */
const SUFFIXES: Record<string, number> = {
  k: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gib: 2 ** 30,
  t: 2 ** 40,
  tib: 2 ** 40,
};

const EMPTY = new Uint8Array(0);

function isWordStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isWordChar(c: string): boolean {
  return isWordStart(c) || (c >= '0' && c <= '9');
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

export function tokenizeLine(text: string, file: string, line: number): Token[] {
  const tokens: Token[] = [];
  const fail = (reason: string): never => {
    throw new ScenarioError(file, line, reason);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') break;
    const start = i;
    if ((c === 'x' || c === 'X') && text[i + 1] === '"') {
      i += 2;
      const close = text.indexOf('"', i);
      if (close < 0) fail(`unterminated hex string starting at column ${start + 1}`);
      const body = text.slice(i, close).replace(/[\s_]/g, '');
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(body)) {
        fail(`hex string x"${text.slice(i, close)}" must hold pairs of hex digits`);
      }
      const bytes = new Uint8Array(body.length / 2);
      for (let b = 0; b < bytes.length; b++) bytes[b] = Number.parseInt(body.slice(2 * b, 2 * b + 2), 16);
      i = close + 1;
      tokens.push({
        kind: 'bytes',
        text: text.slice(start, i),
        value: 0,
        bytes,
        start: start + 1,
        end: i + 1,
      });
      continue;
    }
    if (isWordStart(c)) {
      while (i < text.length && isWordChar(text[i])) i++;
      tokens.push({
        kind: 'word',
        text: text.slice(start, i),
        value: 0,
        bytes: EMPTY,
        start: start + 1,
        end: i + 1,
      });
      continue;
    }
    if (isDigit(c)) {
      while (i < text.length && (isWordChar(text[i]) || text[i] === '.')) i++;
      const raw = text.slice(start, i);
      tokens.push({
        kind: 'number',
        text: raw,
        value: parseNumber(raw, fail),
        bytes: EMPTY,
        start: start + 1,
        end: i + 1,
      });
      continue;
    }
    if (c === '"') {
      const { bytes, next } = readString(text, i, fail);
      i = next;
      tokens.push({
        kind: 'string',
        text: text.slice(start, i),
        value: 0,
        bytes,
        start: start + 1,
        end: i + 1,
      });
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) fail(`unexpected character '${c}' at column ${i + 1}`);
    i += (op as string).length;
    tokens.push({ kind: 'op', text: op as string, value: 0, bytes: EMPTY, start: start + 1, end: i + 1 });
  }
  tokens.push({
    kind: 'end',
    text: '',
    value: 0,
    bytes: EMPTY,
    start: text.length + 1,
    end: text.length + 1,
  });
  return tokens;
}

/** `4096`, `0x1000`, `0b1010`, `1_000`, `4K`, `64KiB`, `16M`, `1.5M` (a fraction only with a suffix). */
export function parseNumber(raw: string, fail: (reason: string) => never): number {
  const m = /^(0x[0-9a-f_]+|0b[01_]+|[0-9][0-9_]*(?:\.[0-9]+)?)([a-z]*)$/i.exec(raw);
  if (!m) return fail(`'${raw}' is not a number (write 4096, 0x1000, 4K, 64KiB or 16M)`);
  const [, digits, suffix] = m;
  const clean = digits.replace(/_/g, '');
  let value: number;
  if (/^0x/i.test(clean)) value = Number.parseInt(clean.slice(2), 16);
  else if (/^0b/i.test(clean)) value = Number.parseInt(clean.slice(2), 2);
  else value = Number(clean);
  if (clean.length <= 2 && /^0[xb]$/i.test(clean)) return fail(`'${raw}' has no digits`);
  if (suffix !== '') {
    const scale = SUFFIXES[suffix.toLowerCase()];
    if (scale === undefined)
      return fail(
        `'${raw}' is neither a number nor a name: a name starts with a letter or '_', and a size suffix is K, KiB, M, MiB, G or GiB`,
      );
    value *= scale;
  }
  if (!Number.isSafeInteger(value)) return fail(`'${raw}' is not a whole number of bytes below 2^53`);
  return value;
}

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, '"': 34 };

/** A double-quoted string, UTF-8 encoded, with \n \t \r \0 \\ \" and \xHH escapes. */
function readString(
  text: string,
  from: number,
  fail: (reason: string) => never,
): { bytes: Uint8Array; next: number } {
  const out: number[] = [];
  const encoder = new TextEncoder();
  let i = from + 1;
  let run = '';
  const flush = () => {
    if (run !== '') out.push(...encoder.encode(run));
    run = '';
  };
  while (i < text.length && text[i] !== '"') {
    if (text[i] !== '\\') {
      run += text[i++];
      continue;
    }
    flush();
    const e = text[i + 1];
    if (e === 'x') {
      const hexDigits = text.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hexDigits))
        fail(`bad escape '\\x${hexDigits}' in a string (want \\x and two hex digits)`);
      out.push(Number.parseInt(hexDigits, 16));
      i += 4;
    } else if (e !== undefined && ESCAPES[e] !== undefined) {
      out.push(ESCAPES[e]);
      i += 2;
    } else {
      fail(`bad escape '\\${e ?? ''}' in a string (use \\n \\t \\r \\0 \\\\ \\" or \\xHH)`);
    }
  }
  if (i >= text.length) fail(`unterminated string starting at column ${from + 1}`);
  flush();
  return { bytes: Uint8Array.from(out), next: i + 1 };
}
