/**
 * Failure at every allocation: each kind of operation runs with its k-th frame allocation failing,
 * for k = 0, 1, 2 ... until it succeeds, and with the region limit, a frame's reference-count
 * limit and the mailbox limit just too low; every failure must leave the whole machine as it was
 * (machineSnapshot), and the success must come after exactly as many failures as it allocates.
 */
import { describe, expect, it } from 'vitest';
import { LimitError, OutOfMemoryError, type PageframeError } from '../../src/common/errors.js';
import { hex } from '../../src/common/format.js';
import { Heap } from '../../src/heap/heap.js';
import { KernelHeap } from '../../src/heap/kernel-heap.js';
import { MailboxFullError } from '../../src/ipc/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { Process } from '../../src/kernel/process.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { MAX_REF_COUNT } from '../../src/phys/frame-table.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';
import { Protection } from '../../src/vm/region-types.js';
import { machineDifference, machineSnapshot } from './snapshot.js';
import { FORMATS } from './system-model.js';

const PAGE = 4096;
/** Two leaf tables' worth apart on every format (i386 tables span 4 MiB, the others 2 MiB). */
const BUFFER = 0x7fe000;
const OTHER = 0x1000000;

class Machine {
  readonly kernel: Kernel;
  readonly failing: FailingFrameSource;
  readonly heaps = new Map<string, Heap>();
  readonly a: Process;
  readonly b: Process;
  readonly kheap: KernelHeap;

  constructor(format: FormatName, regionLimit = 1000) {
    let failing: FailingFrameSource | undefined;
    this.kernel = new Kernel({
      format,
      ramBytes: 8 << 20,
      regionLimit,
      mailboxDepth: 3,
      wrapFrames: (pmm) => {
        failing = new FailingFrameSource(pmm);
        return failing;
      },
    });
    this.failing = failing as FailingFrameSource;
    this.a = this.kernel.createProcess('a');
    this.b = this.kernel.createProcess('b');
    this.kheap = new KernelHeap(this.kernel.kernelSpace);
    this.heaps.set('a', new Heap(this.a.space, { name: 'heap of a' }));
    this.heaps.set('kernel', this.kheap);
  }

  get heapA(): Heap {
    return this.heaps.get('a') as Heap;
  }

  snapshot() {
    return machineSnapshot(this.kernel, { heaps: this.heaps });
  }

  /** Eight pages across a leaf-table boundary in a, written with a pattern. */
  touchedBuffer(protection: number = Protection.ReadWrite): number {
    this.a.space.mapAnon(8 * PAGE, { at: BUFFER, protection: Protection.ReadWrite });
    for (let k = 0; k < 8; k++) this.a.space.fill(BUFFER + k * PAGE, PAGE, k + 1);
    if (protection !== Protection.ReadWrite) this.a.space.protect(BUFFER, 8 * PAGE, protection);
    return BUFFER;
  }
}

interface Case {
  name: string;
  setup?(m: Machine): void;
  /** The operation; a heap call's 0 means it ran out of memory. */
  op(m: Machine): unknown;
  /** Frame allocations the operation makes when it succeeds, per format. */
  allocations: Record<FormatName, number> | 'some';
  skip?: boolean;
}

const ALL = (n: number): Record<FormatName, number> => ({ i386: n, 'x86-64': n, sv39: n });

const CASES: Case[] = [
  { name: 'create', op: (m) => m.kernel.createProcess('c'), allocations: ALL(1) },
  {
    name: 'fork (copy-on-write)',
    setup: (m) => m.touchedBuffer(),
    op: (m) => m.kernel.fork(m.a.pid),
    allocations: { i386: 3, 'x86-64': 5, sv39: 4 },
  },
  {
    name: 'fork (eager copy)',
    setup: (m) => m.touchedBuffer(),
    op: (m) => m.kernel.fork(m.a.pid, { eager: true }),
    allocations: { i386: 11, 'x86-64': 13, sv39: 12 },
  },
  { name: 'mapAnon', op: (m) => m.a.space.mapAnon(64 * PAGE, { at: BUFFER }), allocations: ALL(0) },
  {
    name: 'fault-in on read',
    setup: (m) => m.a.space.mapAnon(8 * PAGE, { at: BUFFER }),
    op: (m) => m.a.space.read(BUFFER, new Uint8Array(8 * PAGE)),
    allocations: 'some',
  },
  {
    name: 'fault-in on write',
    setup: (m) => m.a.space.mapAnon(8 * PAGE, { at: BUFFER }),
    op: (m) => m.a.space.fill(BUFFER + 100, 8 * PAGE - 200, 7),
    allocations: { i386: 10, 'x86-64': 12, sv39: 11 },
  },
  {
    name: 'copy-on-write fault',
    setup: (m) => {
      m.touchedBuffer();
      m.kernel.fork(m.a.pid);
    },
    op: (m) => m.a.space.fill(BUFFER, 8 * PAGE, 9),
    allocations: ALL(8),
  },
  {
    name: 'protect a middle piece',
    setup: (m) => m.touchedBuffer(),
    op: (m) => m.a.space.protect(BUFFER + 2 * PAGE, 3 * PAGE, Protection.Read),
    allocations: ALL(0),
  },
  {
    name: 'unmap a middle piece',
    setup: (m) => m.touchedBuffer(),
    op: (m) => m.a.space.unmap(BUFFER + 2 * PAGE, 3 * PAGE),
    allocations: ALL(0),
  },
  { name: 'malloc', op: (m) => m.heapA.malloc(40_000), allocations: ALL(0) },
  {
    name: 'malloc and a write of the block',
    setup: (m) => {
      m.heapA.malloc(100);
    },
    op: (m) => m.a.space.fill(m.heapA.blocks()[0][0], 100, 3),
    allocations: 'some',
  },
  {
    name: 'realloc that moves the block',
    setup: (m) => {
      const va = m.heapA.malloc(20_000);
      m.a.space.fill(va, 20_000, 5);
      m.heapA.malloc(20_000); // right after it: no growing in place
    },
    op: (m) => m.heapA.realloc(m.heapA.blocks()[0][0], 60_000),
    allocations: 'some',
  },
  {
    name: 'calloc over reused memory',
    setup: (m) => {
      const va = m.heapA.malloc(3000);
      m.a.space.fill(va, 3000, 5);
      // The next object spans into the slab's second page, never written: zeroing it needs a frame.
      m.heapA.free(m.heapA.malloc(3000));
    },
    op: (m) => m.heapA.calloc(1, 3000),
    allocations: 'some',
  },
  { name: 'kmalloc', op: (m) => m.kheap.kmalloc(5000), allocations: ALL(0) },
  {
    name: 'kmalloc and a write of the block',
    setup: (m) => {
      m.kheap.kmalloc(5000);
    },
    op: (m) => m.kernel.kernelSpace.fill(m.kheap.blocks()[0][0], 5000, 4),
    // Two pages and the kernel tables over them, the one right under the roots included, which
    // a failure at the second page must give back: 1 / 3 / 2 tables on i386 / x86-64 / Sv39.
    allocations: { i386: 3, 'x86-64': 5, sv39: 4 },
  },
  {
    name: 'IPC copy send',
    setup: (m) => m.touchedBuffer(),
    op: (m) => m.kernel.ipc.copy(m.a.pid, m.b.pid, BUFFER + 10, 8 * PAGE - 20),
    allocations: ALL(0),
  },
  {
    name: 'IPC copy receive into a fresh area',
    setup: (m) => {
      m.touchedBuffer();
      m.kernel.ipc.copy(m.a.pid, m.b.pid, BUFFER + 10, 8 * PAGE - 20);
    },
    op: (m) => m.kernel.ipc.receive(m.b.pid, { at: BUFFER }),
    allocations: { i386: 10, 'x86-64': 12, sv39: 11 },
  },
  {
    name: 'IPC copy receive into a buffer',
    setup: (m) => {
      m.touchedBuffer();
      m.kernel.ipc.copy(m.a.pid, m.b.pid, BUFFER, 8 * PAGE);
      m.b.space.mapAnon(8 * PAGE, { at: OTHER });
    },
    op: (m) => m.kernel.ipc.receive(m.b.pid, { into: OTHER }),
    allocations: 'some',
  },
  {
    name: 'IPC move send',
    setup: (m) => m.touchedBuffer(),
    op: (m) => m.kernel.ipc.move(m.a.pid, m.b.pid, BUFFER, 8 * PAGE),
    allocations: ALL(0),
  },
  {
    name: 'IPC move receive',
    setup: (m) => {
      m.touchedBuffer();
      m.kernel.ipc.move(m.a.pid, m.b.pid, BUFFER, 8 * PAGE);
    },
    op: (m) => m.kernel.ipc.receive(m.b.pid, { at: BUFFER }),
    allocations: { i386: 2, 'x86-64': 4, sv39: 3 },
  },
  {
    name: 'IPC share send',
    setup: (m) => m.touchedBuffer(),
    op: (m) => m.kernel.ipc.share(m.a.pid, m.b.pid, BUFFER, 8 * PAGE),
    allocations: ALL(0),
  },
  {
    name: 'IPC share receive',
    setup: (m) => {
      m.touchedBuffer();
      m.kernel.ipc.share(m.a.pid, m.b.pid, BUFFER, 8 * PAGE);
    },
    op: (m) => m.kernel.ipc.receive(m.b.pid, { at: OTHER }),
    allocations: 'some',
  },
];

function failedOutOfMemory(m: Machine, op: () => unknown): boolean {
  try {
    const value = op();
    return value === 0;
  } catch (error) {
    if (error instanceof OutOfMemoryError) return true;
    throw error;
  } finally {
    m.failing.disarm();
  }
}

describe.each<FormatName>([...FORMATS])('every frame allocation failing in turn, on %s', (format) => {
  for (const c of CASES) {
    it.skipIf(c.skip === true)(`${c.name}: each failure changes nothing, then it succeeds`, () => {
      const m = new Machine(format);
      c.setup?.(m);
      m.kernel.check();
      let k = 0;
      for (; k < 64; k++) {
        const before = m.snapshot();
        const allocationsBefore = m.failing.allocations;
        m.failing.failAfter(k);
        if (failedOutOfMemory(m, () => c.op(m))) {
          expect(machineDifference(before, m.snapshot())).toBeNull();
          m.kernel.check();
          continue;
        }
        // It succeeded with k allocations allowed: it made exactly k.
        expect(m.failing.allocations - allocationsBefore).toBe(k);
        break;
      }
      m.kernel.check();
      if (c.allocations === 'some') expect(k).toBeGreaterThan(0);
      else expect(k).toBe(c.allocations[format]);
    });
  }
});

/** Runs `op` on machines whose region limit grows from `from` until it succeeds. */
function climbRegionLimit(
  format: FormatName,
  setup: (m: Machine) => void,
  op: (m: Machine) => unknown,
): number {
  let refused = 0;
  for (let limit = 1; limit < 40; limit++) {
    let m: Machine;
    try {
      m = new Machine(format, limit);
      setup(m);
    } catch (error) {
      if (error instanceof LimitError || error instanceof OutOfMemoryError) continue;
      throw error;
    }
    m.kernel.check();
    const before = m.snapshot();
    let failed = false;
    try {
      failed = op(m) === 0;
    } catch (error) {
      if (!(error instanceof LimitError || error instanceof OutOfMemoryError)) throw error;
      expect(error.message).toMatch(/region/);
      failed = true;
    }
    if (!failed) return refused;
    expect(machineDifference(before, m.snapshot())).toBeNull();
    m.kernel.check();
    refused++;
  }
  throw new Error('the operation never succeeded');
}

const REGION_CASES: Array<[string, (m: Machine) => void, (m: Machine) => unknown]> = [
  ['mapAnon', (m) => m.touchedBuffer(), (m) => m.a.space.mapAnon(PAGE, { at: OTHER })],
  [
    'protect a middle piece',
    (m) => m.touchedBuffer(),
    (m) => m.a.space.protect(BUFFER + PAGE, PAGE, Protection.Read),
  ],
  ['unmap a middle piece', (m) => m.touchedBuffer(), (m) => m.a.space.unmap(BUFFER + PAGE, PAGE)],
  [
    'IPC move send',
    (m) => m.touchedBuffer(),
    (m) => m.kernel.ipc.move(m.a.pid, m.b.pid, BUFFER + PAGE, PAGE),
  ],
  [
    'IPC share send',
    (m) => m.touchedBuffer(),
    (m) => m.kernel.ipc.share(m.a.pid, m.b.pid, BUFFER + PAGE, PAGE),
  ],
  [
    'IPC move receive',
    (m) => {
      m.touchedBuffer();
      m.kernel.ipc.move(m.a.pid, m.a.pid, BUFFER, PAGE);
    },
    (m) => m.kernel.ipc.receive(m.a.pid, { at: OTHER }),
  ],
  ['malloc', (m) => m.touchedBuffer(), (m) => m.heapA.malloc(100)],
];

describe.each<FormatName>([...FORMATS])('the region limit just too low, on %s', (format) => {
  for (const [name, setup, op] of REGION_CASES) {
    it(`${name}: refused at every lower limit with nothing changed`, () => {
      expect(climbRegionLimit(format, setup, op)).toBeGreaterThan(0);
    });
  }
});

describe.each<FormatName>([...FORMATS])('a frame at its reference-count limit, on %s', (format) => {
  /** Fills a's first buffer frame's count to the maximum, with the extra holders registered. */
  function saturate(m: Machine): { pa: number; drop(): void } {
    // Read-only: a writable entry with other holders would break copy-on-write.
    m.touchedBuffer(Protection.Read);
    const pa = m.a.space.access(BUFFER, 0) & ~(PAGE - 1);
    let extra = 0;
    m.kernel.addHolderCounter((counts) => {
      counts[pa / PAGE] += extra;
    });
    while (m.kernel.pmm.refCountOf(pa) < MAX_REF_COUNT) {
      m.kernel.pmm.retain(pa);
      extra++;
    }
    return {
      pa,
      drop: () => {
        m.kernel.pmm.release(pa);
        extra--;
      },
    };
  }

  const ops: Array<[string, (m: Machine) => unknown]> = [
    ['fork', (m) => m.kernel.fork(m.a.pid)],
    ['IPC copy send', (m) => m.kernel.ipc.copy(m.a.pid, m.b.pid, BUFFER, PAGE)],
    ['IPC share send', (m) => m.kernel.ipc.share(m.a.pid, m.b.pid, BUFFER, PAGE)],
  ];
  for (const [name, op] of ops) {
    it(`${name} is refused with LimitError and nothing changed, then succeeds one holder lower`, () => {
      const m = new Machine(format);
      const frame = saturate(m);
      m.kernel.check();
      const before = m.snapshot();
      expect(() => op(m)).toThrow(LimitError);
      expect(machineDifference(before, m.snapshot())).toBeNull();
      m.kernel.check();
      frame.drop();
      op(m);
      expect(m.kernel.pmm.refCountOf(frame.pa)).toBe(MAX_REF_COUNT);
      m.kernel.check();
    });
  }

  it('mapPhys of a direct frame at the limit is refused, then succeeds one holder lower', () => {
    const m = new Machine(format);
    const pa = m.kernel.pmm.allocFrame();
    let extra = 0;
    m.kernel.addHolderCounter((counts) => {
      counts[pa / PAGE] += extra;
    });
    while (m.kernel.pmm.refCountOf(pa) < MAX_REF_COUNT) {
      m.kernel.pmm.retain(pa);
      extra++;
    }
    const before = m.snapshot();
    expect(() => m.a.space.mapPhys(pa, PAGE, { at: OTHER })).toThrow(LimitError);
    expect(machineDifference(before, m.snapshot())).toBeNull();
    m.kernel.pmm.release(pa);
    extra--;
    expect(m.a.space.mapPhys(pa, PAGE, { at: OTHER })).toBe(OTHER);
    m.kernel.check();
  });
});

describe.each<FormatName>([...FORMATS])('a full mailbox, on %s', (format) => {
  for (const kind of ['copy', 'move', 'share'] as const) {
    it(`a ${kind} to it is refused with nothing changed until a message is received`, () => {
      const m = new Machine(format);
      m.touchedBuffer();
      for (let k = 0; k < 3; k++) m.kernel.ipc.copy(m.a.pid, m.b.pid, BUFFER + k * PAGE, 10);
      const before = m.snapshot();
      let refusal: unknown;
      try {
        m.kernel.ipc.send(m.a.pid, m.b.pid, BUFFER + 4 * PAGE, PAGE, kind);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(MailboxFullError);
      expect((refusal as PageframeError).message).toBe(
        `${kind} ${hex(BUFFER + 4 * PAGE)}+4096 from ${m.a.pid} to ${m.b.pid}: the mailbox of process ${m.b.pid} is full (3 messages waiting)`,
      );
      expect(machineDifference(before, m.snapshot())).toBeNull();
      m.kernel.ipc.receive(m.b.pid, { at: OTHER });
      expect(m.kernel.ipc.send(m.a.pid, m.b.pid, BUFFER + 4 * PAGE, PAGE, kind)).toBe(4);
      m.kernel.check();
    });
  }
});
