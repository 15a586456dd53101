/**
 * The replacement policies outside trace replay: exact LRU sees every access of a running
 * program (the hart reports each one with its frame) and of scenario statements (the kernel's
 * user copies and AddressSpace.access), checked against a small reference LRU; OPT, which needs
 * the future, is refused wherever nobody supplies it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Hart, type HartContext } from '../../src/cpu/hart.js';
import type { AccessKind } from '../../src/cpu/memory-port.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { BufferedHost } from '../../src/kernel/linux/host.js';
import { LinuxMachine } from '../../src/kernel/linux/linux-machine.js';
import { FutureUnknownError, type PolicyName } from '../../src/swap/policies/replacement-policy.js';
import { ScenarioError } from '../../src/workload/scenario/errors.js';
import { runScenario } from '../../src/workload/scenario/executor.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';
import { parseRw } from '../../src/workload/trace/rw-parser.js';
import { replayTrace } from '../../src/workload/trace/trace-replay.js';

const root = join(import.meta.dirname, '..', '..');
const HELLO = join(root, 'examples', 'programs', 'hello');

/** A textbook LRU: misses of `pages` with `frames` frames. */
function referenceLruMisses(pages: number[], frames: number): number {
  const resident: number[] = []; // least recently used first
  let misses = 0;
  for (const page of pages) {
    const at = resident.indexOf(page);
    if (at >= 0) resident.splice(at, 1);
    else {
      misses++;
      if (resident.length === frames) resident.shift();
    }
    resident.push(page);
  }
  return misses;
}

function failures(text: string): string[] {
  try {
    return runScenario(parseScenario(text, 's.pf')).failures;
  } catch (error) {
    if (error instanceof ScenarioError) return [error.message];
    throw error;
  }
}

interface PolicyEvents {
  /** Last event (admit or touch) of each frame the policy holds, by a running count. */
  lastUse: Map<number, number>;
  /** Frames the hart reported, in order. */
  touched: number[];
}

/**
 * Starts hello under `policy` with swap and runs `instructions` of it; logs what the policy was
 * told (a reference LRU kept beside it) and what the hart accessed (through recordAccesses).
 */
function runHello(policy: PolicyName, instructions: number) {
  const kernel = new Kernel({ format: 'sv39', ramBytes: 16 << 20, swapBytes: 1 << 20, policy });
  const swap = kernel.machine.swap;
  if (swap === null) throw new Error('no swap');
  const events: PolicyEvents = { lastUse: new Map(), touched: [] };
  let clock = 0;
  const real = swap.policy;
  const admit = real.admit.bind(real);
  const remove = real.remove.bind(real);
  const touch = real.touch.bind(real);
  real.admit = (pfn, owner) => {
    events.lastUse.set(pfn, clock++);
    admit(pfn, owner);
  };
  real.remove = (pfn) => {
    events.lastUse.delete(pfn);
    remove(pfn);
  };
  real.touch = (pfn, nextUse) => {
    if (events.lastUse.has(pfn)) events.lastUse.set(pfn, clock++);
    events.touched.push(pfn);
    touch(pfn, nextUse);
  };
  const machine = new LinuxMachine<HartContext>(
    kernel,
    new BufferedHost(),
    (mmu, memory) => new Hart(mmu, memory),
  );
  machine.exec(HELLO, new Uint8Array(readFileSync(HELLO)), [HELLO], []);
  const accessed: number[] = [];
  const kinds: number[] = [];
  machine.recordAccesses((kind: AccessKind, _va: number, _size: number, pa: number) => {
    accessed.push(Math.floor(pa / 4096));
    kinds.push(kind);
  });
  events.touched.length = 0;
  expect(machine.run(instructions)).toBe(false);
  kernel.check();
  const victim = real.selectVictim(-1, swap);
  return { kernel, machine, events, accessed, kinds, victim };
}

describe('exact LRU under a running program', () => {
  it('reports every access of the hart, fetches and data, as a touch of its frame', () => {
    const { events, accessed, kinds } = runHello('lru', 3000);
    expect(accessed.length).toBeGreaterThan(3000); // one fetch an instruction, and the data accesses
    // Loads, stores, fetches and the atomics' read-modify-writes (AccessKind order).
    expect([...new Set(kinds)].sort()).toEqual([0, 1, 2, 3]);
    expect(accessed.every((pfn) => pfn > 0)).toBe(true);
    // Every hart access in order; the rest are the kernel's copies for system calls (write's buffer ...).
    let next = 0;
    for (const pfn of events.touched) if (next < accessed.length && pfn === accessed[next]) next++;
    expect(next).toBe(accessed.length);
    expect(events.touched.length - accessed.length).toBeGreaterThan(0);
    expect(events.touched.length - accessed.length).toBeLessThan(16);
  });

  it("evicts the least recently used frame, which is not FIFO's", () => {
    const lru = runHello('lru', 3000);
    let oldest = -1;
    let oldestUse = Number.POSITIVE_INFINITY;
    for (const [pfn, use] of lru.events.lastUse) {
      if (use < oldestUse) {
        oldestUse = use;
        oldest = pfn;
      }
    }
    expect(lru.victim).toBe(oldest);
    // The same run under FIFO (nothing was evicted in either: the same frames) picks the first
    // admitted frame, which the program has used since.
    const fifo = runHello('fifo', 3000);
    expect(fifo.events.touched).toEqual([]);
    expect(fifo.victim).not.toBe(lru.victim);
    expect(lru.events.touched).toContain(fifo.victim);
  });

  it('leaves the hart on its fast path under the other policies', () => {
    const { machine } = runHello('clock', 10);
    machine.recordAccesses(null);
    expect((machine.hart as Hart).onAccess).toBeNull();
  });
});

describe('exact LRU under scenario statements', () => {
  const belady = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];

  it.each([
    ['touch', (page: number) => `touch a + ${page * 4}K 1 read`],
    ['write', (page: number) => `write a + ${page * 4}K "x"`],
    ['read', (page: number) => `read a + ${page * 4}K 1`],
  ])("Belady's string by %s statements with 3 resident pages misses as a textbook LRU", (_name, line) => {
    const misses = referenceLruMisses(belady, 3);
    expect(misses).toBe(10);
    const distinct = new Set(belady).size;
    const text = `machine swap 1M\nmachine policy lru\nmachine resident 3\nprocess p\na = map anon 24K\n${belady.map(line).join('\n')}\nexpect major-faults p == ${misses - distinct}\nexpect evictions == ${misses - 3}\nexit p\nexpect swap-slots == 0\nexpect all-freed\n`;
    expect(failures(text)).toEqual([]);
  });
});

describe('OPT needs the future', () => {
  it('is refused by the kernel unless the caller supplies next uses', () => {
    expect(() => new Kernel({ swapBytes: 1 << 20, policy: 'opt' })).toThrow(FutureUnknownError);
    expect(() => new Kernel({ swapBytes: 1 << 20, policy: 'opt' })).toThrow(
      'kernel config: the opt policy needs the next use of every access, which only a replayed trace knows: it runs only in trace replay (`pageframe trace --policy opt`)',
    );
    const kernel = new Kernel({ swapBytes: 1 << 20, policy: 'opt', futureKnown: true });
    expect(kernel.machine.swap?.policy.name).toBe('opt');
  });

  it('still runs in trace replay through the kernel', () => {
    const trace = parseRw([1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5].map((page) => `R ${page * 4096}`).join('\n'));
    expect(replayTrace(trace, { policy: 'opt', frames: 3 }).pageFaults).toBe(7);
  });

  it('is refused by a scenario at its line', () => {
    const text = 'machine swap 1M\nmachine policy opt\nprocess p\n';
    expect(failures(text)).toEqual([
      's.pf:2: the machine does not boot: EINVAL: machine policy: the opt policy needs the next use of every access, which only a replayed trace knows: it runs only in trace replay (`pageframe trace --policy opt`)',
    ]);
  });

  it('is refused by pageframe exec --policy opt', () => {
    const result = spawnSync(
      process.execPath,
      [join(root, 'bin', 'pageframe.js'), 'exec', '--swap', '1M', '--policy', 'opt', HELLO],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status).toBe(126);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'pageframe: exec --policy: the opt policy needs the next use of every access, which only a replayed trace knows: it runs only in trace replay (`pageframe trace --policy opt`)\n',
    );
  });
});
