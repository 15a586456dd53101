import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/workload/scenario/errors.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';

function errorOf(text: string): string {
  try {
    parseScenario(text, 's.pf');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).message;
  }
  throw new Error(`parsed without error: ${text}`);
}

describe('a negative number where a count or a size is expected', () => {
  it('is an error that says so, not a subtraction', () => {
    expect(errorOf('ppm_free a -1')).toBe('s.pf:1: the number of frames cannot be negative: -1');
    expect(errorOf('send copy b -5 to r')).toBe('s.pf:1: the size to send cannot be negative: -5');
    expect(errorOf('p = malloc -1')).toBe('s.pf:1: the size to allocate cannot be negative: -1');
    expect(errorOf('p = calloc 4 -8')).toBe('s.pf:1: the element size cannot be negative: -8');
    expect(errorOf('unmap p -4K')).toBe('s.pf:1: the size to unmap cannot be negative: -4096');
    expect(errorOf('read p -16')).toBe('s.pf:1: the number of bytes to read cannot be negative: -16');
  });

  it('after a lone value says how to subtract', () => {
    expect(errorOf('x = a -1')).toBe(
      "s.pf:1: unexpected '-1' after the value of 'x' (to subtract, write '- 1' with a space)",
    );
  });

  it('leaves subtraction written with spaces on both sides, or none, alone', () => {
    const { statements } = parseScenario('x = a - 1\ny = a-1\nppm_free a - 4K 2\nprint x -1', 's.pf');
    expect(statements.map((s) => s.kind)).toEqual(['let', 'let', 'ppm-free', 'print']);
    expect(statements[2]).toMatchObject({ count: { kind: 'number', value: 2 } });
    expect(statements[3]).toMatchObject({ items: [{ source: 'x' }, { source: '-1' }] });
  });
});

describe('a word that starts with a digit', () => {
  it('is neither a number nor a name, and the message says what each is', () => {
    expect(errorOf('process 9lives')).toBe(
      "s.pf:1: '9lives' is neither a number nor a name: a name starts with a letter or '_', and a size suffix is K, KiB, M, MiB, G or GiB",
    );
  });
});
