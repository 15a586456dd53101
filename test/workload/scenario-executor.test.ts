import { describe, expect, it } from 'vitest';
import { runScenario, type ScenarioOutcome, ScenarioRun } from '../../src/workload/scenario/executor.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';

function run(text: string): ScenarioOutcome {
  return runScenario(parseScenario(text, 's.pf'));
}

describe('scenario executor: the machine and physical memory', () => {
  it('boots the machine the settings describe', () => {
    const o = run('machine ram 8M\nmachine allocator first-fit\nmachine fill junk\nmachine map flat\ncheck');
    expect(o.ok).toBe(true);
    expect(o.report?.machine).toMatchObject({ ramBytes: 8 * 2 ** 20, allocator: 'first-fit', fill: 'junk' });
    expect(o.report?.physical.stats.usableFrames).toBe(2048);
    expect(o.report?.physical.ranges).toEqual([{ base: 0, length: 8 * 2 ** 20, type: 'usable' }]);
  });

  it('uses the documented defaults', () => {
    const o = run('check');
    expect(o.report?.machine).toEqual({
      ramBytes: 64 * 2 ** 20,
      paging: 'i386',
      tlbEntries: 64,
      tlbWays: 4,
      allocator: 'buddy',
      fill: 'zero',
    });
    expect(o.report?.physical.ranges.map((r) => r.type)).toEqual([
      'firmware',
      'usable',
      'firmware',
      'kernel',
      'usable',
    ]);
  });

  it('takes memory map ranges from machine range lines', () => {
    const o = run('machine ram 4M\nmachine range device 1M 1M "frame buffer"\ncheck');
    expect(o.report?.physical.ranges).toEqual([
      { base: 0, length: 2 ** 20, type: 'usable' },
      { base: 2 ** 20, length: 2 ** 20, type: 'device', label: 'frame buffer' },
      { base: 2 ** 21, length: 2 ** 21, type: 'usable' },
    ]);
    expect(o.report?.physical.stats.reservedFrames).toBe(256);
  });

  it('reports a machine that does not boot at its settings line', () => {
    const o = run('# c\nmachine ram 5000\ncheck');
    expect(o.ok).toBe(false);
    expect(o.failures).toHaveLength(1);
    expect(o.failures[0]).toMatch(/^s\.pf:2: the machine does not boot: EINVAL: RAM size 5000/);
    expect(o.report).toBeUndefined();
  });

  it('runs ppm_alloc in its three forms and ppm_free, with figures', () => {
    const o = run(`machine ram 16M
machine map flat
boot = allocated-frames
a = ppm_alloc
b = ppm_alloc 16
c = ppm_alloc at 8M 4
d = ppm_alloc 2 below 4M align 1M
expect allocated-frames == boot + 1 + 16 + 4 + 2
expect free-frames == 4096 - boot - 23
expect c == 8M
expect d - (d / 1M) * 1M == 0
expect d < 4M
expect refcount a == 1
expect refcount a + 4K == 0
ppm_free a
ppm_free b 16
ppm_free c 4
ppm_free d 2
expect all-freed
expect free-frames == usable`);
    // the last line fails: 'usable' is not a variable, and that stops the run
    expect(o.expectationsPassed).toBe(8);
    expect(o.failures).toEqual(["s.pf:20: unknown variable 'usable'"]);
    expect(o.stoppedAt).toBe(20);
    expect(o.report?.physical.stats.allocatedFrames).toBe(o.report?.pageTables.kernelTablePages);
  });

  it('counts failed expectations, names their line, and goes on', () => {
    const o = run(`machine ram 4M
p = ppm_alloc
expect free-frames == 1
expect refcount p == 2
expect p == 0
expect all-freed
expect allocated-frames == 2`);
    expect(o.ok).toBe(false);
    expect(o.expectationsPassed).toBe(1);
    expect(o.expectationsFailed).toBe(4);
    expect(o.failures[0]).toMatch(/^s\.pf:3: expected free-frames == 1, but it is \d+$/);
    expect(o.failures[1]).toBe('s.pf:4: expected refcount of the frame == 2, but it is 1');
    expect(o.failures[2]).toMatch(/^s\.pf:5: expected 0x[0-9a-f]+ == 0$/);
    expect(o.failures[3]).toBe(
      's.pf:6: expected all memory back, but 1 more frames are allocated than at boot (now held: kernel: PageTable 1, Direct 1)',
    );
    expect(o.stoppedAt).toBeUndefined();
  });

  it('checks expected errors, and reports a guarded statement that succeeds or fails otherwise', () => {
    const o = run(`machine ram 4M
p = ppm_alloc
ppm_free p
expect error EDOUBLEFREE: ppm_free p
expect error ENOMEM: q = ppm_alloc at 0 1
expect error ENOMEM: q = ppm_alloc
expect error EBUSY: ppm_alloc at 1M 1`);
    expect(o.expectationsPassed).toBe(2);
    expect(o.failures).toEqual([
      expect.stringMatching(/^s\.pf:5: expected error ENOMEM, but ppm_alloc failed with EBUSY: /),
      's.pf:6: expected error ENOMEM, but ppm_alloc succeeded',
    ]);
  });

  it('a guarded failure changes nothing', () => {
    const o = run(`machine ram 4M
boot = allocated-frames
a = ppm_alloc 8
expect error EBUSY: b = ppm_alloc at a 1
expect allocated-frames == boot + 8
print b`);
    expect(o.failures).toEqual(["s.pf:6: unknown variable 'b'"]);
  });

  it('stops at an unguarded failure by default, and goes on with option on-error continue', () => {
    const text = `machine ram 4M
p = ppm_alloc
ppm_free p
ppm_free p
print "after"`;
    const stopped = run(text);
    expect(stopped.failures).toEqual([
      expect.stringMatching(/^s\.pf:4: ppm_free failed: EDOUBLEFREE: free: frame .* is already free/),
    ]);
    expect(stopped.stoppedAt).toBe(4);
    expect(stopped.output).toEqual([]);
    const going = run(`option on-error continue\n${text}`);
    expect(going.failures).toHaveLength(1);
    expect(going.output).toEqual([{ line: 6, text: 'after' }]);
    expect(going.ok).toBe(false);
  });

  it('prints values and keeps reports asked for', () => {
    const o = run('machine ram 4M\nlet a = 16\nprint "a is" a "and" a * 1K\nreport');
    expect(o.output).toEqual([{ line: 3, text: 'a is 16 and 0x00004000' }]);
    expect(o.reports.map((r) => r.line)).toEqual([4]);
  });

  it('refuses division by zero and unknown variables with their line', () => {
    expect(run('let a = 1 / (2 - 2)').failures).toEqual(['s.pf:1: division by zero']);
    expect(run('\nprint nothing').failures).toEqual(["s.pf:2: unknown variable 'nothing'"]);
  });

  it('the report says who holds the frames', () => {
    const o = run('machine ram 4M\nmachine map flat\na = ppm_alloc 3\nb = ppm_alloc at 2M 1');
    const p = o.report!.physical;
    const tables = o.report!.pageTables.kernelTablePages;
    expect(tables).toBeGreaterThan(0);
    expect(p.byOwner).toEqual([
      { owner: 'kernel', frames: 4 + tables, byUse: { PageTable: tables, Direct: 4 } },
    ]);
    const direct = p.runs.filter((r) => r.use === 'Direct');
    expect(direct.map((r) => r.frames)).toEqual([3, 1]);
    expect(direct[1].base).toBe(2 ** 21);
    expect(p.runs.reduce((n, r) => n + r.frames, 0)).toBe(1024);
  });
});

describe('ScenarioRun, the step API the browser drives', () => {
  it('runs one statement a step, with a live outcome, and finishes with the report', () => {
    const run = new ScenarioRun(
      parseScenario('machine ram 4M\n\na = ppm_alloc\nprint a\nexpect a > 0', 's.pf'),
    );
    expect(run.statementCount).toBe(3);
    expect(run.nextLine).toBe(3);
    expect(run.machine).toBeUndefined();
    run.step();
    expect(run.machine?.pmm.allocatedFrames).toBe((run.machine?.bootAllocatedFrames ?? 0) + 1);
    expect(run.nextLine).toBe(4);
    expect(run.outcome.statementsRun).toBe(1);
    run.step();
    expect(run.outcome.output).toHaveLength(1);
    expect(run.done).toBe(false);
    run.step();
    expect(run.done).toBe(true);
    expect(run.nextLine).toBe(0);
    expect(run.outcome.ok).toBe(true);
    expect(run.outcome.report?.physical.stats.allocatedFrames).toBe(
      (run.machine?.bootAllocatedFrames ?? 0) + 1,
    );
    run.step();
    expect(run.outcome.statementsRun).toBe(3);
  });

  it('is done after a stopping failure', () => {
    const run = new ScenarioRun(parseScenario('print x\nprint 1', 's.pf'));
    run.step();
    expect(run.done).toBe(true);
    expect(run.outcome.failures).toEqual(["s.pf:1: unknown variable 'x'"]);
    expect(run.outcome.report).toBeDefined();
  });

  it('an empty scenario boots the default machine and ends', () => {
    const run = new ScenarioRun(parseScenario('# nothing', 's.pf'));
    expect(run.runToEnd().ok).toBe(true);
    expect(run.outcome.report?.machine.ramBytes).toBe(64 * 2 ** 20);
  });
});
