/** The report object and its text: the same content, readable, with the seed's region picture. */
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/workload/report-text.js';
import { runScenario } from '../../src/workload/scenario/executor.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';

function reportOf(text: string) {
  const outcome = runScenario(parseScenario(text, 'r.pf'));
  expect(outcome.failures).toEqual([]);
  return outcome.report!;
}

describe('report', () => {
  const report = reportOf(`machine ram 8M
process seed
r7 = vpm_alloc at 0x0000 1
r1 = vpm_alloc at 0x3000 3
touch r7
touch r1 8K
vga = map phys 0xB8000 4K r
buf = malloc 100
t = vpm_alloc
touch t
process peer
switch seed
send share t 4K to peer
f = ppm_alloc 2`);
  const text = renderReport(report);

  it('draws each region of a process as the seed does: base, ceiling, type, mapped pages', () => {
    expect(text).toMatch(/^Process seed \(pid 1\): \d+ resident pages/m);
    expect(text).toMatch(/^ {2}0x00000000 {2}0x00001000 {2}ANON {3}rw- {7}1\/1$/m);
    expect(text).toMatch(/^ {2}0x00001000 {2}0x00003000 {2}FREE$/m);
    expect(text).toMatch(/^ {2}0x00003000 {2}0x00006000 {2}ANON {3}rw- {7}2\/3$/m);
    expect(text).toMatch(/PHYS {3}r-- {7}0\/1 {2}-> 0x000b8000/);
    expect(text).toMatch(/ANON {3}r-- {7}1\/1 .*sealed/);
  });

  it('shows the physical map, who holds frames, the heap, the TLB, page tables and IPC', () => {
    expect(text).toContain('Physical memory');
    expect(text).toMatch(/kernel {2,}\d+ frames {2}\(Direct 2, PageTable \d+\)/);
    expect(text).toMatch(/0x000a0000 {2}0x00100000 +384 KiB {2}firmware {2}VGA window and BIOS ROMs/);
    expect(text).toMatch(/heap: 1 live blocks/);
    expect(text).toMatch(/^TLB\n {2}64 entries, 4-way: \d+ hits, \d+ misses/m);
    expect(text).toMatch(/^Page tables\n {2}i386: \d+ table pages/m);
    expect(text).toMatch(/^IPC\n {2}1 messages sent \(0 copy, 0 move, 1 share\), 0 received, 1 in flight/m);
  });

  it('the object has the same content and survives JSON', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.processes.map((p) => p.name)).toEqual(['seed', 'peer']);
    expect(report.ipc?.inFlight).toBe(1);
    const seed = report.processes[0];
    expect(seed.regions.find((r) => r.type === 'phys')?.physBase).toBe(0xb8000);
    expect(seed.heap?.liveBlocks).toBe(1);
    expect(report.physical.byOwner.map((o) => o.owner)).toEqual(['kernel', 'seed', 'peer']);
  });

  it('lists many processes in a table after drawing the first ones', () => {
    const lines = ['machine ram 16M'];
    for (let i = 0; i < 12; i++) lines.push(`process p${i}`, 'x = malloc 10');
    const many = renderReport(reportOf(lines.join('\n')));
    expect(many.match(/^Process p\d+ /gm)).toHaveLength(3);
    expect(many).toMatch(/^Processes \(12; the first 3 drawn above\)$/m);
    // 16 B live in the area's first two pages: 16 / 8192 = 0.2 %.
    expect(many).toMatch(/^ +12 {2}p11 +\d+ +\d+ +1 +16 B +8 KiB +0\.2%$/m);
  });
});
