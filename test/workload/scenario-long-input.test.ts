import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/workload/scenario/executor.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';

const TERMS = 10_000;
const flatSum = (term: string) => Array(TERMS).fill(term).join(' + ');

describe('scenario input that once broke the parser or the executor', () => {
  it('evaluates a flat sum of 10 000 terms without overflowing the stack', () => {
    const o = runScenario(parseScenario(`x = ${flatSum('1')}\nprint x\nexpect x == ${TERMS}`, 's.pf'));
    expect(o.failures).toEqual([]);
    expect(o.expectationsPassed).toBe(1);
  });

  it('folds a flat sum of 10 000 terms in a machine setting and in a product chain', () => {
    const scenario = parseScenario(
      `machine ram ${flatSum('4K')}\nprint ${Array(TERMS).fill('1').join(' * ')}`,
      's.pf',
    );
    expect(scenario.machine.ramBytes).toBe(TERMS * 4096);
    expect(runScenario(scenario).output).toEqual([{ line: 2, text: '1' }]);
  });

  it('accepts a UTF-8 byte-order mark at the start of a file', () => {
    const scenario = parseScenario('\uFEFFprocess a\nprint 7', 's.pf');
    expect(scenario.statements.map((s) => s.kind)).toEqual(['process', 'print']);
    expect(runScenario(scenario).output).toEqual([{ line: 2, text: '7' }]);
  });

  it('still refuses a byte-order mark anywhere else', () => {
    expect(() => parseScenario('process a\n\uFEFFprint 7', 's.pf')).toThrow(
      "s.pf:2: unexpected character '\uFEFF' at column 1",
    );
  });

  it('receives from a process that has exited while its messages still wait', () => {
    const o = runScenario(
      parseScenario(
        `process a
process b
switch a
p = map anon 4096
write p "hi"
send copy p 2 to b
send copy p 1 to b
exit a
in b: q = receive from a
in b: expect read q "hi"
in b: r = receive from a
in b: expect read r "h"
in b: expect error ENOMSG: receive from a
in b: expect error ENOMSG: receive
exit b
expect all-freed`,
        's.pf',
      ),
    );
    expect(o.failures).toEqual([]);
    expect(o.expectationsPassed).toBe(5);
  });

  it('names an exited sender as exited when the next message comes from someone else', () => {
    const o = runScenario(
      parseScenario(
        `option on-error continue
process a
process b
process c
switch b
p = map anon 4096
send copy p 1 to c
exit a
in c: receive from a
in c: receive from nobody`,
        's.pf',
      ),
    );
    expect(o.failures).toEqual([
      's.pf:9: receive failed: ENOMSG: receive from a (exited): the next message for c comes from b',
      "s.pf:10: unknown process 'nobody'",
    ]);
  });
});

describe('ESRCH, the error of a process that is gone', () => {
  it('is what sending to a process that has exited fails with, and nothing changes', () => {
    const o = runScenario(
      parseScenario(
        `option on-error continue
process a
process b
p = map anon 4096
exit a
expect error ESRCH: send copy p 16 to a
send move p 4096 to a
expect resident b == 0
expect messages == 0`,
        's.pf',
      ),
    );
    expect(o.failures).toEqual([
      's.pf:7: send failed: ESRCH: send to a: the process has exited, its mailbox is gone',
    ]);
    expect(o.expectationsPassed).toBe(3);
  });
});

describe('numbers as people read them', () => {
  const outcome = (text: string) => runScenario(parseScenario(`option on-error continue\n${text}`, 's.pf'));

  it('prints counts and sizes in decimal, addresses in hex', () => {
    const o = outcome(`process a
p = map anon 32M
touch p 4097*4K
n = resident
print n 5000 p p + 4K p + 4K - p page(p + 5) pa(p) n * 2`);
    expect(o.output).toEqual([
      { line: 6, text: '4097 5000 0x00010000 0x00011000 4096 0x00010000 0x00003000 8194' },
    ]);
  });

  it('names both sides of a failed comparison as written, with their values', () => {
    const o = outcome(`process a
p = map anon 32M
touch p 4097*4K
n = resident
expect resident == 4112
expect n == 0
expect n + 1 == n
expect 1 == 2
expect heap-live == n * 2`);
    expect(o.failures).toEqual([
      's.pf:6: expected resident == 4112 pages, but it is 4097 pages',
      's.pf:7: expected n == 0, but n is 4097',
      's.pf:8: expected n + 1 == n, but n + 1 is 4098 and n is 4097',
      's.pf:9: expected 1 == 2, which is false',
      's.pf:10: expected heap-live == n * 2: 8194 bytes, but it is 0 bytes',
    ]);
  });
});
