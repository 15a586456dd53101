/**
 * End-to-end: the `pageframe` executable run as a user runs it (node bin/pageframe.js ...):
 * exit statuses, output, --json, --help.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'pageframe-cli-'));

function pageframe(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return pageframeWithInput('', ...args);
}

function pageframeWithInput(
  input: string,
  ...args: string[]
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'pageframe.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
    input,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function scenario(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return name;
}

describe('pageframe command', () => {
  it('--help lists the commands, and every command has --help', () => {
    const top = pageframe('--help');
    expect(top.status).toBe(0);
    for (const command of ['run', 'replay', 'demo', 'bench']) expect(top.stdout).toContain(command);
    for (const command of ['run', 'replay', 'demo', 'bench']) {
      const help = pageframe(command, '--help');
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`Usage: pageframe ${command}`);
    }
  });

  it('run: a passing scenario exits 0 and prints the report', () => {
    const file = scenario(
      'pass.pf',
      'machine ram 4M\np = ppm_alloc\nprint "p =" p\nppm_free p\nexpect all-freed\n',
    );
    const r = pageframe('run', file);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('pass.pf:3: p = 0x');
    expect(r.stdout).toContain('Physical memory');
    expect(r.stdout).toContain('pass.pf: ok: 4 statements run, 1 expectations held, 0 failed');
    expect(r.stderr).toBe('');
  });

  it('run: a failing expectation exits 1 with file:line on stderr', () => {
    const file = scenario('fail.pf', 'machine ram 4M\np = ppm_alloc\nexpect all-freed\n');
    const r = pageframe('run', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^fail\.pf:3: expected all memory back/m);
  });

  it('run: a syntax error exits 1 with file:line', () => {
    const file = scenario('syntax.pf', 'machine ram 4M\n\nmalocc 3\n');
    const r = pageframe('run', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("syntax.pf:3: unknown statement 'malocc'\n");
  });

  it('run: a missing file exits 1', () => {
    const r = pageframe('run', 'nope.pf');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('nope.pf: cannot read it: no such file');
  });

  it('run --json prints one object with every outcome, and runs several files', () => {
    const a = scenario('a.pf', 'machine ram 4M\np = ppm_alloc 2\n');
    const b = scenario('b.pf', 'machine ram 4M\nexpect free-frames == 0\n');
    const r = pageframe('run', '--json', a, b);
    expect(r.status).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.ok).toBe(false);
    expect(json.outcomes.map((o: { file: string; ok: boolean }) => [o.file, o.ok])).toEqual([
      ['a.pf', true],
      ['b.pf', false],
    ]);
    expect(json.outcomes[0].report.physical.stats.allocatedByUse.Direct).toBe(2);
  });

  it('run - reads the scenario from standard input', () => {
    const r = pageframeWithInput(
      'machine ram 4M\nprint "from stdin"\nexpect free-frames > 0\n',
      'run',
      '--no-report',
      '-',
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('-:2: from stdin');
  });

  it('run --no-report leaves the report out', () => {
    const file = scenario('quiet.pf', 'machine ram 4M\nprint "hi"\n');
    const r = pageframe('run', '--no-report', file);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('Physical memory');
    expect(r.stdout).toContain('quiet.pf:2: hi');
  });

  it('demo tells the tour one line a step with a summary, and names the file it runs', () => {
    const r = pageframe('demo');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(20);
    expect(lines[0]).toContain('examples/demo.pf');
    expect(lines.filter((line) => /^ {2}\d\. /.test(line))).toHaveLength(9);
    expect(r.stdout).not.toContain('Physical memory');
    expect(lines.at(-2)).toMatch(/^\d+ statements ran on a 64 MiB i386 machine: \d+ expectations held/);
  });

  it('demo --report shows the whole run, --json parses, --print is examples/demo.pf', () => {
    const full = pageframe('demo', '--report');
    expect(full.status).toBe(0);
    expect(full.stdout).toContain('Physical memory');
    expect(full.stdout).toMatch(/^examples\/demo\.pf: ok: /m);
    expect(JSON.parse(pageframe('demo', '--json').stdout).ok).toBe(true);
    const printed = pageframe('demo', '--print');
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(readFileSync(join(root, 'examples', 'demo.pf'), 'utf8'));
  });

  it('replay runs a .rep trace through a heap and reports utilization', () => {
    const trace = scenario('t.rep', '0\n3\n6\n1\na 0 100\na 1 5000\nr 0 300\nf 1\nf 0\nf -1\n');
    const text = pageframe('replay', trace);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('t.rep: 6 operations replayed');
    expect(text.stdout).toMatch(/utilization \d+\.\d%/);
    expect(text.stdout).toContain('Process replay');
    const json = JSON.parse(
      pageframe('replay', '--json', '--format', 'rep', '--paging', 'sv39', trace).stdout,
    );
    expect(json.result.ops).toBe(6);
    expect(json.result.peakPayload).toBe(5300);
    expect(json.report.machine.paging).toBe('sv39');
    expect(json.report.processes[0].heap.liveBlocks).toBe(0);
  });

  it('replay refuses a malformed trace with file:line, and an unknown format', () => {
    const bad = scenario('bad.rep', '0\n1\n1\n1\nx 0 4\n');
    const r = pageframe('replay', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bad\.rep:5: /);
    const unknown = pageframe('replay', scenario('t.txt', ''));
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown trace format 'txt'");
  });

  it('bench with an unknown suite fails with a message', () => {
    const r = pageframe('bench', 'no-such-suite');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown benchmark suite 'no-such-suite'");
  });

  it('an unknown command or a bad seed is an error', () => {
    expect(pageframe('frobnicate').status).toBe(2);
    expect(pageframe('run').status).toBe(2);
    const bad = pageframe('replay', '--seed', 'x', 'a.rep');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      "option '--seed <n>' argument 'x' is invalid. Allowed: a whole number from 0",
    );
  });
});
