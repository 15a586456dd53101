/**
 * The `snapshot NAME "FILE"` statement: a snapshot file becomes a process of the scenario's
 * machine, under its format and its limits, all or nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runText } from '../../src/cli/run-command.js';
import { runScenario } from '../../src/workload/scenario/executor.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';
import {
  type ProcessSnapshot,
  SNAPSHOT_KIND,
  type SnapshotRegion,
} from '../../src/workload/snapshot/snapshot-file.js';

function region(start: number, end: number, perms: string, name: string, present: number[]): SnapshotRegion {
  return { start, end, perms, name, present, swapped: [], anonHugeBytes: 0 };
}

function snapshotOf(regions: SnapshotRegion[]): ProcessSnapshot {
  return {
    kind: SNAPSHOT_KIND,
    version: 1,
    pid: 7,
    command: 'tiny',
    linux: { vmRSSBytes: 0, vmPTEBytes: 0, anonHugePagesBytes: 0 },
    regions,
    kernelRegions: [],
  };
}

// A PIE text (2 pages present), its heap (2 pages 2 MiB apart) and a stack page.
const TINY = snapshotOf([
  region(0x555555554000, 0x555555558000, 'r-xp', '/usr/bin/tiny', [0, 2]),
  region(0x555555600000, 0x555555a00000, 'rw-p', '[heap]', [0, 1, 512, 1]),
  region(0x7ffffffde000, 0x7ffffffff000, 'rw-p', '[stack]', [32, 1]),
]);

// 1001 one-page regions, one more than the seed's limit a space.
const MANY = snapshotOf(
  Array.from({ length: 1001 }, (_, i) =>
    region(0x10000000 + i * 0x2000, 0x10000000 + i * 0x2000 + 0x1000, 'rw-p', '', [0, 1]),
  ),
);

const dir = mkdtempSync(join(tmpdir(), 'pageframe-snapshot-scenario-'));
writeFileSync(join(dir, 'tiny.json'), JSON.stringify(TINY));
writeFileSync(join(dir, 'many.json'), JSON.stringify(MANY));
writeFileSync(join(dir, 'bad.json'), '{"kind": "pageframe-process-snapshot", "version": 2}');

function run(text: string) {
  return runText(text, join(dir, 'test.pf'), { report: false });
}

describe('snapshot NAME "FILE"', () => {
  it('x86-64: the regions where Linux had them, each present page resident, the tables a walk needs', () => {
    // 2 MiB ranges used: 555555400000, 555555600000, 555555800000, 7fffffe00000 (4 PTs);
    // 1 GiB: 2 PDs; 512 GiB: 2 PDPTs; the PML4: 9 table pages.
    const outcome = run(`machine ram 16M
machine paging x86-64
snapshot tiny "${join(dir, 'tiny.json')}"
expect resident == 5
expect regions == 3
expect page-table-frames == 9
expect read 0x555555554000 x"00"
exit tiny
expect all-freed
`);
    expect(outcome.failures).toEqual([]);
    expect(outcome.ok).toBe(true);
    expect(outcome.output.map((line) => line.text)).toEqual([
      'snapshot tiny: pid 7 (tiny), 3 regions, 5 present pages, 9 x86-64 table pages',
    ]);
  });

  it('what if Sv39: moved down by whole 1 GiB root entries, one level fewer', () => {
    const outcome = run(`machine ram 16M
machine paging sv39
snapshot tiny "${join(dir, 'tiny.json')}"
expect page-table-frames == 7
expect resident == 5
`);
    expect(outcome.failures).toEqual([]);
    expect(outcome.output[0].text).toContain(
      "(moved down by whole 1 GiB root entries to fit sv39's user half",
    );
  });

  it("what if the seed's 1000-region limit: a process with 1001 regions is refused, and nothing is left", () => {
    const outcome = run(`machine ram 16M
boot = allocated-frames
expect error ELIMIT: snapshot many "${join(dir, 'many.json')}"
expect processes == 0
expect allocated-frames == boot
expect all-freed
`);
    expect(outcome.failures).toEqual([]);
    expect(outcome.ok).toBe(true);
  });

  it('a missing or malformed file is an error at its line; a run without files cannot load one', () => {
    const path = (name: string) => join(dir, name);
    expect(run(`machine ram 16M\nsnapshot x "${path('nope.json')}"\n`).failures).toEqual([
      `${join(dir, 'test.pf')}:2: cannot read ${path('nope.json')}: no such file`,
    ]);
    expect(run(`machine ram 16M\nsnapshot x "${path('bad.json')}"\n`).failures).toEqual([
      `${join(dir, 'test.pf')}:2: ${path('bad.json')}: version 2 is not 1`,
    ]);
    const noFiles = runScenario(
      parseScenario(`machine ram 16M\nsnapshot x "${path('tiny.json')}"\n`, 'web.pf'),
    );
    expect(noFiles.failures).toEqual([`web.pf:2: cannot read ${path('tiny.json')}: this run has no files`]);
  });
});
