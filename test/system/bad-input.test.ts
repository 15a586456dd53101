/**
 * Every kind of bad input the API takes (and the command line, through bin/pageframe.js): each
 * gets a typed error (a PageframeError subclass) with a message naming what was wrong, and leaves
 * the whole machine exactly as it was (machineSnapshot). docs/testing.md lists the kinds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AddressRangeError,
  AlignmentError,
  BusyError,
  DoubleFreeError,
  InvalidArgumentError,
  LimitError,
  NotAllocatedError,
  PageframeError,
} from '../../src/common/errors.js';
import { Heap } from '../../src/heap/heap.js';
import { FreedBlockError, InteriorPointerError } from '../../src/heap/heap-errors.js';
import { KernelHeap } from '../../src/heap/kernel-heap.js';
import { NoSuchMailboxError } from '../../src/ipc/errors.js';
import type { TransferKind } from '../../src/ipc/message.js';
import { UnknownProcessError } from '../../src/kernel/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { Process } from '../../src/kernel/process.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import type { FrameUse } from '../../src/phys/frame-table.js';
import { ProtectionError, SegmentationFaultError } from '../../src/vm/errors.js';
import { Protection } from '../../src/vm/region-types.js';
import { machineDifference, machineSnapshot } from './snapshot.js';

const PAGE = 4096;
const BUFFER = 0x800000;
const READ_ONLY = 0x900000;
const SEALED = 0x910000;
const NO_ACCESS = 0x920000;
const PHYS = 0x930000;
const FREE = 0xa00000;

/** A machine with one of everything a bad call could hit. */
class Machine {
  readonly kernel: Kernel;
  readonly a: Process;
  readonly b: Process;
  readonly heap: Heap;
  readonly kheap: KernelHeap;
  readonly block: number;
  readonly freed: number;
  readonly direct: number;

  constructor(format: FormatName) {
    const kernel = new Kernel({ format, ramBytes: 8 << 20, maxProcesses: 2, mailboxDepth: 2 });
    this.kernel = kernel;
    this.a = kernel.createProcess('a');
    this.b = kernel.createProcess('b');
    this.b.space.mapAnon(PAGE, { at: BUFFER });
    const space = this.a.space;
    space.mapAnon(4 * PAGE, { at: BUFFER });
    space.fill(BUFFER, 4 * PAGE, 7);
    space.mapAnon(PAGE, { at: READ_ONLY, protection: Protection.Read });
    space.mapAnon(PAGE, { at: SEALED });
    space.fill(SEALED, PAGE, 1);
    kernel.ipc.share(this.a.pid, this.b.pid, SEALED, PAGE);
    space.mapAnon(PAGE, { at: NO_ACCESS, protection: Protection.None });
    this.direct = kernel.pmm.allocFrame();
    space.mapPhys(this.direct, PAGE, { at: PHYS });
    this.heap = new Heap(space, { name: 'heap of a' });
    this.block = this.heap.malloc(100);
    this.freed = this.heap.malloc(200);
    this.heap.free(this.freed);
    this.kheap = new KernelHeap(kernel.kernelSpace);
    this.kheap.kmalloc(64);
  }

  snapshot() {
    return machineSnapshot(this.kernel, { heaps: { a: this.heap, kernel: this.kheap } });
  }
}

type BadCall = [
  kind: string,
  error: abstract new (...args: never[]) => PageframeError,
  message: RegExp,
  call: (m: Machine) => unknown,
];

const API: BadCall[] = [
  // The kernel and its process table.
  ['fork of an unknown pid', UnknownProcessError, /fork.*99/, (m) => m.kernel.fork(99)],
  ['exit of an unknown pid', UnknownProcessError, /exit.*99/, (m) => m.kernel.exit(99)],
  ['lookup of an unknown pid', UnknownProcessError, /no process with pid 99/, (m) => m.kernel.process(99)],
  [
    'a process beyond the table',
    LimitError,
    /process table is full \(2 processes\)/,
    (m) => m.kernel.createProcess('c'),
  ],
  // The physical memory manager.
  [
    'ppm_free of an unaligned address',
    AlignmentError,
    /0x00800123|aligned/,
    (m) => m.kernel.pmm.free(0x800123),
  ],
  [
    'ppm_free of a frame never allocated',
    NotAllocatedError,
    /free: frame 0x007ff000/,
    (m) => m.kernel.pmm.free(0x7ff000),
  ],
  ['ppm_free past the end of RAM', AddressRangeError, /RAM|outside/, (m) => m.kernel.pmm.free(64 << 20)],
  ['ppm_free of a reserved frame', PageframeError, /reserved/, (m) => m.kernel.pmm.free(0)],
  ['ppm_free of a mapped direct frame', BusyError, /holders|mapp/, (m) => m.kernel.pmm.free(m.direct)],
  ['ppm_alloc of zero frames', InvalidArgumentError, /count/, (m) => m.kernel.pmm.allocContiguous(0)],
  [
    'ppm_alloc at a taken frame',
    BusyError,
    /allocAt 0x[0-9a-f]+\+1 frames: .* is in use/,
    (m) => m.kernel.pmm.allocAt(m.direct),
  ],
  ['retain of a free frame', NotAllocatedError, /retain/, (m) => m.kernel.pmm.retain(0x7ff000)],
  ['a frame for an unknown use', InvalidArgumentError, /use/, (m) => m.kernel.pmm.allocFrame(9 as FrameUse)],
  // Address spaces: mmap, munmap, mprotect, mapPhys, seal.
  [
    'mmap of zero bytes',
    InvalidArgumentError,
    /size 0 must be a positive integer/,
    (m) => m.a.space.mapAnon(0),
  ],
  [
    'mmap of a size not a page multiple',
    PageframeError,
    /size 1000 is not a multiple of 4096/,
    (m) => m.a.space.mapAnon(1000),
  ],
  [
    'mmap at an unaligned address',
    AlignmentError,
    /aligned/,
    (m) => m.a.space.mapAnon(PAGE, { at: FREE + 1 }),
  ],
  [
    'mmap in the kernel half',
    AddressRangeError,
    /range|outside/,
    (m) => m.a.space.mapAnon(PAGE, { at: m.kernel.kernelSpace.start }),
  ],
  [
    'mmap over a mapped range',
    BusyError,
    /0x00800000\.\.0x00801000 .*overlaps a region in use/,
    (m) => m.a.space.mapAnon(PAGE, { at: BUFFER }),
  ],
  [
    'mmap with an unknown protection',
    InvalidArgumentError,
    /protection/,
    (m) => m.a.space.mapAnon(PAGE, { protection: 99 }),
  ],
  [
    'mmap with an alignment not a power of two',
    InvalidArgumentError,
    /align/,
    (m) => m.a.space.mapAnon(PAGE, { alignment: 3 * PAGE }),
  ],
  ['munmap at an unaligned address', AlignmentError, /aligned/, (m) => m.a.space.unmap(BUFFER + 8, PAGE)],
  [
    'munmap past the end of the space',
    AddressRangeError,
    /unmap: 0x[0-9a-f]+f000\.\.0x[0-9a-f]+1000 is outside process \d+ \(a\)'s range/,
    (m) => m.a.space.unmap(m.a.space.end - PAGE, 2 * PAGE),
  ],
  [
    'mprotect of a hole',
    NotAllocatedError,
    /not mapped/,
    (m) => m.a.space.protect(FREE, PAGE, Protection.Read),
  ],
  [
    'mprotect of sealed memory to writable',
    ProtectionError,
    /sealed/,
    (m) => m.a.space.protect(SEALED, PAGE, Protection.ReadWrite),
  ],
  [
    'mprotect with an unknown protection',
    InvalidArgumentError,
    /protection/,
    (m) => m.a.space.protect(BUFFER, PAGE, 16),
  ],
  ['seal of a hole', NotAllocatedError, /not mapped/, (m) => m.a.space.seal(FREE, PAGE)],
  [
    'mapPhys of a process frame',
    BusyError,
    /in use by a process/,
    (m) => m.a.space.mapPhys(m.a.space.access(BUFFER) & ~4095, PAGE, { at: FREE }),
  ],
  ['mapPhys of a free frame', BusyError, /is free/, (m) => m.a.space.mapPhys(0x7ff000, PAGE, { at: FREE })],
  [
    'mapPhys of an unaligned address',
    AlignmentError,
    /frame-aligned/,
    (m) => m.a.space.mapPhys(m.direct + 4, PAGE, { at: FREE }),
  ],
  [
    'mapPhys past the end of RAM',
    AddressRangeError,
    /outside RAM/,
    (m) => m.a.space.mapPhys(8 << 20, PAGE, { at: FREE }),
  ],
  // Reads and writes through the MMU.
  [
    'read of unmapped memory',
    SegmentationFaultError,
    /read at 0x00a00000 in process \d+ \(a\): no region maps it/,
    (m) => m.a.space.read(FREE, new Uint8Array(8)),
  ],
  [
    'write to read-only memory',
    SegmentationFaultError,
    /write at 0x00900000 .*does not allow it/,
    (m) => m.a.space.fill(READ_ONLY, 8, 1),
  ],
  [
    'write to sealed memory',
    SegmentationFaultError,
    /write at 0x00910000 .*does not allow it/,
    (m) => m.a.space.fill(SEALED, 8, 1),
  ],
  [
    'read of PROT_NONE memory',
    SegmentationFaultError,
    /read at 0x00920000 .*does not allow it/,
    (m) => m.a.space.read(NO_ACCESS, new Uint8Array(8)),
  ],
  [
    'a write that runs off the end of a mapping',
    SegmentationFaultError,
    /write at 0x00804000 .*no region maps it/,
    (m) => m.a.space.fill(BUFFER + 4 * PAGE - 4, 8, 1),
  ],
  [
    'read at a non-integer address',
    InvalidArgumentError,
    /integer/,
    (m) => m.a.space.read(BUFFER + 0.5, new Uint8Array(8)),
  ],
  [
    'read into a buffer too small',
    InvalidArgumentError,
    /offset 4 and length 8 do not fit a buffer of 8/,
    (m) => m.a.space.read(BUFFER, new Uint8Array(8), 4, 8),
  ],
  // The heap.
  ['free of an interior pointer', InteriorPointerError, /interior pointer/, (m) => m.heap.free(m.block + 8)],
  ['double free', DoubleFreeError, /heap of a: free\(0x/, (m) => m.heap.free(m.freed)],
  [
    'free of a wild pointer',
    PageframeError,
    /free\(0x00a00000\): not an address this heap handed out/,
    (m) => m.heap.free(FREE),
  ],
  ['malloc of a negative size', InvalidArgumentError, /malloc/, (m) => m.heap.malloc(-1)],
  ['malloc of a fractional size', InvalidArgumentError, /malloc/, (m) => m.heap.malloc(1.5)],
  ['malloc beyond the largest allocation', InvalidArgumentError, /malloc/, (m) => m.heap.malloc(2 ** 48)],
  [
    'calloc whose product overflows',
    InvalidArgumentError,
    /overflows/,
    (m) => m.heap.calloc(2 ** 30, 2 ** 30),
  ],
  ['realloc of a freed block', FreedBlockError, /realloc/, (m) => m.heap.realloc(m.freed, 10)],
  [
    'memalign with an alignment not a power of two',
    InvalidArgumentError,
    /power of two/,
    (m) => m.heap.memalign(24, 10),
  ],
  [
    'posix_memalign with an alignment below 8',
    InvalidArgumentError,
    /multiple of 8/,
    (m) => m.heap.posixMemalign(4, 10),
  ],
  [
    'kfree of an interior pointer',
    InteriorPointerError,
    /kernel heap/,
    (m) => m.kheap.kfree(m.kheap.blocks()[0][0] + 16),
  ],
  // IPC.
  [
    'send from an unknown pid',
    NoSuchMailboxError,
    /process 99 has no mailbox/,
    (m) => m.kernel.ipc.copy(99, m.b.pid, BUFFER, 8),
  ],
  [
    'send to an unknown pid',
    NoSuchMailboxError,
    /process 99 has no mailbox/,
    (m) => m.kernel.ipc.copy(m.a.pid, 99, BUFFER, 8),
  ],
  [
    'send of zero bytes',
    InvalidArgumentError,
    /length 0/,
    (m) => m.kernel.ipc.copy(m.a.pid, m.b.pid, BUFFER, 0),
  ],
  [
    'send at a non-integer address',
    InvalidArgumentError,
    /not an integer/,
    (m) => m.kernel.ipc.copy(m.a.pid, m.b.pid, 0.5, 8),
  ],
  [
    'send of an unknown kind',
    InvalidArgumentError,
    /unknown transfer kind/,
    (m) => m.kernel.ipc.send(m.a.pid, m.b.pid, BUFFER, 8, 'teleport' as TransferKind),
  ],
  [
    'move of a partial page',
    AlignmentError,
    /whole pages/,
    (m) => m.kernel.ipc.move(m.a.pid, m.b.pid, BUFFER + 8, PAGE),
  ],
  [
    'send of unmapped memory',
    NotAllocatedError,
    /not mapped/,
    (m) => m.kernel.ipc.copy(m.a.pid, m.b.pid, FREE, 8),
  ],
  ['send of PHYS memory', InvalidArgumentError, /PHYS/, (m) => m.kernel.ipc.copy(m.a.pid, m.b.pid, PHYS, 8)],
  [
    'send of PROT_NONE memory',
    ProtectionError,
    /not readable/,
    (m) => m.kernel.ipc.copy(m.a.pid, m.b.pid, NO_ACCESS, 8),
  ],
  [
    'move of read-only memory',
    ProtectionError,
    /read-only/,
    (m) => m.kernel.ipc.move(m.a.pid, m.b.pid, READ_ONLY, PAGE),
  ],
  [
    'send past the end of the space',
    AddressRangeError,
    /outside/,
    (m) => m.kernel.ipc.copy(m.a.pid, m.b.pid, m.a.space.end - 4, 8),
  ],
  [
    'receive with both at and into',
    InvalidArgumentError,
    /exclude each other/,
    (m) => m.kernel.ipc.receive(m.b.pid, { at: FREE, into: FREE }),
  ],
  [
    'receive of a share into a buffer',
    InvalidArgumentError,
    /'into' is for copies/,
    (m) => m.kernel.ipc.receive(m.b.pid, { into: FREE }),
  ],
  [
    'receive at an occupied address',
    BusyError,
    /0x00800000\.\.0x00801000 in process \d+ \(b\): the range overlaps/,
    (m) => m.kernel.ipc.receive(m.b.pid, { at: BUFFER }),
  ],
  ['receive by an unknown pid', NoSuchMailboxError, /process 99/, (m) => m.kernel.ipc.receive(99)],
  [
    'a mailbox of depth 0',
    InvalidArgumentError,
    /mailboxDepth 0 is not an integer/,
    () => new Kernel({ mailboxDepth: 0 }),
  ],
  // Machine settings.
  [
    'RAM not a multiple of a frame',
    InvalidArgumentError,
    /ramBytes|RAM/,
    () => new Kernel({ ramBytes: 12345 }),
  ],
  [
    'an unknown page-table format',
    InvalidArgumentError,
    /format/,
    () => new Kernel({ format: 'mips' as FormatName }),
  ],
  ['a process table of zero', InvalidArgumentError, /maxProcesses/, () => new Kernel({ maxProcesses: 0 })],
];

describe.each<FormatName>(['i386', 'x86-64', 'sv39'])('bad input to the API on %s', (format) => {
  it.each(API)('%s: a typed error, a clear message, nothing changed', (_kind, errorClass, message, call) => {
    const m = new Machine(format);
    m.kernel.check();
    const before = m.snapshot();
    let thrown: unknown;
    try {
      call(m);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(errorClass);
    expect((thrown as Error).message).toMatch(message);
    expect(machineDifference(before, m.snapshot())).toBeNull();
    m.kernel.check();
  });
});

it(`the API table holds ${API.length} kinds of bad input`, () => {
  expect(API.length).toBeGreaterThanOrEqual(40);
  expect(new Set(API.map(([kind]) => kind)).size).toBe(API.length);
});

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'pageframe-bad-input-'));

function pageframe(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'pageframe.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const CLI: Array<[kind: string, args: string[], message: RegExp]> = [
  ['an unknown command', ['teleport'], /unknown command 'teleport'/],
  ['a scenario file that does not exist', ['run', 'missing.pf'], /missing\.pf/],
  ['a trace file that does not exist', ['replay', 'missing.rep'], /missing\.rep/],
  ['a RAM size that is not a size', ['replay', '--ram', 'lots', 'x.rep'], /lots/],
  ['an unknown paging format', ['replay', '--paging', 'mips', 'x.rep'], /mips/],
  ['a scenario with a syntax error', ['run', 'syntax.pf'], /syntax\.pf:1/],
];

describe('bad input to the command line', () => {
  writeFileSync(join(dir, 'syntax.pf'), 'machine ram ((\n');
  writeFileSync(join(dir, 'x.rep'), '');
  it.each(CLI)('%s: a clear message, no stack trace, a failing status', (_kind, args, message) => {
    const result = pageframe(...args);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
