import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/workload/scenario/executor.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const programs = {
  read: (path: string) => {
    try {
      return new Uint8Array(readFileSync(ROOT + path));
    } catch {
      return undefined;
    }
  },
};

function run(text: string) {
  return runScenario(parseScenario(text, 'test.pf'), { programs });
}

describe('the exec statement', () => {
  it('runs the shipped scenario: a program to its end, then one stopped, inspected, forked', () => {
    const outcome = run(readFileSync(`${ROOT}examples/programs/scenario.pf`, 'utf8'));
    expect(outcome.failures).toEqual([]);
    expect(outcome.ok).toBe(true);
    expect(outcome.output.map((o) => o.text)).toEqual([
      'hello from pageframe',
      'argv[1] = from a scenario',
      expect.stringMatching(/^deep has \d+ resident pages$/),
    ]);
    expect(outcome.expectationsPassed).toBe(5);
  });

  it('gives the exit status of a killed program, and the kill message as output', () => {
    const outcome = run(
      'machine paging sv39\ns = exec m "examples/programs/mmap-protect" "segfault"\nexpect s == 139\nexpect all-freed\n',
    );
    expect(outcome.failures).toEqual([]);
    expect(outcome.output.at(-1)?.text).toMatch(/^pageframe: process 1 \(m\) killed by SIGSEGV: write at 0x/);
  });

  it('an exit statement ends a running program; every frame comes back', () => {
    const outcome = run(
      'machine paging sv39\ns = exec p "examples/programs/malloc-heavy" for 20000 instructions\nexpect s == -1\nexit p\nexpect all-freed\n',
    );
    expect(outcome.failures).toEqual([]);
  });

  it.each([
    ['machine paging i386\nexec p "examples/programs/hello"\n', /exec needs 'machine paging sv39'/],
    [
      'machine paging sv39\nexec p "examples/programs/nothing"\n',
      /no program file "examples\/programs\/nothing"/,
    ],
    [
      'machine paging sv39\nprocess p\nexec p "examples/programs/hello"\n',
      /a process named 'p' already exists/,
    ],
    ['machine paging sv39\nexec p "README.md"\n', /README.md is not an ELF file/],
  ])('refuses %j', (text, message) => {
    const outcome = run(text);
    expect(outcome.ok).toBe(false);
    expect(outcome.failures.join('\n')).toMatch(message);
  });

  it('refuses a path that is not a string when it parses', () => {
    expect(() => parseScenario('machine paging sv39\nexec p hello\n', 't.pf')).toThrow(
      't.pf:2: exec p: the program\'s path must be a "string"',
    );
  });

  it('without program files in the run, says so', () => {
    const outcome = runScenario(parseScenario('machine paging sv39\nexec p "x"\n', 't.pf'));
    expect(outcome.failures).toEqual(['t.pf:2: exec p: this run has no program files']);
  });
});
