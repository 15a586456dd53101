/**
 * The lackey and plain (R/W) trace parsers: what each line becomes, streaming across chunk
 * boundaries of any size, and the line-numbered typed errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LackeyParser, parseLackey } from '../../src/workload/trace/lackey-parser.js';
import { AccessKind, type MemoryTrace } from '../../src/workload/trace/memory-trace.js';
import { parseRw, RwParser } from '../../src/workload/trace/rw-parser.js';
import { TraceSyntaxError } from '../../src/workload/trace/trace-errors.js';

function accesses(trace: MemoryTrace): [number, number][] {
  return Array.from({ length: trace.count }, (_, i) => [trace.addresses[i], trace.kinds[i]]);
}

function errorOf(parse: () => unknown): TraceSyntaxError {
  try {
    parse();
  } catch (error) {
    if (error instanceof TraceSyntaxError) return error;
    throw error;
  }
  throw new Error('no error');
}

const LACKEY = [
  '==4242== Lackey, an example Valgrind tool',
  '==4242== Command: /bin/true',
  'I  04001100,3',
  ' S 1ffefffd88,8',
  ' L 04022e28,8',
  ' M 0402ee70,4',
  'I  04000ffe,4',
  '--4242-- a debug line',
  '',
].join('\n');

describe('lackey parser', () => {
  it('reads fetches, loads, stores and modifies; skips valgrind messages; splits page-straddling accesses', () => {
    const parser = new LackeyParser();
    parser.push(LACKEY);
    const trace = parser.end();
    expect(accesses(trace)).toEqual([
      [0x4001100, AccessKind.Fetch],
      [0x1ffefffd88, AccessKind.Write],
      [0x4022e28, AccessKind.Read],
      [0x402ee70, AccessKind.Modify],
      [0x4000ffe, AccessKind.Fetch],
      [0x4001000, AccessKind.Fetch],
    ]);
    expect(parser.messageLines).toBe(3);
    expect(parser.lines).toBe(8);
  });

  it('gives the same trace whatever the chunks the text arrives in, \\r\\n included', () => {
    const text = `${LACKEY.replaceAll('\n', '\r\n')}I  7ff0,2`;
    const whole = accesses(parseLackey(text));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 12 }), (cuts) => {
        const parser = new LackeyParser();
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          parser.push(text.slice(at, cut));
          at = cut;
        }
        parser.push(text.slice(at));
        expect(accesses(parser.end())).toEqual(whole);
      }),
    );
  });

  it.each([
    ['I  04001100,3\n X 0400,4\n', 2, 'is not a lackey line'],
    [' I 04001100,3\n', 1, 'at the margin'],
    ['L 0400,4\n', 1, 'at the margin'],
    ['I  zz,3\n', 1, 'hexadecimal'],
    ['I  0400\n', 1, 'a comma and the size'],
    ['\n\nI  0400,0\n', 3, 'positive decimal'],
    ['I  0400,4 extra\n', 1, 'positive decimal'],
    ['Iabc,4\n', 1, 'a blank must follow'],
    ['I  ffffffffffffffff,4\n', 1, 'below 2^53'],
  ])('%j is refused at line %i', (text, line, reason) => {
    const error = errorOf(() => parseLackey(text));
    expect(error.line).toBe(line);
    expect(error.code).toBe('ETRACE');
    expect(error.message).toContain(`line ${line}: `);
    expect(error.message).toContain(reason);
  });
});

describe('plain R/W parser', () => {
  it('reads hex and decimal addresses, comments and blank lines', () => {
    const trace = parseRw('# a comment\nR 0x1000\n  w 8192   # trailing\n\nW 0X2fff\r\nr 0\n');
    expect(accesses(trace)).toEqual([
      [0x1000, AccessKind.Read],
      [8192, AccessKind.Write],
      [0x2fff, AccessKind.Write],
      [0, AccessKind.Read],
    ]);
  });

  it('streams across chunks', () => {
    const parser = new RwParser();
    for (const chunk of ['R 0x1', '000\nW 1', '2\n', 'R 3']) parser.push(chunk);
    expect(accesses(parser.end())).toEqual([
      [0x1000, AccessKind.Read],
      [12, AccessKind.Write],
      [3, AccessKind.Read],
    ]);
  });

  it.each([
    ['R 1\nX 2\n', 2, 'must start with R or W'],
    ['R\n', 1, 'an address must follow'],
    ['R1\n', 1, 'an address must follow'],
    ['R 0x\n', 1, '0x-hexadecimal or decimal'],
    ['R 0x10 20\n', 1, 'unexpected text'],
    ['# c\nW 12ab\n', 2, 'unexpected text'],
    ['W -4\n', 1, '0x-hexadecimal or decimal'],
  ])('%j is refused at line %i', (text, line, reason) => {
    const error = errorOf(() => parseRw(text));
    expect(error.line).toBe(line);
    expect(error.message).toContain(reason);
  });
});
