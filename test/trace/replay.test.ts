/**
 * Trace replay through a booted kernel: the textbook miss counts, equality with plain reference
 * simulators on random traces (with the machine checker after every access), every frame back
 * when the traced process ends, the TLB on a friendly trace, and refused addresses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { AccessKind, MemoryTrace } from '../../src/workload/trace/memory-trace.js';
import { parseRw } from '../../src/workload/trace/rw-parser.js';
import { TraceAddressError } from '../../src/workload/trace/trace-errors.js';
import { replayTrace, TraceReplay } from '../../src/workload/trace/trace-replay.js';
import {
  referenceClockMisses,
  referenceFifoMisses,
  referenceLruMisses,
  referenceOptMisses,
} from '../policies/reference-simulators.js';

const examples = join(import.meta.dirname, '..', '..', 'examples', 'traces', 'mem');
const ostep = parseRw(readFileSync(join(examples, 'ostep.rw'), 'utf8'));
const belady = parseRw(readFileSync(join(examples, 'belady.rw'), 'utf8'));

describe('textbook traces through the kernel', () => {
  it("OSTEP's example with 3 frames: FIFO 7, LRU 5, OPT 5 misses, on every paging format", () => {
    for (const paging of ['i386', 'x86-64', 'sv39'] as const) {
      const misses = (['fifo', 'lru', 'opt'] as const).map(
        (policy) => replayTrace(ostep, { policy, frames: 3, paging, checkEachAccess: true }).pageFaults,
      );
      expect(misses).toEqual([7, 5, 5]);
    }
  });

  it("Belady's string: FIFO 9 then 10 misses (the anomaly), LRU 10 then 8, OPT 7 then 6", () => {
    const count = (policy: 'fifo' | 'lru' | 'opt') =>
      [3, 4].map((frames) => replayTrace(belady, { policy, frames, checkEachAccess: true }).pageFaults);
    expect(count('fifo')).toEqual([9, 10]);
    expect(count('lru')).toEqual([10, 8]);
    expect(count('opt')).toEqual([7, 6]);
  });

  it('reports every count of a run: first touches are minor faults, returns are swap-ins, clean copies are dropped', () => {
    // FIFO, 3 frames: pages 1..5 are first touched (5 demand-zero faults); 1, 2, 3 and 4 come
    // back from swap (4 major faults, 4 reads). Of the 6 evictions, 1, 2, 3 and 4 are written
    // (no copy in swap yet) and the second evictions of 1 and 2 are dropped: they were read back
    // and not written since, so their slot still holds them (the swap cache).
    expect(replayTrace(belady, { policy: 'fifo', frames: 3, checkEachAccess: true })).toEqual({
      policy: 'fifo',
      paging: 'x86-64',
      frames: 3,
      accesses: 12,
      pages: 5,
      pageFaults: 9,
      majorFaults: 4,
      minorFaults: 5,
      swapIns: 4,
      swapOuts: 4,
      evictions: 6,
      refusedEvictions: 0,
      tlbHits: 3,
      tlbMisses: 9,
      tlbHitRate: 0.25,
    });
  });

  it('writes a page again when it was written since it came back, and drops pages without swap', () => {
    const text = readFileSync(join(examples, 'belady.rw'), 'utf8').replaceAll('R 0x401000', 'W 0x401000');
    const written = replayTrace(parseRw(text), { policy: 'fifo', frames: 3, checkEachAccess: true });
    // Page 1 is written on each of its three accesses, so its second eviction writes it again.
    expect([written.pageFaults, written.swapOuts, written.swapIns, written.evictions]).toEqual([9, 5, 4, 6]);
    // One slot: once it is taken, reclaim cannot push a fresh page out and the limit gives.
    const full = replayTrace(belady, {
      policy: 'fifo',
      frames: 3,
      swapBytes: 2 * 4096,
      checkEachAccess: true,
    });
    expect(full.refusedEvictions).toBeGreaterThan(0);
    expect(full.pageFaults).toBeLessThan(9);
    const dropped = replayTrace(belady, { policy: 'fifo', frames: 3, swapBytes: 0, checkEachAccess: true });
    expect([dropped.pageFaults, dropped.majorFaults, dropped.swapOuts, dropped.evictions]).toEqual([
      9, 0, 0, 6,
    ]);
  });
});

describe('replay against reference simulators', () => {
  const PAGE = 4096;
  const BASE = 0x10000000;

  it('FIFO, LRU, OPT and clock fault as often as the plain simulators, with swap and without, the checker passing after every access', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.boolean()), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('i386' as const, 'x86-64' as const, 'sv39' as const),
        fc.constantFrom(undefined, 0),
        (steps, frames, paging, swapBytes) => {
          const trace = new MemoryTrace();
          // Pages spread over two leaf tables and offsets inside the page, so the replay walks real tables.
          const address = (page: number) => BASE + page * 0x80000 + ((page * 97) % PAGE);
          for (const [page, write] of steps)
            trace.add(address(page), write ? AccessKind.Write : AccessKind.Read);
          const pages = steps.map(([page]) => page);
          const check = { checkEachAccess: true, paging, frames, swapBytes };
          expect(replayTrace(trace, { ...check, policy: 'fifo' }).pageFaults).toBe(
            referenceFifoMisses(pages, frames),
          );
          expect(replayTrace(trace, { ...check, policy: 'lru' }).pageFaults).toBe(
            referenceLruMisses(pages, frames),
          );
          expect(replayTrace(trace, { ...check, policy: 'opt' }).pageFaults).toBe(
            referenceOptMisses(pages, frames),
          );
          expect(replayTrace(trace, { ...check, policy: 'clock' }).pageFaults).toBe(
            referenceClockMisses(pages, frames),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives every frame back when the traced process ends, under every policy', () => {
    const trace = MemoryTrace.ofPages(
      Array.from({ length: 300 }, (_, i) => (i * 7919) % 41),
      0x10000000,
    );
    const freeAtBoot = new Kernel({ format: 'x86-64' }).pmm.stats().freeFrames;
    for (const policy of ['fifo', 'clock', 'aging', 'lru', 'opt', 'random'] as const) {
      const replay = new TraceReplay(trace, { policy, frames: 8 });
      const result = replay.run();
      expect(result.pageFaults).toBeGreaterThanOrEqual(41);
      expect(result.evictions).toBe(result.pageFaults - 8);
      replay.kernel.check();
      replay.kernel.exit(replay.process.pid);
      replay.kernel.check();
      expect(replay.kernel.pmm.stats().freeFrames).toBe(freeAtBoot);
    }
  });
});

describe('replay details', () => {
  it('a sequential scan hits the TLB on all but one access a page', () => {
    const trace = new MemoryTrace();
    for (let page = 0; page < 16; page++)
      for (let word = 0; word < 512; word++) trace.add(0x400000 + page * 4096 + word * 8, AccessKind.Read);
    const result = replayTrace(trace, { policy: 'lru', frames: 64 });
    expect(result.pageFaults).toBe(16);
    expect(result.tlbHits).toBe(16 * 511);
    expect(result.tlbHitRate).toBeCloseTo(511 / 512, 12);
  });

  it('clock clears the A bits it reads and spares a page used since, where FIFO evicts it', () => {
    // 3 frames: page 3's fault sweeps every A bit clear and evicts 0; page 1 is read again, so
    // page 4's fault passes over 1 (clearing its A bit) and evicts 2; the last read of 1 hits.
    const pages = [0, 1, 2, 3, 1, 4, 1];
    const trace = MemoryTrace.ofPages(pages, 0x400000);
    const clock = replayTrace(trace, { policy: 'clock', frames: 3, checkEachAccess: true });
    expect(clock.pageFaults).toBe(5);
    expect(clock.pageFaults).toBe(referenceClockMisses(pages, 3));
    expect(replayTrace(trace, { policy: 'fifo', frames: 3 }).pageFaults).toBe(6);
  });

  it('refuses addresses outside the user half and bad frame counts', () => {
    const high = MemoryTrace.ofPages([0], 0xf0000000);
    expect(() => replayTrace(high, { paging: 'i386' })).toThrow(TraceAddressError);
    expect(() => replayTrace(MemoryTrace.ofPages([0], 2 ** 38), { paging: 'sv39' })).toThrow(
      TraceAddressError,
    );
    expect(replayTrace(MemoryTrace.ofPages([0], 2 ** 38), { paging: 'x86-64' }).pageFaults).toBe(1);
    expect(() => replayTrace(high, { frames: 0 })).toThrow(InvalidArgumentError);
    expect(() => replayTrace(high, { frames: 2.5 })).toThrow(InvalidArgumentError);
  });
});
