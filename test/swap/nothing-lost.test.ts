/**
 * Nothing lost under memory pressure: a machine far smaller than its working set runs random
 * writes and reads across forked processes, MAP_SHARED areas, IPC moves and shares; every byte
 * read back equals a model kept in plain arrays, the whole-machine checker runs after every step,
 * and once every process has ended all frames and all swap slots are back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutOfMemoryError } from '../../src/common/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import type { PolicyName } from '../../src/swap/policies/replacement-policy.js';
import { RegionFlag } from '../../src/vm/region-types.js';

const PAGE = 4096;

/** One area of a process in the model: its pages' bytes (shared areas share the array objects). */
interface Area {
  va: number;
  writable: boolean;
  shared: boolean;
  pages: Uint8Array[];
}

/** A message sent to a process and not yet received: what its area will hold. */
interface Pending {
  writable: boolean;
  pages: Uint8Array[];
}

/** One process of the model: its areas and the messages waiting in its mailbox, oldest first. */
interface Proc {
  pid: number;
  areas: Area[];
  pending: Pending[];
}

type Command =
  | { kind: 'map'; proc: number; pages: number; shared: boolean }
  | { kind: 'write'; proc: number; area: number; page: number; offset: number; length: number; value: number }
  | { kind: 'read'; proc: number; area: number; page: number }
  | { kind: 'sweep'; proc: number; area: number; value: number }
  | { kind: 'fork'; proc: number }
  | { kind: 'exit'; proc: number }
  | { kind: 'move' | 'share'; proc: number; area: number; to: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('map' as const),
      proc: fc.nat(7),
      pages: fc.integer({ min: 1, max: 16 }),
      shared: fc.boolean(),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      proc: fc.nat(7),
      area: fc.nat(7),
      page: fc.nat(15),
      offset: fc.nat(PAGE - 1),
      length: fc.integer({ min: 1, max: PAGE }),
      value: fc.integer({ min: 1, max: 255 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      proc: fc.nat(7),
      area: fc.nat(7),
      page: fc.nat(15),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('sweep' as const),
      proc: fc.nat(7),
      area: fc.nat(7),
      value: fc.integer({ min: 0, max: 255 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fork' as const), proc: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('exit' as const), proc: fc.nat(7) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('move' as const, 'share' as const),
      proc: fc.nat(7),
      area: fc.nat(7),
      to: fc.nat(7),
    }),
  },
);

function run(format: FormatName, policy: PolicyName, residentLimit: number, commands: Command[]): void {
  const kernel = new Kernel({
    ramBytes: 96 * 1024, // 22 free frames after boot
    format,
    swapBytes: 8 << 20,
    policy,
    residentLimit,
    lowWatermark: 2,
    highWatermark: 4,
  });
  const freeAtBoot = kernel.pmm.freeFrames;
  const procs: Proc[] = [];
  const first = kernel.createProcess('first');
  procs.push({ pid: first.pid, areas: [], pending: [] });
  const pick = <T>(list: T[], n: number): T | undefined =>
    list.length === 0 ? undefined : list[n % list.length];
  for (const c of commands) {
    const proc = pick(procs, c.proc);
    if (!proc) break;
    const space = kernel.process(proc.pid).space;
    try {
      switch (c.kind) {
        case 'map': {
          const va = space.mapAnon(c.pages * PAGE, { flags: c.shared ? RegionFlag.Shared : 0 });
          proc.areas.push({
            va,
            writable: true,
            shared: c.shared,
            pages: Array.from({ length: c.pages }, () => new Uint8Array(PAGE)),
          });
          break;
        }
        case 'write': {
          const area = pick(proc.areas, c.area);
          if (!area?.writable) break;
          const page = c.page % area.pages.length;
          const length = Math.min(c.length, PAGE - c.offset);
          space.fill(area.va + page * PAGE + c.offset, length, c.value);
          area.pages[page].fill(c.value, c.offset, c.offset + length);
          break;
        }
        case 'sweep': {
          // Reads every page of the area, then (when writable) writes one byte into each.
          const area = pick(proc.areas, c.area);
          if (!area) break;
          const got = new Uint8Array(PAGE);
          for (let k = 0; k < area.pages.length; k++) {
            space.read(area.va + k * PAGE, got);
            expectSame(got, area.pages[k], `pid ${proc.pid} page ${k} of the area at ${area.va}`);
          }
          if (!area.writable) break;
          for (let k = 0; k < area.pages.length; k++) {
            const at = (k * 97 + c.value) % PAGE;
            space.fill(area.va + k * PAGE + at, 1, c.value);
            area.pages[k][at] = c.value;
          }
          break;
        }
        case 'read': {
          const area = pick(proc.areas, c.area);
          if (!area) break;
          const page = c.page % area.pages.length;
          const got = new Uint8Array(PAGE);
          space.read(area.va + page * PAGE, got);
          expectSame(got, area.pages[page], `pid ${proc.pid} page ${page} of the area at ${area.va}`);
          break;
        }
        case 'fork': {
          if (procs.length >= 6) break;
          const child = kernel.fork(proc.pid);
          procs.push({
            pid: child.pid,
            areas: proc.areas.map((a) => ({
              ...a,
              pages: a.shared ? a.pages : a.pages.map((p) => p.slice()),
            })),
            pending: [],
          });
          break;
        }
        case 'exit': {
          if (procs.length === 1) break;
          kernel.exit(proc.pid);
          procs.splice(procs.indexOf(proc), 1);
          break;
        }
        case 'move':
        case 'share': {
          const area = pick(proc.areas, c.area);
          const to = pick(procs, c.to);
          if (!area || !to || to === proc || area.shared || (c.kind === 'move' && !area.writable)) break;
          const bytes = area.pages.length * PAGE;
          kernel.ipc.send(proc.pid, to.pid, area.va, bytes, c.kind);
          // The send took effect whatever the receive does: a move took the pages, a share sealed them.
          to.pending.push({ writable: c.kind === 'move', pages: area.pages.map((p) => p.slice()) });
          if (c.kind === 'move') proc.areas.splice(proc.areas.indexOf(area), 1);
          else area.writable = false;
          // A receive refused for want of memory leaves its message first in the mailbox: the next
          // receive delivers that one.
          const received = kernel.ipc.receive(to.pid);
          const delivered = to.pending.shift();
          if (!received || !delivered) throw new Error('no message');
          to.areas.push({
            va: received.va,
            writable: delivered.writable,
            shared: false,
            pages: delivered.pages,
          });
          break;
        }
      }
    } catch (error) {
      // Only running out of both RAM and swap may refuse an operation, and then nothing changed.
      if (!(error instanceof OutOfMemoryError)) throw error;
    }
    kernel.check();
  }
  // Everything read back once more, then every process ends and gives all back.
  for (const proc of procs) {
    const space = kernel.process(proc.pid).space;
    for (const area of proc.areas) {
      for (let k = 0; k < area.pages.length; k++) {
        const got = new Uint8Array(PAGE);
        space.read(area.va + k * PAGE, got);
        expectSame(got, area.pages[k], `pid ${proc.pid} page ${k} of the area at ${area.va}`);
      }
    }
  }
  for (const proc of procs) {
    kernel.exit(proc.pid);
    kernel.check();
  }
  const swap = kernel.machine.swap;
  pressure.evictions += swap?.stats.evictions ?? 0;
  pressure.reads += swap?.device.reads ?? 0;
  expect(kernel.pmm.freeFrames).toBe(freeAtBoot);
  expect(swap?.device.stats().usedSlots).toBe(0);
}

/** Evictions and swap reads over all runs: the test must really run under pressure. */
const pressure = { evictions: 0, reads: 0 };

/** Compares a page with the model's, naming the first byte that differs (toEqual is slow on 4 KiB). */
function expectSame(got: Uint8Array, want: Uint8Array, what: string): void {
  for (let k = 0; k < want.length; k++) {
    if (got[k] !== want[k])
      expect(`${what}: byte ${k} is ${got[k]}`).toBe(`${what}: byte ${k} is ${want[k]}`);
  }
}

/**
 * A draw that once failed: the child shares its area with the parent on a machine so full that
 * the receive is refused (OutOfMemoryError). The send had sealed the child's area read-only all
 * the same, so a model that applied the share only on a receive wrote into a sealed area.
 */
const REFUSED_RECEIVE: Command[] = [
  { kind: 'fork', proc: 0 },
  { kind: 'map', proc: 3, pages: 15, shared: false },
  { kind: 'sweep', proc: 3, area: 0, value: 0 },
  { kind: 'share', proc: 1, area: 0, to: 0 },
  { kind: 'sweep', proc: 0, area: 0, value: 0 },
  { kind: 'exit', proc: 0 },
  { kind: 'write', proc: 0, area: 0, page: 0, offset: 0, length: 1, value: 1 },
  { kind: 'sweep', proc: 0, area: 0, value: 0 },
];

describe('nothing is lost under memory pressure', () => {
  it('a share whose receive is refused for want of memory still seals the sender (x86-64, clock)', () => {
    run('x86-64', 'clock', 0, REFUSED_RECEIVE);
  });

  const machines: [FormatName, PolicyName, number][] = [
    ['i386', 'fifo', 0],
    ['x86-64', 'clock', 0],
    ['sv39', 'aging', 0],
    ['x86-64', 'random', 0],
    ['i386', 'lru', 5],
    ['sv39', 'clock', 4],
  ];
  for (const [format, policy, limit] of machines) {
    const local = limit > 0 ? `, a resident limit of ${limit} pages (local replacement)` : '';
    it(`${format}, ${policy}${local}: every byte read back equals the model`, () => {
      pressure.evictions = 0;
      pressure.reads = 0;
      fc.assert(
        fc.property(fc.array(command, { minLength: 10, maxLength: 80 }), (commands) =>
          run(format, policy, limit, commands),
        ),
        { numRuns: 40 },
      );
      // About 5 to 10 evictions a run in practice: at least one a run on average, whatever the draw.
      expect(pressure.evictions).toBeGreaterThan(40);
      expect(pressure.reads).toBeGreaterThan(10);
    });
  }
});
