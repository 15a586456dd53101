import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/workload/scenario/errors.js';
import { runScenario } from '../../src/workload/scenario/executor.js';
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

describe('messages speak of the statement the user wrote, not of internal methods', () => {
  it('names ppm_alloc, ppm_free, refcount, vpm_alloc and map', () => {
    const o = runScenario(
      parseScenario(
        `option on-error continue
process a
p = ppm_alloc 2 above 0x1001
x = refcount 0x1001
q = ppm_alloc at 0x1001 1
ppm_free 0x5001
v = vpm_alloc at 0x123 1
m = map phys 0x1001 4K`,
        's.pf',
      ),
    );
    expect(o.failures).toEqual([
      's.pf:3: ppm_alloc failed: EALIGN: ppm_alloc: lower bound 0x00001001 is not a frame-aligned address',
      's.pf:4: refcount failed: EALIGN: refcount: physical address 0x00001001 is not aligned to a 4 KiB frame',
      's.pf:5: ppm_alloc failed: EALIGN: ppm_alloc: physical address 0x00001001 is not aligned to a 4 KiB frame',
      's.pf:6: ppm_free failed: EALIGN: ppm_free: physical address 0x00005001 is not aligned to a 4 KiB frame',
      's.pf:7: vpm_alloc failed: EALIGN: vpm_alloc: 0x00000123 is not page-aligned',
      's.pf:8: map failed: EALIGN: map: 0x00001001 is not frame-aligned',
    ]);
    for (const failure of o.failures)
      expect(failure).not.toMatch(/refCountOf|allocContiguous|allocAt|mapPhys|measure/);
  });
});
