/**
 * `pageframe trace` as a user runs it: the textbook results through the real command, the
 * comparison and the curve, a trace the hart recorded with `exec --trace-out` replayed, a real
 * valgrind lackey trace read to its last line, and the errors.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LackeyParser } from '../../src/workload/trace/lackey-parser.js';
import { pageframe, root, scratch, scratchFile } from '../cli/helpers.js';

const ostep = join(root, 'examples', 'traces', 'mem', 'ostep.rw');
const belady = join(root, 'examples', 'traces', 'mem', 'belady.rw');

function json(args: string[]): Record<string, unknown> {
  const ran = pageframe(['trace', ...args, '--json']);
  expect(ran.stderr).toBe('');
  expect(ran.status).toBe(0);
  return JSON.parse(ran.stdout);
}

function faults(file: string, policy: string, frames: number): unknown {
  return json([file, '--policy', policy, '--frames', String(frames)]).pageFaults;
}

describe('pageframe trace: the textbook results', () => {
  it("OSTEP's example with 3 frames: FIFO 7, LRU 5, OPT 5", () => {
    expect(['fifo', 'lru', 'opt'].map((policy) => faults(ostep, policy, 3))).toEqual([7, 5, 5]);
  });

  it("Belady's string: FIFO 9 and 10, LRU 10 and 8, OPT 7 and 6 with 3 and 4 frames", () => {
    const curve = json([belady, '--curve', '3..4']) as {
      points: { frames: number; faults: Record<string, number> }[];
      anomalies: unknown[];
    };
    expect(curve.points.map((p) => [p.frames, p.faults.fifo, p.faults.lru, p.faults.opt])).toEqual([
      [3, 9, 10, 7],
      [4, 10, 8, 6],
    ]);
    expect(curve.anomalies).toContainEqual({
      policy: 'fifo',
      frames: 4,
      faults: 10,
      fewerFrames: 3,
      fewerFaults: 9,
    });
    expect(faults(belady, 'fifo', 4)).toBe(10);
  });

  it('prints the counts the issue names in JSON', () => {
    const result = json([ostep, '--policy', 'lru', '--frames', '3', '--paging', 'i386']);
    expect(result).toMatchObject({
      format: 'rw',
      policy: 'lru',
      paging: 'i386',
      accesses: 11,
      pageFaults: 5,
      majorFaults: expect.any(Number),
      swapIns: expect.any(Number),
      swapOuts: expect.any(Number),
      tlbHitRate: 6 / 11,
    });
  });
});

describe('pageframe trace: text output', () => {
  it('compares the policies in a table', () => {
    const ran = pageframe(['trace', ostep, '--frames', '3', '--compare']);
    expect(ran.status).toBe(0);
    const rows = ran.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe(`${ostep}: 11 accesses to 4 pages, 3 frames, x86-64 paging`);
    expect(rows[1]).toMatch(/^policy +faults +major +evictions +fault rate +TLB hits$/);
    expect(rows.slice(2).map((row) => row.split(/ +/).slice(0, 2))).toEqual([
      ['fifo', '7'],
      ['clock', '7'],
      ['aging', '7'],
      ['lru', '5'],
      ['opt', '5'],
      ['random', expect.stringMatching(/^[5-7]$/)],
    ]);
  });

  it("draws the curve and names Belady's anomaly", () => {
    const ran = pageframe(['trace', belady, '--curve', '1..5']);
    expect(ran.status).toBe(0);
    expect(ran.stdout).toContain("Belady's anomaly: fifo faults 10 times with 4 frames, 9 with 3");
    expect(ran.stdout).not.toMatch(/anomaly: (lru|opt)/);
    const four = ran.stdout.split('\n').find((line) => line.startsWith('4 '));
    expect(four?.split(/ +/).slice(0, 7)).toEqual(['4', '10', '10', '10', '8', '6', expect.any(String)]);
  });
});

describe('pageframe trace: recorded and real traces', () => {
  it('replays what the hart recorded with exec --trace-out, one access a line', () => {
    const recorded = join(scratch, 'hello.lackey');
    const hello = join(root, 'examples', 'programs', 'hello');
    expect(pageframe(['exec', '--trace-out', recorded, hello]).status).toBe(0);
    const text = readFileSync(recorded, 'utf8');
    const lines = text.trimEnd().split('\n').length;
    const parser = new LackeyParser();
    parser.push(text);
    const trace = parser.end();
    const result = json([recorded, '--paging', 'sv39', '--frames', '8', '--policy', 'clock']);
    expect(result).toMatchObject({ format: 'lackey', accesses: trace.count });
    expect(trace.count).toBeGreaterThanOrEqual(lines);
    expect(result.pageFaults).toBeGreaterThan(result.pages as number);
  });

  const valgrind = spawnSync('valgrind', ['--version']).status === 0;
  it.skipIf(!valgrind && !process.env.CI)('reads every line valgrind lackey writes for /bin/true', () => {
    const log = join(scratch, 'true.lackey');
    const ran = spawnSync(
      'valgrind',
      ['--tool=lackey', '--trace-mem=yes', `--log-file=${log}`, '/bin/true'],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(ran.status).toBe(0);
    const text = readFileSync(log, 'utf8');
    const lines = text.trimEnd().split('\n');
    const parser = new LackeyParser();
    parser.push(text);
    const trace = parser.end();
    expect(parser.lines).toBe(lines.length);
    const accessLines = lines.filter((line) => /^(I {2}| [LSM] )/.test(line)).length;
    expect(parser.messageLines + accessLines).toBe(lines.length);
    expect(accessLines).toBeGreaterThan(10_000);
    expect(trace.count).toBeGreaterThanOrEqual(accessLines);
    const result = json([log, '--frames', '16', '--policy', 'lru']);
    expect(result.accesses).toBe(trace.count);
  });
});

describe('pageframe trace: errors', () => {
  it('names the file and line of a malformed trace and exits 1', () => {
    const bad = scratchFile('bad.rw', 'R 0x1000\nR 0x2000\nQ 3\n');
    expect(pageframe(['trace', bad])).toEqual({
      status: 1,
      stdout: '',
      stderr: "pageframe: bad.rw: line 3: 'Q 3' must start with R or W\n",
    });
  });

  it('refuses a missing file, an address outside the paging, and a bad curve', () => {
    expect(pageframe(['trace', 'none.rw'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'pageframe: none.rw: cannot read it: no such file\n',
    });
    const high = scratchFile('high.rw', 'W 0x100000000\n');
    const ran = pageframe(['trace', high, '--paging', 'i386']);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toContain("outside i386's user space");
    expect(pageframe(['trace', ostep, '--curve', '4..2']).status).toBe(2);
    expect(pageframe(['trace', ostep, '--frames', '0']).status).toBe(2);
    expect(pageframe(['trace', ostep, '--policy', 'mru']).status).toBe(2);
  });

  it('guesses the format from the first line, and reads standard input', () => {
    const guessed = scratchFile('guess.txt', '# comment\nW 4096\nR 8192\n');
    expect(json([guessed]).format).toBe('rw');
    const ran = pageframe(['trace', '-', '--format', 'lackey', '--json'], {
      input: 'I  00401000,4\n L 00402000,8\n',
    });
    expect(JSON.parse(ran.stdout)).toMatchObject({ accesses: 2, pageFaults: 2 });
  });
});
