import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/workload/scenario/executor.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';

/** The failures of a scenario whose machine settings are `settings`, one a line after a comment. */
function bootFailures(...settings: string[]): string[] {
  const text = ['# settings', 'machine paging sv39', ...settings, 'process a', 'p = malloc 100'].join('\n');
  return runScenario(parseScenario(text, 's.pf')).failures;
}

describe('a machine that does not boot points at the setting at fault', () => {
  it('names the line and the setting, in the scenario words', () => {
    expect(bootFailures('machine ram 16M', 'machine processes 0')).toEqual([
      's.pf:4: the machine does not boot: EINVAL: machine processes: 0 is not a process table size from 1 to 65534',
    ]);
    expect(bootFailures('machine tlb 3', 'machine fill junk')).toEqual([
      's.pf:3: the machine does not boot: EINVAL: machine tlb: 3 entries is not a power of two from 1 to 65536',
    ]);
    expect(bootFailures('machine fill junk', 'machine tlb 64 ways 128')).toEqual([
      's.pf:4: the machine does not boot: EINVAL: machine tlb: 128 ways is not a power of two from 1 to the 64 entries',
    ]);
    expect(bootFailures('machine fill junk', 'machine mailbox 0')).toEqual([
      's.pf:4: the machine does not boot: EINVAL: machine mailbox: 0 is not a mailbox depth from 1 to 1048576',
    ]);
    expect(bootFailures('machine fill junk', 'machine ram 5000')).toEqual([
      's.pf:4: the machine does not boot: EINVAL: machine ram: 5000 bytes is not a multiple of 4 KiB from 4 KiB to 4 GiB',
    ]);
  });

  it('blames the heap setting the user wrote', () => {
    expect(bootFailures('machine fill junk', 'machine heap area 3K')).toEqual([
      's.pf:4: the machine does not boot: EINVAL: machine heap area: area size 3072 must be a power of two, 4 KiB to 128 KiB',
    ]);
    expect(bootFailures('machine heap area 16K', 'machine heap large 32K')).toEqual([
      's.pf:4: the machine does not boot: EINVAL: machine heap large: large threshold 32768 must lie between the alignment and the area size',
    ]);
  });

  it('boots with a small heap area alone: the large threshold follows it', () => {
    const o = runScenario(
      parseScenario(
        'machine heap area 8K\nprocess a\np = malloc 100\nq = malloc 4000\nexpect heap-live == 112 + 4096',
        's.pf',
      ),
    );
    expect(o.failures).toEqual([]);
    expect(o.expectationsPassed).toBe(1);
  });
});
