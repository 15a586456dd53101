/**
 * The parser never crashes: for any text, random or a mutation of a real scenario, it either
 * returns a Scenario or throws a ScenarioError that names the file and a line of the text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/workload/scenario/errors.js';
import { runScenario } from '../../src/workload/scenario/executor.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';

const SAMPLE = `# a sample that uses every statement
machine ram 16M
machine paging sv39
machine tlb 32 ways 4
machine allocator buddy
machine fill junk
machine heap area 64K
machine range reserved 0xA0000 384K "VGA hole"
option on-error continue
process shell
p = ppm_alloc
q = ppm_alloc 4 below 16M align 16K
r = ppm_alloc at 2M 2
ppm_free q 4
a = vpm_alloc at 0x400000 4
m = map phys 0xB8000 4K at 0x1000 r
unmap m 4K
protect a 16K r
touch a + 4K 8K read
write a "hello\\n" # comment
read a 6
buf = calloc 10 (8 * 2)
buf = realloc buf 200
fork child from shell
in child: free buf
send move a 4K to child
in child: msg = receive from shell
expect read a x"68 65"
expect fault protection: write a "x"
expect error EDOUBLEFREE: free buf
expect refcount pa(a) == 1
expect resident child > 0
expect buf != 0
print "a =" a
check
report
exit child
expect all-freed
`;

function outcome(text: string): void {
  try {
    parseScenario(text, 'fuzz.pf');
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    const lines = text.split('\n').length;
    expect(error.file).toBe('fuzz.pf');
    expect(error.line).toBeGreaterThanOrEqual(1);
    expect(error.line).toBeLessThanOrEqual(lines);
    expect(error.message.startsWith(`fuzz.pf:${error.line}: `)).toBe(true);
    expect(error.reason.length).toBeGreaterThan(0);
  }
}

const sampleLines = SAMPLE.split('\n');
const alphabet = ' \t=+-*/()<>!:,"#x\\0123456789abcdefKMGrwx_.$é\n';

/** A mutation of the sample: drop, duplicate, swap lines; insert, delete, replace characters. */
const mutated = fc
  .array(
    fc.oneof(
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('dup' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
      fc.record({ kind: fc.constant('char' as const), at: fc.nat(), ch: fc.constantFrom(...alphabet) }),
      fc.record({ kind: fc.constant('del' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
    ),
    { maxLength: 12 },
  )
  .map((edits) => {
    let lines = [...sampleLines];
    for (const e of edits) {
      const i = e.at % Math.max(1, lines.length);
      if (e.kind === 'drop') lines.splice(i, 1);
      else if (e.kind === 'dup') lines.splice(i, 0, lines[i] ?? '');
      else if (e.kind === 'swap') {
        const j = e.to % Math.max(1, lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
      } else {
        let text = lines.join('\n');
        const at = e.at % Math.max(1, text.length);
        text =
          e.kind === 'char'
            ? text.slice(0, at) + e.ch + text.slice(at + 1)
            : text.slice(0, at) + text.slice(at + e.length);
        lines = text.split('\n');
      }
    }
    return lines.join('\n');
  });

/** Lines made of the language's own words and symbols in random order. */
const words = fc.constantFrom(
  ...'machine ram map range paging tlb ways allocator fill heap process switch fork exit let in ppm_alloc ppm_free vpm_alloc anon phys unmap protect touch write read malloc calloc realloc free send copy move share to from receive expect fault error all-freed free-frames refcount resident check report print option on-error at above below align pa page rw r none x86-64 first-fit buf a b 0 4K 0x1000 16M "s" x"00" = == + - * / ( ) : , <<'.split(
    ' ',
  ),
);
const wordSoup = fc
  .array(
    fc.array(words, { maxLength: 10 }).map((ws) => ws.join(' ')),
    { maxLength: 10 },
  )
  .map((ls) => ls.join('\n'));

describe('scenario parser fuzz', () => {
  it('survives arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => outcome(text)),
      { numRuns: 2000 },
    );
  });

  it('survives arbitrary unicode and control characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => outcome(text)),
      {
        numRuns: 500,
      },
    );
  });

  it('survives mutations of a real scenario', () => {
    // Every line after the seven machine settings is a statement.
    expect(parseScenario(SAMPLE, 'sample.pf').statements.length).toBe(30);
    fc.assert(
      fc.property(mutated, (text) => outcome(text)),
      { numRuns: 3000 },
    );
  });

  it('survives shuffled words of the language', () => {
    fc.assert(
      fc.property(wordSoup, (text) => outcome(text)),
      { numRuns: 3000 },
    );
  });
});

const RUN_SAMPLE = `machine ram 4M
machine paging sv39
option on-error continue
boot = allocated-frames
process a
p = ppm_alloc 2
x = vpm_alloc 2
touch x 8K
m = map anon 16K r
b = malloc 100
c = calloc 4 100
write b "hello"
expect read b "hello"
b = realloc b 9000
fork k
in k: write b "child"
expect fault protection: write m "x"
protect m 16K rw
write m + 4K x"01 02"
read m + 4K 2
unmap x 4K
in k: kc = malloc 50
in k: free kc
t = vpm_alloc 2
touch t 8K
send move t 8K to k
in k: got = receive
send share m 4K to k
in k: sh = receive from a
send copy b 5 to k
in k: cp = receive
free c
free b
ppm_free p 2
exit k
exit a
expect all-freed
expect allocated-frames == boot
`;

describe('scenario runs fuzz', () => {
  it('runs mutated scenarios to a file:line failure or success, never an internal error', () => {
    const sampleRun = runScenario(parseScenario(RUN_SAMPLE, 'run.pf'));
    expect(sampleRun.failures).toEqual([]);
    const lines = RUN_SAMPLE.split('\n');
    const statementLines = fc.array(fc.constantFrom(...lines.filter((l) => l !== '')), { maxLength: 30 });
    fc.assert(
      fc.property(
        statementLines,
        fc.constantFrom('i386', 'sv39', 'x86-64'),
        fc.constantFrom('buddy', 'first-fit'),
        fc.constantFrom('zero', 'junk'),
        fc.constantFrom('8', '16 ways 2', '64 ways 4'),
        (body, paging, allocator, fill, tlb) => {
          const text = [
            'machine ram 4M',
            `machine paging ${paging}`,
            `machine allocator ${allocator}`,
            `machine fill ${fill}`,
            `machine tlb ${tlb}`,
            ...body.filter((l) => !l.startsWith('machine')),
          ].join('\n');
          let scenario: ReturnType<typeof parseScenario>;
          try {
            scenario = parseScenario(text, 'run.pf');
          } catch (error) {
            if (error instanceof ScenarioError) return;
            throw error;
          }
          const outcome = runScenario(scenario);
          for (const failure of outcome.failures) {
            expect(failure).toMatch(/^run\.pf:\d+: /);
            expect(failure).not.toMatch(/internal error|inconsistent/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
