/**
 * End-to-end: `pageframe exec` as a user runs it: the program's own output and exit status, and
 * nothing else on the streams unless asked; --stats, --report and --trace-mem.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/kernel/linux/elf.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'pageframe-exec-'));
const hello = join(root, 'examples', 'programs', 'hello');

function pageframe(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'pageframe.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('pageframe exec', () => {
  it("passes the program's arguments (options among them) and prints only its output", () => {
    const r = pageframe('exec', hello, '--report', 'x');
    expect(r).toEqual({
      status: 0,
      stdout: 'hello from pageframe\nargv[1] = --report\nargv[2] = x\n',
      stderr: '',
    });
  });

  it('writes the figures of the run with --stats and the process report with --report', () => {
    const stats = join(dir, 'stats.json');
    const r = pageframe('exec', '--stats', stats, '--report', '--ram', '32M', hello);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('hello from pageframe\n');
    expect(r.stderr).toMatch(
      /^process 1 \(hello\) at exit\n00010000-[0-9a-f]{8} r-xp 00000000 00:00 0 +\S+hello\n/,
    );
    expect(r.stderr).toMatch(/\n3ffffe0000-4000000000 rw-p 00000000 00:00 0 +\[stack\]\n/);
    expect(r.stderr).toMatch(/\nframes: 8192 total, /);
    const figures = JSON.parse(readFileSync(stats, 'utf8'));
    expect(Object.keys(figures)).toEqual([
      'program',
      'exitStatus',
      'instructions',
      'seconds',
      'mips',
      'pageFaults',
      'tlbHits',
      'tlbMisses',
      'residentPeakBytes',
      'pageTableBytes',
      'syscalls',
      'unknownSyscalls',
    ]);
    expect(figures.exitStatus).toBe(0);
    expect(figures.instructions).toBeGreaterThan(10_000);
    expect(figures.syscalls.write).toBe(1);
    expect(figures.pageFaults.demandZero).toBeGreaterThan(50);
    expect(figures.tlbMisses).toBeGreaterThan(0);
    expect(figures.residentPeakBytes % 4096).toBe(0);
    expect(figures.pageTableBytes).toBeGreaterThanOrEqual(3 * 4096);
  });

  it('writes every access in lackey format with --trace-mem, the entry point first', () => {
    const trace = join(dir, 'trace.txt');
    expect(pageframe('exec', '--trace-mem', trace, hello).status).toBe(0);
    const lines = readFileSync(trace, 'utf8').trimEnd().split('\n');
    expect(lines.every((line) => /^(I {2}| [LSM] )[0-9a-f]{8,},\d+$/.test(line))).toBe(true);
    const entry = parseElf(new Uint8Array(readFileSync(hello)))
      .entry.toString(16)
      .padStart(8, '0');
    expect(lines[0]).toMatch(new RegExp(`^I  ${entry},[24]$`));
    expect(lines.some((line) => line.startsWith(' S '))).toBe(true);
  });

  it('exits 128 + the signal for a killed program, 126 for a file that is no program, 127 for none', () => {
    const segv = pageframe('exec', join(root, 'examples', 'programs', 'mmap-protect'), 'segfault');
    expect(segv.status).toBe(139);
    expect(segv.stderr).toMatch(/killed by SIGSEGV: write at 0x[0-9a-f]+/);
    const text = pageframe('exec', join(root, 'README.md'));
    expect(text.status).toBe(126);
    expect(text.stderr).toMatch(/README.md is not an ELF file/);
    const none = pageframe('exec', 'no-such-program');
    expect(none).toEqual({
      status: 127,
      stdout: '',
      stderr: 'pageframe: no-such-program: cannot read it: no such file\n',
    });
    const folder = pageframe('exec', join(root, 'examples'));
    expect(folder.status).toBe(126);
    expect(folder.stderr).toBe(`pageframe: ${join(root, 'examples')}: cannot read it: it is a directory\n`);
  });
});
