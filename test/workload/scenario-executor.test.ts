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
    expect(o.failures[0]).toBe(
      's.pf:2: the machine does not boot: EINVAL: machine ram: 5000 bytes is not a multiple of 4 KiB from 4 KiB to 4 GiB',
    );
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
    expect(o.failures[0]).toMatch(/^s\.pf:3: expected free-frames == 1 frame, but it is \d+ frames$/);
    expect(o.failures[1]).toBe('s.pf:4: expected refcount of the frame == 2 holders, but it is 1 holder');
    expect(o.failures[2]).toMatch(/^s\.pf:5: expected p == 0, but p is 0x[0-9a-f]{8}$/);
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
      expect.stringMatching(/^s\.pf:4: ppm_free failed: EDOUBLEFREE: ppm_free: frame .* is already free/),
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
    expect(o.output).toEqual([{ line: 3, text: 'a is 16 and 16384' }]);
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
    expect(tables).toBe(1); // only the kernel root: nothing is mapped in the kernel range yet
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
    expect(run.variables.get('a')).toBe(0x2000);
    expect(run.currentProcess).toBeUndefined();
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
    expect(run.outcome.report?.processes).toEqual([]);
  });

  it('an empty scenario boots the default machine and ends', () => {
    const run = new ScenarioRun(parseScenario('# nothing', 's.pf'));
    expect(run.runToEnd().ok).toBe(true);
    expect(run.outcome.report?.machine.ramBytes).toBe(64 * 2 ** 20);
  });
});

describe('scenario executor: processes, regions, heaps', () => {
  it('creates, switches, forks and exits processes; exit gives every frame back', () => {
    const o = run(`machine ram 8M
process a
process b
expect processes == 2
switch a
expect page-table-frames a == 1
x = vpm_alloc 4
touch x 16K
expect page-table-frames a == 2
expect resident a == 4
expect resident b == 0
fork c from a
expect processes == 3
expect resident c == 4
expect refcount pa(x) == 2
exit c
expect refcount pa(x) == 1
exit b
exit
expect processes == 0
expect all-freed`);
    expect(o.failures).toEqual([]);
    expect(o.expectationsPassed).toBe(11);
  });

  it('vpm_alloc in its three forms, map, unmap, protect', () => {
    const o = run(`machine ram 8M
process p
a = vpm_alloc
b = vpm_alloc 3
c = vpm_alloc at 0x400000 2
expect c == 0x400000
expect regions == 2                 # a and b are neighbours of one kind: one region
m = map anon 10000 at 0x800000 r
expect m == 0x800000
expect fault protection: write m "x"
touch m 12K read
expect resident == 3
protect m 12K rw
write m + 8K "ok"
expect read m + 8K "ok"
unmap m 12K
expect fault not-mapped: touch m
expect regions == 2
unmap a 4K
unmap b 12K
unmap c 8K
expect regions == 0
exit p
expect all-freed`);
    expect(o.failures).toEqual([]);
  });

  it('maps physical memory: device memory and directly allocated frames', () => {
    const o = run(`machine ram 8M
machine range device 4M 64K "device"
process p
dev = map phys 4M 8K
write dev "regs"
f = ppm_alloc
m = map phys f 4K r
expect error EBUSY: ppm_free f            # still mapped: freeing it would leak the view
expect error ENOTALLOC: let x = pa(m)     # PHYS pages are mapped at the first access
touch m 1 read
expect pa(m) == f
expect error EBUSY: map phys 5M 4K
exit p
ppm_free f
expect all-freed`);
    expect(o.failures).toEqual([]);
    expect(
      run('machine ram 8M\nprocess p\nf = ppm_alloc\nm = map phys f 4K\nfork q\nppm_free f').failures,
    ).toEqual([
      expect.stringMatching(
        /^s\.pf:6: ppm_free failed: EBUSY: ppm_free: frame 0x[0-9a-f]+ is still mapped by 2 PHYS pages \(3 holders\); unmap them first$/,
      ),
    ]);
    expect(run('machine ram 8M\nprocess p\nppm_free 0x2000').failures).toEqual([
      expect.stringMatching(
        /^s\.pf:3: ppm_free failed: ENOTALLOC: ppm_free: frame 0x00002000 holds a PageTable frame of p;/,
      ),
    ]);
  });

  it('reads print a hex dump; writes go through the MMU into RAM', () => {
    const o = run(`machine ram 4M
process p
a = vpm_alloc
write a x"00 41 42 ff"
read a 4
expect read a + 1 "AB"`);
    expect(o.failures).toEqual([]);
    expect(o.output).toEqual([
      { line: 5, text: expect.stringMatching(/^0x00010000: 00 41 42 ff +\|\.AB\.\|$/) },
    ]);
  });

  it('malloc, calloc, realloc and free in named variables, with heap figures', () => {
    const o = run(`machine ram 16M
machine heap area 64K
process p
a = malloc 100
b = calloc 10 10
write a "abc"
expect read b x"00 00 00 00"
live = heap-live
expect live >= 200
c = realloc a 5000
expect read c "abc"
free b
free c
expect heap-live == 0
# The area's first two pages, and two more it grew by for c's two-page slab (kept as the spare).
expect heap-footprint == 16K
expect error ENOTALLOC: free c + 1
expect error ENOMEM: big = malloc 4G
exit p
expect all-freed`);
    expect(o.failures).toEqual([]);
  });

  it('reports faults, their cause, and a guarded statement that fails otherwise', () => {
    const o = run(`machine ram 4M
process p
expect fault: touch 0x1000
expect fault not-mapped: read 0x1000 4
expect fault privilege: touch 0xF0000000 1 read
expect fault protection: touch 0x1000
expect fault: p = malloc 0 - 1
expect error ENOMEM: touch 0x1000`);
    expect(o.expectationsPassed).toBe(3);
    expect(o.failures).toEqual([
      expect.stringMatching(
        /^s\.pf:6: expected a protection fault, but touch failed with a not-mapped fault \(ESEGV\): /,
      ),
      expect.stringMatching(/^s\.pf:7: expected a fault, but malloc failed with EINVAL: /),
      expect.stringMatching(
        /^s\.pf:8: expected error ENOMEM, but touch failed with a not-mapped fault \(ESEGV\): /,
      ),
    ]);
  });

  it('tells a non-canonical address from kernel memory on each format', () => {
    const cases: [string, string, string][] = [
      ['x86-64', '0x800000000000', '0 - 0x1000'],
      ['sv39', '0x4000000000', '0 - 0x1000'],
      ['i386', '0x100000000', '0xF0000000'],
    ];
    for (const [format, outside, kernel] of cases) {
      const o = run(`machine ram 4M
machine paging ${format}
process p
expect fault non-canonical: touch ${outside}
expect fault privilege: touch ${kernel} 1 read
expect fault non-canonical: read ${outside} 1`);
      expect(o.failures, format).toEqual([]);
    }
  });

  it('an unguarded fault is the failure of its line', () => {
    const o = run('machine ram 4M\nprocess p\nwrite 0x20000 "x"\nprint "not reached"');
    expect(o.failures).toEqual([
      expect.stringMatching(
        /^s\.pf:3: write failed: ESEGV: segmentation fault: write at 0x00020000 in process 1 \(p\): no region maps it$/,
      ),
    ]);
    expect(o.output).toEqual([]);
  });

  it('copy-on-write fork: writes after fork are private', () => {
    const o = run(`machine ram 8M
process parent
buf = malloc 64
write buf "parent"
fork child
in child: expect read buf "parent"
in child: write buf "child!"
expect read buf "parent"
in child: expect read buf "child!"
switch child
expect read buf "child!"
expect refcount pa(buf) == 1
exit child
exit parent
expect all-freed`);
    expect(o.failures).toEqual([]);
  });

  it("fork copies the parent's heap: the child frees and reallocs what it inherited", () => {
    const o = run(`machine ram 8M
process parent
a = malloc 64
big = malloc 40000
write a "parent"
fork child
switch child
expect read a "parent"
free a
b = realloc big 90000
write b "child"
c = malloc 64
expect c == a                       # the child's heap reuses its own freed slot
switch parent
expect read a "parent"
free a
free big
exit parent
in child: expect read b "child"
in child: free b
exit child
expect all-freed`);
    expect(o.failures).toEqual([]);
  });

  it('names processes and variables it does not know, and a memory statement without a process', () => {
    expect(run('machine ram 4M\nswitch nobody').failures).toEqual(["s.pf:2: unknown process 'nobody'"]);
    expect(run('machine ram 4M\na = vpm_alloc').failures).toEqual([
      "s.pf:2: 'vpm_alloc' needs a process: create one first with 'process NAME'",
    ]);
    expect(run('machine ram 4M\nprocess a\nprocess a').failures).toEqual([
      "s.pf:3: process failed: EINVAL: a process named 'a' already exists",
    ]);
    expect(run('machine ram 4M\nprocess a\nexpect resident b == 0').failures).toEqual([
      "s.pf:3: unknown process 'b'",
    ]);
  });

  it('runs on every paging format', () => {
    for (const format of ['i386', 'sv39', 'x86-64']) {
      const o = run(`machine ram 8M
machine paging ${format}
process p
a = malloc 5000
write a "x"
fork q
in q: write a "y"
expect read a "x"
exit q
exit p
expect all-freed`);
      expect(o.failures, format).toEqual([]);
      expect(o.report?.pageTables.format).toBe(format);
    }
  });

  it('the report draws each process: regions with mapped pages, heap, TLB, page tables', () => {
    const o = run(`machine ram 8M
process p
a = vpm_alloc at 0x3000 3
touch a 8K
b = malloc 100`);
    const p = o.report!.processes[0];
    expect(p.name).toBe('p');
    expect(p.regions.filter((r) => r.type !== 'free').map((r) => [r.base, r.ceiling, r.mappedPages])).toEqual(
      [
        [0x3000, 0x6000, 2],
        // The heap area's first two pages (of a 64 KiB aligned range); malloc keeps its
        // bookkeeping outside, so the slab is untouched.
        [0x10000, 0x12000, 0],
      ],
    );
    expect(p.heap?.liveBlocks).toBe(1);
    expect(p.residentPages).toBe(2);
    expect(o.report!.tlb.misses).toBe(4);
    expect(o.report!.pageTables.tablePages).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(JSON.stringify(o.report))).toEqual(o.report);
  });
});

describe('scenario executor: IPC', () => {
  it('moves, shares and copies between mailboxes, with IPC figures and the report', () => {
    const o = run(`machine ram 8M
process a
process b
switch a
buf = vpm_alloc 2
write buf "moved"
f = pa(buf)
send move buf 8K to b
in b: m = receive from a
in b: expect pa(m) == f
in b: expect read m "moved"
t = vpm_alloc
touch t
send share t 4K to b
in b: s = receive
expect refcount pa(t) == 2
send copy t 10 to b
in b: c = receive
expect messages == 3
expect pages-moved == 2
expect pages-shared == 1
expect bytes-copied == 10`);
    expect(o.failures).toEqual([]);
    expect(o.report?.ipc).toMatchObject({
      messagesSent: 3,
      messagesReceived: 3,
      inFlight: 0,
      moves: 1,
      shares: 1,
    });
  });

  it('receive fails with ENOMSG when nothing waits or the sender is not the one named', () => {
    const o = run(`machine ram 8M
option on-error continue
process a
process b
process c
switch a
in b: x = receive
t = vpm_alloc
send copy t 4 to b
in b: y = receive from c
in b: expect error ENOMSG: z = receive from c
in b: z = receive from a`);
    expect(o.failures).toEqual([
      's.pf:7: receive failed: ENOMSG: receive: no message is waiting for b',
      's.pf:10: receive failed: ENOMSG: receive from c: the next message for b comes from a',
    ]);
    expect(o.expectationsPassed).toBe(1);
  });

  it('messages in flight go back when their receiver exits', () => {
    const ok = run(`machine ram 8M
process a
process b
switch a
t = vpm_alloc 4
touch t 16K
send move t 16K to b
exit b
exit a
expect all-freed`);
    expect(ok.failures).toEqual([]);
    expect(ok.report?.ipc?.messagesDropped).toBe(1);
  });
});

describe('a failed operation leaves the machine as it was', () => {
  it('the report before and after each refused operation is the same', () => {
    const failing = [
      'ppm_free 0x3000',
      'x = ppm_alloc at 1M 4',
      'y = vpm_alloc at 0x10000 1',
      'unmap a + 1 4K',
      'protect 0x90000 4K r',
      'write 0x900000 "x"',
      'free 0x12345',
      'send move b + 16 4K to q',
      'send copy 0x900000 8 to q',
      'z = map phys 0x2000 4K',
    ];
    for (const statement of failing) {
      const o = run(`machine ram 8M
option on-error continue
process q
process p
a = vpm_alloc 4
touch a 16K
b = malloc 64
report
${statement}
report`);
      expect(o.failures, statement).toHaveLength(1);
      expect(o.failures[0], statement).toMatch(/^s\.pf:9: /);
      const [before, after] = o.reports.map((r) => ({ ...r.report, tlb: undefined }));
      expect(after, statement).toEqual(before);
    }
  });
});
