/**
 * `pageframe exec --ram 6M --swap 64M PROGRAM` prints exactly what the program prints with
 * plenty of RAM, for every example program; the ones whose memory does not fit really swap
 * (their --stats count reads from swap); fork-cow and mmap-protect also at 2M, where they swap
 * too. About 20 s on a quiet machine: two or three runs of seven programs through the CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const programs = join(root, 'examples', 'programs');
const dir = mkdtempSync(join(tmpdir(), 'pageframe-swap-exec-'));
const INPUT = 'one two three\nfour five\n';

/** The executables among the examples (the built programs, not their sources). */
const examples = readdirSync(programs).filter(
  (name) => !name.includes('.') && statSync(join(programs, name)).isFile() && name !== 'unknown-syscall',
);

function exec(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'pageframe.js'), 'exec', ...args], {
    cwd: dir,
    encoding: 'utf8',
    input: INPUT,
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('exec under memory pressure', () => {
  it('finds the example programs', () => {
    expect(examples).toEqual(
      expect.arrayContaining([
        'hello',
        'wc',
        'fork-cow',
        'malloc-heavy',
        'mmap-protect',
        'stack-growth',
        'float',
      ]),
    );
  });

  for (const name of examples) {
    it(`${name} prints the same with --ram 6M --swap 64M as with plenty of RAM`, () => {
      const program = join(programs, name);
      const plenty = exec(program, 'arg');
      const stats = join(dir, `${name}.json`);
      const pressed = exec('--ram', '6M', '--swap', '64M', '--stats', stats, '--report', program, 'arg');
      expect({ status: pressed.status, stdout: pressed.stdout }).toEqual({
        status: plenty.status,
        stdout: plenty.stdout,
      });
      expect(pressed.stderr.startsWith(plenty.stderr)).toBe(true);
      expect(pressed.stderr).toMatch(/VmSwap: \d+ kB\n/);
      expect(pressed.stderr).toMatch(/swap-cache \d+; major \(read from swap\) \d+\n/);
      if (name === 'fork-cow' || name === 'mmap-protect')
        expect(exec('--ram', '2M', '--swap', '64M', '--policy', 'fifo', program, 'arg')).toEqual(plenty);
      const figures = JSON.parse(readFileSync(stats, 'utf8'));
      expect(figures.pageFaults.swapIn).toBe(figures.swapIns);
      if (name === 'malloc-heavy' || name === 'stack-growth') {
        expect(figures.swapIns).toBeGreaterThan(100);
        expect(figures.swapOuts).toBeGreaterThan(100);
      }
    });
  }
});
