import { describe, expect, it } from 'vitest';
import type { Expr, Statement } from '../../src/workload/scenario/ast.js';
import { ScenarioError } from '../../src/workload/scenario/errors.js';
import { tokenizeLine } from '../../src/workload/scenario/lexer.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';

const num = (value: number): Expr => ({ kind: 'number', value });
const v = (name: string): Expr => ({ kind: 'variable', name });
const bytes = (text: string) => new TextEncoder().encode(text);

/** The one statement of a one-line scenario. */
function one(text: string): Statement {
  const { statements } = parseScenario(text, 't.pf');
  expect(statements).toHaveLength(1);
  return statements[0];
}

function errorOf(text: string, file = 't.pf'): ScenarioError {
  try {
    parseScenario(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return error as ScenarioError;
  }
  throw new Error(`parsed without error: ${text}`);
}

describe('lexer', () => {
  it('reads numbers in decimal, hex, binary and with size suffixes', () => {
    const values = tokenizeLine('4096 0x1000 0b101 1_000 4K 64KiB 16M 2MiB 1G 1.5K 0x10K', 'f', 1)
      .filter((t) => t.kind === 'number')
      .map((t) => t.value);
    expect(values).toEqual([
      4096,
      4096,
      5,
      1000,
      4096,
      65536,
      16 * 2 ** 20,
      2 * 2 ** 20,
      2 ** 30,
      1536,
      16 * 1024,
    ]);
  });

  it('reads strings with escapes and hex byte strings', () => {
    const [s, h] = tokenizeLine('"a\\n\\x41\\"\\\\\\0" x"de ad_BE ef"', 'f', 1);
    expect(Array.from(s.bytes)).toEqual([97, 10, 65, 34, 92, 0]);
    expect(Array.from(h.bytes)).toEqual([0xde, 0xad, 0xbe, 0xef]);
  });

  it('encodes strings as UTF-8', () => {
    expect(Array.from(tokenizeLine('"é"', 'f', 1)[0].bytes)).toEqual([0xc3, 0xa9]);
  });

  it('stops at a comment, but not inside a string', () => {
    const tokens = tokenizeLine('write p "a # b" # comment', 'f', 1);
    expect(tokens.map((t) => t.kind)).toEqual(['word', 'word', 'string', 'end']);
    expect(new TextDecoder().decode(tokens[2].bytes)).toBe('a # b');
  });

  it('records columns so the parser can glue hyphenated words', () => {
    const tokens = tokenizeLine('x86-64', 'f', 1);
    expect(tokens.map((t) => [t.text, t.start, t.end])).toEqual([
      ['x86', 1, 4],
      ['-', 4, 5],
      ['64', 5, 7],
      ['', 7, 7],
    ]);
  });
});

describe('machine settings', () => {
  it('leaves every setting to its default when none is given', () => {
    const s = parseScenario('process a\n', 'f');
    expect(s.machine).toEqual({ heap: {}, lines: {} });
  });

  it('reads each setting', () => {
    const s = parseScenario(
      [
        'machine ram 16M',
        'machine paging x86-64',
        'machine tlb 64 ways 4',
        'machine allocator first-fit',
        'machine fill junk',
        'machine heap area 64K',
        'machine heap large 16K',
        'machine range reserved 0xA0000 384K "VGA hole"',
        'machine range kernel 1M 1M',
        'machine processes 16',
        'machine mailbox 4',
      ].join('\n'),
      'f',
    );
    expect(s.machine).toEqual({
      ramBytes: 16 * 2 ** 20,
      paging: 'x86-64',
      tlbEntries: 64,
      tlbWays: 4,
      allocator: 'first-fit',
      fill: 'junk',
      heap: { area: 65536, large: 16384 },
      lines: {
        ram: 1,
        paging: 2,
        tlb: 3,
        allocator: 4,
        fill: 5,
        'heap area': 6,
        'heap large': 7,
        range: 8,
        processes: 10,
        mailbox: 11,
      },
      maxProcesses: 16,
      mailboxDepth: 4,
      memoryMap: [
        { type: 'reserved', base: 0xa0000, length: 384 * 1024, label: 'VGA hole', line: 8 },
        { type: 'kernel', base: 2 ** 20, length: 2 ** 20, line: 9 },
      ],
    });
    expect(s.statements).toEqual([]);
  });

  it('reads every paging format, allocator and fill policy', () => {
    for (const f of ['i386', 'sv39', 'x86-64'])
      expect(parseScenario(`machine paging ${f}`).machine.paging).toBe(f);
    for (const a of ['buddy', 'first-fit'])
      expect(parseScenario(`machine allocator ${a}`).machine.allocator).toBe(a);
    for (const f of ['zero', 'junk', 'none']) expect(parseScenario(`machine fill ${f}`).machine.fill).toBe(f);
  });

  it('machine map flat empties the memory map; map pc keeps the default', () => {
    expect(parseScenario('machine map flat').machine.memoryMap).toEqual([]);
    expect(parseScenario('machine map pc').machine.memoryMap).toBeUndefined();
  });

  it('accepts constant expressions', () => {
    expect(parseScenario('machine ram 4M + 2 * 4K').machine.ramBytes).toBe(4 * 2 ** 20 + 8192);
  });
});

describe('statements', () => {
  it('processes', () => {
    expect(one('process shell')).toEqual({ kind: 'process', line: 1, name: 'shell' });
    expect(one('process web-server')).toEqual({ kind: 'process', line: 1, name: 'web-server' });
    expect(one('switch shell')).toEqual({ kind: 'switch', line: 1, name: 'shell' });
    expect(one('fork child')).toEqual({ kind: 'fork', line: 1, child: 'child' });
    expect(one('fork child from shell')).toEqual({ kind: 'fork', line: 1, child: 'child', parent: 'shell' });
    expect(one('exit')).toEqual({ kind: 'exit', line: 1 });
    expect(one('exit child')).toEqual({ kind: 'exit', line: 1, name: 'child' });
  });

  it('variables and expressions', () => {
    expect(one('let a = 4K')).toEqual({ kind: 'let', line: 1, target: 'a', value: num(4096) });
    expect(one('a = b + 16')).toEqual({
      kind: 'let',
      line: 1,
      target: 'a',
      value: { kind: 'binary', op: '+', left: v('b'), right: num(16) },
    });
    const s = one('a = (b - 1) * 2 / 3 << 1 >> 2 + -c');
    expect(s).toMatchObject({ kind: 'let', value: { kind: 'binary', op: '>>' } });
    expect(one('a = pa(b) + page(c)')).toEqual({
      kind: 'let',
      line: 1,
      target: 'a',
      value: {
        kind: 'binary',
        op: '+',
        left: { kind: 'call', name: 'pa', args: [v('b')] },
        right: { kind: 'call', name: 'page', args: [v('c')] },
      },
    });
  });

  it('ppm_alloc in the seed three forms, with constraints, and ppm_free', () => {
    expect(one('p = ppm_alloc')).toEqual({ kind: 'ppm-alloc', line: 1, form: 'one', target: 'p' });
    expect(one('ppm_alloc')).toEqual({ kind: 'ppm-alloc', line: 1, form: 'one' });
    expect(one('p = ppm_alloc 16')).toEqual({
      kind: 'ppm-alloc',
      line: 1,
      form: 'count',
      count: num(16),
      target: 'p',
    });
    expect(one('p = ppm_alloc at 1M 4')).toEqual({
      kind: 'ppm-alloc',
      line: 1,
      form: 'at',
      at: num(2 ** 20),
      count: num(4),
      target: 'p',
    });
    expect(one('p = ppm_alloc 8 above 1M below 16M align 64K')).toEqual({
      kind: 'ppm-alloc',
      line: 1,
      form: 'count',
      count: num(8),
      above: num(2 ** 20),
      below: num(16 * 2 ** 20),
      align: num(65536),
      target: 'p',
    });
    expect(one('p = ppm_alloc below 16M')).toMatchObject({ form: 'one', below: num(16 * 2 ** 20) });
    expect(one('ppm_free p')).toEqual({ kind: 'ppm-free', line: 1, address: v('p') });
    expect(one('ppm_free p 16')).toEqual({ kind: 'ppm-free', line: 1, address: v('p'), count: num(16) });
  });

  it('vpm_alloc in the seed three forms', () => {
    expect(one('a = vpm_alloc')).toEqual({ kind: 'vpm-alloc', line: 1, form: 'one', target: 'a' });
    expect(one('a = vpm_alloc 4')).toEqual({
      kind: 'vpm-alloc',
      line: 1,
      form: 'count',
      count: num(4),
      target: 'a',
    });
    expect(one('a = vpm_alloc at 0x400000 4')).toEqual({
      kind: 'vpm-alloc',
      line: 1,
      form: 'at',
      at: num(0x400000),
      count: num(4),
      target: 'a',
    });
  });

  it('map, unmap, protect', () => {
    const rw = { read: true, write: true, execute: false };
    expect(one('m = map anon 64K')).toEqual({
      kind: 'map',
      line: 1,
      type: 'anon',
      size: num(65536),
      protection: rw,
      target: 'm',
    });
    expect(one('map phys 0xB8000 4K at 0x1000 r')).toEqual({
      kind: 'map',
      line: 1,
      type: 'phys',
      physical: num(0xb8000),
      size: num(4096),
      at: num(0x1000),
      protection: { read: true, write: false, execute: false },
    });
    expect(one('map anon 4K rwx')).toMatchObject({ protection: { read: true, write: true, execute: true } });
    expect(one('map anon 4K none')).toMatchObject({
      protection: { read: false, write: false, execute: false },
    });
    expect(one('unmap m 4K')).toEqual({ kind: 'unmap', line: 1, address: v('m'), size: num(4096) });
    expect(one('protect m 4K rx')).toEqual({
      kind: 'protect',
      line: 1,
      address: v('m'),
      size: num(4096),
      protection: { read: true, write: false, execute: true },
    });
  });

  it('touch, write, read', () => {
    expect(one('touch m')).toEqual({ kind: 'touch', line: 1, address: v('m'), access: 'write' });
    expect(one('touch m 16K read')).toEqual({
      kind: 'touch',
      line: 1,
      address: v('m'),
      size: num(16384),
      access: 'read',
    });
    expect(one('touch m execute')).toEqual({ kind: 'touch', line: 1, address: v('m'), access: 'execute' });
    expect(one('write m + 1 "hi"')).toEqual({
      kind: 'write',
      line: 1,
      address: { kind: 'binary', op: '+', left: v('m'), right: num(1) },
      data: bytes('hi'),
    });
    expect(one('write m x"00ff"')).toEqual({
      kind: 'write',
      line: 1,
      address: v('m'),
      data: Uint8Array.of(0, 255),
    });
    expect(one('read m 16')).toEqual({ kind: 'read', line: 1, address: v('m'), length: num(16) });
  });

  it('the heap', () => {
    expect(one('buf = malloc 100')).toEqual({ kind: 'malloc', line: 1, size: num(100), target: 'buf' });
    expect(one('buf = calloc 10 8')).toEqual({
      kind: 'calloc',
      line: 1,
      count: num(10),
      size: num(8),
      target: 'buf',
    });
    expect(one('buf = realloc buf 200')).toEqual({
      kind: 'realloc',
      line: 1,
      pointer: v('buf'),
      size: num(200),
      target: 'buf',
    });
    expect(one('free buf')).toEqual({ kind: 'free', line: 1, pointer: v('buf') });
  });

  it('IPC', () => {
    for (const mode of ['copy', 'move', 'share']) {
      expect(one(`send ${mode} buf 8K to server`)).toEqual({
        kind: 'send',
        line: 1,
        mode,
        address: v('buf'),
        size: num(8192),
        to: 'server',
      });
    }
    expect(one('msg = receive')).toEqual({ kind: 'receive', line: 1, target: 'msg' });
    expect(one('msg = receive from client')).toEqual({
      kind: 'receive',
      line: 1,
      from: 'client',
      target: 'msg',
    });
  });

  it('expectations', () => {
    expect(one('expect read m "hi"')).toEqual({
      kind: 'expect-read',
      line: 1,
      address: v('m'),
      data: bytes('hi'),
    });
    expect(one('expect fault: touch m')).toEqual({
      kind: 'expect-fault',
      line: 1,
      statement: { kind: 'touch', line: 1, address: v('m'), access: 'write' },
    });
    expect(one('expect fault not-mapped: read 0 1')).toMatchObject({
      cause: 'not-mapped',
      statement: { kind: 'read' },
    });
    for (const cause of ['not-mapped', 'protection', 'privilege', 'non-canonical']) {
      expect(one(`expect fault ${cause}: touch m`)).toMatchObject({ cause });
    }
    expect(one('expect error ENOMEM: p = ppm_alloc 100000')).toEqual({
      kind: 'expect-error',
      line: 1,
      code: 'ENOMEM',
      statement: { kind: 'ppm-alloc', line: 1, form: 'count', count: num(100000), target: 'p' },
    });
    expect(one('expect free-frames == 100')).toEqual({
      kind: 'expect-figure',
      line: 1,
      figure: 'free-frames',
      op: '==',
      value: num(100),
      valueSource: '100',
    });
    expect(one('expect resident child >= 2')).toMatchObject({
      figure: 'resident',
      subject: 'child',
      op: '>=',
    });
    expect(one('expect resident < 2')).toMatchObject({ figure: 'resident', op: '<' });
    expect(one('expect refcount pa(m) != 1')).toMatchObject({
      figure: 'refcount',
      address: { kind: 'call', name: 'pa' },
      op: '!=',
    });
    expect(one('expect tlb-misses > 0')).toMatchObject({ figure: 'tlb-misses', op: '>' });
    expect(one('expect a + 1 <= b')).toEqual({
      kind: 'expect-compare',
      line: 1,
      left: { kind: 'binary', op: '+', left: v('a'), right: num(1) },
      op: '<=',
      right: v('b'),
      leftSource: 'a + 1',
      rightSource: 'b',
    });
    expect(one('expect all-freed')).toEqual({ kind: 'expect-all-freed', line: 1 });
  });

  it('a variable can take a figure now', () => {
    expect(one('boot = allocated-frames')).toEqual({
      kind: 'measure',
      line: 1,
      target: 'boot',
      figure: 'allocated-frames',
    });
    expect(one('r = resident shell')).toEqual({
      kind: 'measure',
      line: 1,
      target: 'r',
      figure: 'resident',
      subject: 'shell',
    });
    expect(one('n = refcount pa(x)')).toMatchObject({
      kind: 'measure',
      figure: 'refcount',
      address: { kind: 'call' },
    });
  });

  it('in NAME: prefixes an expectation too', () => {
    expect(one('in b: expect fault: write m "x"')).toMatchObject({
      kind: 'expect-fault',
      process: 'b',
      statement: { kind: 'write' },
    });
  });

  it('in NAME: runs a statement as another process', () => {
    expect(one('in child: buf = malloc 10')).toEqual({
      kind: 'malloc',
      line: 1,
      size: num(10),
      target: 'buf',
      process: 'child',
    });
  });

  it('check, report, print, option', () => {
    expect(one('check')).toEqual({ kind: 'check', line: 1 });
    expect(one('report')).toEqual({ kind: 'report', line: 1 });
    expect(one('print "buf at" buf + 1')).toEqual({
      kind: 'print',
      line: 1,
      items: [
        { kind: 'text', text: 'buf at' },
        { kind: 'expr', expr: { kind: 'binary', op: '+', left: v('buf'), right: num(1) }, source: 'buf + 1' },
      ],
    });
    expect(one('option on-error continue')).toEqual({
      kind: 'option',
      line: 1,
      name: 'on-error',
      value: 'continue',
    });
  });

  it('skips blank lines and comments, and numbers lines from 1', () => {
    const s = parseScenario('# a comment\n\n  process a   # trailing\n\r\nexit a\n', 'f');
    expect(s.statements.map((x) => x.line)).toEqual([3, 5]);
    expect(s.lineCount).toBe(6);
  });
});

describe('error messages', () => {
  const cases: [string, string][] = [
    ['write p x"abc"', 'hex string x"abc" must hold pairs of hex digits'],
    ['write p x"ab', 'unterminated hex string starting at column 9'],
    ['process a $', "unexpected character '$' at column 11"],
    ['a = 12.5.3', "'12.5.3' is not a number (write 4096, 0x1000, 4K, 64KiB or 16M)"],
    ['a = 0x_', "'0x_' has no digits"],
    [
      'a = 4Q',
      "'4Q' is neither a number nor a name: a name starts with a letter or '_', and a size suffix is K, KiB, M, MiB, G or GiB",
    ],
    ['a = 1.5', "'1.5' is not a whole number of bytes below 2^53"],
    ['a = 99999999999999999999', "'99999999999999999999' is not a whole number of bytes below 2^53"],
    ['write p "\\xZZ"', "bad escape '\\xZZ' in a string (want \\x and two hex digits)"],
    ['write p "\\q"', "bad escape '\\q' in a string (use \\n \\t \\r \\0 \\\\ \\\" or \\xHH)"],
    ['write p "abc', 'unterminated string starting at column 9'],
    ['process a\nmachine ram 4M', 'machine settings must come before the first operation (line 2)'],
    ['a = (1 + 2', "expected ')' to close the parenthesis, found the end of the line"],
    ['process a b', "unexpected 'b' after process a"],
    ['machine paging 5', "expected page-table format, found '5'"],
    ['machine paging arm', "unknown page-table format 'arm' (expected i386, sv39, x86-64)"],
    ['let 5 = 3', "expected a variable after let, found '5'"],
    ['let free = 3', "'free' is a keyword and cannot name a variable"],
    ['process malloc', "'malloc' is a keyword and cannot name a process"],
    ['write p 5', 'expected the bytes to write ("text" or x"hex bytes"), found \'5\''],
    [`a = ${'('.repeat(100)}1${')'.repeat(100)}`, 'expression nested more than 64 deep'],
    ['a = b + at', "expected a value after '+', found the keyword 'at'"],
    ['a = b + )', "expected a value after '+', found ')'"],
    ['a = pa(1, 2)', 'pa() takes 1 argument, not 2'],
    ['protect p 4K q', "expected access rights (r, rw, rx, rwx or none), found 'q'"],
    ['expect free-frames = 3', "use '==' to compare, not '='"],
    ['expect free-frames 3', "expected a comparison (== != < <= > >=), found '3'"],
    ['machine ram 4M\nmachine ram 8M', 'machine ram is already set at line 2'],
    ['machine range reserved 0 4K\nmachine map pc', "'machine map pc' cannot follow 'machine range' lines"],
    ['machine map pc\nmachine range reserved 0 4K', "'machine range' cannot follow 'machine map pc'"],
    [
      'machine disk 4M',
      "unknown machine setting 'disk' (expected ram, map, range, paging, tlb, allocator, fill, heap, processes, mailbox, swap, policy, resident, watermarks)",
    ],
    ['machine ram x', 'the RAM size must be a constant (machine settings are read before anything runs)'],
    ['machine ram 0 - 4K', 'the RAM size must be a whole number >= 0, not -4096'],
    ['+ 3', "a statement starts with a word, not '+'"],
    ['at = 3', "'at' is a keyword and cannot name a variable"],
    ['x = free 3', "'free' gives no value to assign to 'x'"],
    ['option verbose on', "unknown option 'verbose' (expected on-error)"],
    ['in a: in b: exit', "'in' cannot be nested"],
    ['in a: process b', "'in a:' cannot prefix this statement"],
    ['send copy p 4K server', "expected 'to PROCESS' after the size, found 'server'"],
    ['at 3', "'at' cannot start a statement"],
    ['frobnicate 3', "unknown statement 'frobnicate'"],
    ['p = ppm_alloc 3 4', "expected above, below or align, found '4'"],
    ['p = ppm_alloc 3 below 1M below 2M', "'below' is given twice"],
    ['expect error nomem: free p', "expected an error code like ENOMEM after 'expect error', found 'nomem'"],
    [
      'expect malloc 3',
      "unknown expectation 'malloc' (expected read, fault, error, all-freed, a figure or a comparison)",
    ],
    ['expect free-pages == 3', "unknown figure 'free-pages' (figures: free-frames,"],
    ['expect fault:', "expected a statement after 'expect fault:'"],
    ['expect error EINVAL: option on-error stop', "'expect error:' needs an operation, not option"],
    ['expect fault: expect all-freed', "'expect fault:' needs an operation, not expect-all-freed"],
    [
      'expect fault bus-error: touch p',
      "unknown fault cause 'bus-error' (expected not-mapped, protection, privilege, non-canonical)",
    ],
    ['expect fault protection touch p', "expected ':' before the statement that should fault, found 'touch'"],
    ['touch p 4K rw', "unknown access 'rw' (expected read, write, execute)"],
    ['send fax p 4K to b', "unknown send mode 'fax' (expected copy, move, share)"],
    ['map file 4K', "unknown region type 'file' (expected anon, phys)"],
    ['machine heap slab 4K', "unknown heap setting 'slab' (expected area, large)"],
    [
      'machine range rom 0 4K',
      "unknown range type 'rom' (expected usable, reserved, firmware, kernel, device)",
    ],
    ['machine map linux', "unknown memory map 'linux' (expected pc, flat)"],
    ['option on-error maybe', "unknown on-error value 'maybe' (expected stop, continue)"],
    ['machine tlb 64 ways', 'expected the TLB associativity, found the end of the line'],
  ];

  for (const [text, message] of cases) {
    it(message, () => {
      const error = errorOf(`\n${text}`, 'dir/x.pf');
      expect(error.file).toBe('dir/x.pf');
      expect(error.line).toBeGreaterThanOrEqual(2);
      expect(error.message.startsWith(`dir/x.pf:${error.line}: ${message}`)).toBe(true);
      expect(error.code).toBe('ESCENARIO');
    });
  }

  it('names the line of the error, not the first line', () => {
    expect(errorOf('process a\n\n# c\nfrobnicate', 'f').message).toBe("f:4: unknown statement 'frobnicate'");
  });
});
