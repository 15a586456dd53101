/**
 * The scenario language's memory-pressure settings and figures: `machine swap`, `policy`,
 * `resident`, `watermarks`, and `swapped`, `major-faults`, `swap-ins`, `swap-outs`,
 * `evictions`, `swap-slots` in expectations, against what the kernel did.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/workload/scenario/errors.js';
import { runScenario } from '../../src/workload/scenario/executor.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';

function failures(text: string): string[] {
  try {
    return runScenario(parseScenario(text, 's.pf')).failures;
  } catch (error) {
    if (error instanceof ScenarioError) return [error.message];
    throw error;
  }
}

describe('scenario: memory pressure', () => {
  it('runs a textbook reference string under each policy with the counts of the textbooks', () => {
    // Belady's string as writes to pages 1..5 with 3 resident pages: every fault after the first
    // five touches is a major fault (LRU's own run is in test/policies/policy-outside-replay.test.ts).
    const touches = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5]
      .map((page) => `touch a + ${page * 4}K 1 read`)
      .join('\n');
    const text = `machine swap 1M\nmachine policy fifo\nmachine resident 3\nprocess p\na = map anon 24K\n${touches}\nexpect major-faults p == 4\nexpect evictions == 6\nexpect swap-outs == 4\nexpect swap-ins == 4\nexpect swapped p == 2\nexit p\nexpect swap-slots == 0\nexpect all-freed\n`;
    expect(failures(text)).toEqual([]);
  });

  it('counts nothing on a machine without swap', () => {
    const text =
      'process p\na = map anon 8K\ntouch a 8K\nexpect swapped p == 0\nexpect major-faults p == 0\nexpect swap-ins == 0\nexpect swap-outs == 0\nexpect evictions == 0\nexpect swap-slots == 0\n';
    expect(failures(text)).toEqual([]);
  });

  it('a failed expectation names the figure with its unit', () => {
    const text =
      'machine swap 64K\nmachine resident 1\nprocess p\na = map anon 8K\ntouch a 8K\nexpect swapped p == 2\n';
    expect(failures(text)).toEqual([expect.stringMatching(/^s\.pf:6: .*swapped.*1 page/)]);
  });

  it.each([
    [
      'machine policy lru\n',
      's.pf:1: the machine does not boot: EINVAL: machine policy: needs swap: add a `machine swap SIZE` line',
    ],
    [
      'machine resident 4\n',
      's.pf:1: the machine does not boot: EINVAL: machine resident: needs swap: add a `machine swap SIZE` line',
    ],
    [
      'machine watermarks 2 4\n',
      's.pf:1: the machine does not boot: EINVAL: machine watermarks: needs swap: add a `machine swap SIZE` line',
    ],
    [
      'machine swap 6K\n',
      's.pf:1: the machine does not boot: EINVAL: machine swap: 6144 bytes is not a multiple of 4 KiB of at least 8 KiB',
    ],
    [
      'machine swap 1M\nmachine watermarks 9 4\n',
      expect.stringMatching(
        /^s\.pf:2: the machine does not boot: EINVAL: machine watermarks: low 9 and high 4/,
      ),
    ],
  ])('refuses %j at its line', (settings, message) => {
    expect(failures(`${settings}process p\n`)).toEqual([message]);
  });

  it('reads the policy names and refuses others', () => {
    expect(failures('machine swap 1M\nmachine policy random seed 3\nprocess p\n')).toEqual([]);
    expect(failures('machine swap 1M\nmachine policy mru\nprocess p\n')[0]).toMatch(
      /^s\.pf:2: .*replacement policy/,
    );
  });
});
