import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildRecorder, haveCompiler, record } from '../../scripts/recorder.js';
import { Heap } from '../../src/heap/heap.js';
import { SparseSpace } from '../../src/heap/sparse-space.js';
import { formatRep, parseRep, RepOp } from '../../src/workload/rep-trace.js';
import { heapAllocator } from '../../src/workload/traces/heap-allocator.js';
import { convertRecordedLog, RecordedLogError } from '../../src/workload/traces/recorded-log.js';
import { replay } from '../../src/workload/traces/replay.js';

describe('recorded log converter', () => {
  it('gives each live pointer an id and maps every event kind', () => {
    const log = [
      'm 1000 10', // id 0
      'c 2000 24', // id 1
      'a 3000 64', // id 2
      'r 1000 1000 20', // grows in place
      'r 2000 4000 100', // moves: id 1 now at 4000
      'f 4000',
      'r 0 5000 7', // realloc(NULL): a malloc
      'r 3000 0 0', // realloc(p, 0) freed p
      'f 9999', // never seen: left out
      'm 5000 8', // reused while live: its free was missed
      '',
    ].join('\n');
    const { trace, unknownPointers, reusedLive, leaked } = convertRecordedLog(log, 'log');
    expect(unknownPointers).toBe(1);
    expect(reusedLive).toBe(1);
    expect(leaked).toBe(2);
    const expected = [
      '0',
      '3',
      '10',
      '1',
      'a 0 10',
      'a 1 24',
      'a 2 64',
      'r 0 20',
      'r 1 100',
      'f 1',
      'a 1 7',
      'f 2',
    ];
    expect(formatRep(trace)).toBe(`${[...expected, 'f 1', 'a 1 8'].join('\n')}\n`);
    expect(formatRep(parseRep(formatRep(trace)))).toBe(formatRep(trace));
  });

  it('rejects a malformed log with its line', () => {
    expect(() => convertRecordedLog('m 10 4\nx 1\n', 'bad.log')).toThrow(RecordedLogError);
    expect(() => convertRecordedLog('m 10 4\nm 20\n', 'bad.log')).toThrow(/bad.log:2/);
  });
});

const canRecord = haveCompiler() && spawnSync('which', ['sort'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!canRecord)('malloc recorder (LD_PRELOAD, built with cc)', () => {
  it('records a real command into a trace our heap replays with payload checking', () => {
    buildRecorder();
    const input = `${Array.from({ length: 3000 }, (_, i) => `${(i * 7919) % 3001} ${'y'.repeat(i % 30)}`).join('\n')}\n`;
    const recording = record(['sort', '-n'], 'sort', { input, quiet: true });
    expect(recording.exitCode).toBe(0);
    const trace = recording.trace;
    expect(trace.kinds.length).toBeGreaterThan(10);
    expect(Array.from(trace.kinds).some((k) => k === RepOp.Alloc)).toBe(true);
    const text = formatRep(trace);
    const again = parseRep(text, 'sort.rep');
    const space = new SparseSpace();
    const heap = new Heap(space);
    const result = replay(again, heapAllocator(heap), { check: space, alignment: 16 });
    expect(result.peakPayload).toBeGreaterThan(0);
    heap.check();
  });

  it.skipIf(spawnSync('which', ['python3'], { stdio: 'ignore' }).status !== 0)(
    'records a threaded program that forks: one trace for the process itself',
    () => {
      const script = [
        'import threading, os',
        'def work(n):',
        '    return [str(i) * 40 for i in range(n)]',
        'ts = [threading.Thread(target=work, args=(3000,)) for _ in range(4)]',
        '[t.start() for t in ts]; [t.join() for t in ts]',
        'pid = os.fork()',
        'if pid == 0:',
        '    work(100); os._exit(0)',
        'os.waitpid(pid, 0)',
      ].join('\n');
      const recording = record(['python3', '-c', script], 'python3', { quiet: true });
      expect(recording.exitCode).toBe(0);
      expect(recording.children).toBeGreaterThanOrEqual(1);
      const trace = parseRep(formatRep(recording.trace), 'python3.rep');
      const space = new SparseSpace();
      const heap = new Heap(space);
      replay(trace, heapAllocator(heap), { check: space, alignment: 16 });
      heap.check();
    },
  );
});
if (!canRecord) console.warn('malloc recorder test skipped: no C compiler (cc) or no sort on this machine');
