/**
 * One run of the whole-system model test: random operations over several processes (create, fork,
 * exit, mmap / munmap / mprotect, reads and writes, malloc / free / realloc / calloc, kmalloc,
 * ppm_alloc / free, IPC copy / move / share / receive) on one Kernel, each checked against the
 * reference model, with kernel.check() after every step. Used by model.test.ts and scripts/soak.ts.
 */
import { Random } from '../../src/common/random.js';
import { Heap } from '../../src/heap/heap.js';
import { KernelHeap } from '../../src/heap/kernel-heap.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import type { Process } from '../../src/kernel/process.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { FrameState, FrameUse } from '../../src/phys/frame-table.js';
import type { FrameAllocatorKind } from '../../src/phys/types.js';
import type { AddressSpace } from '../../src/vm/address-space.js';
import { SegmentationFaultError } from '../../src/vm/errors.js';
import type { FailingFrameSource } from '../../src/vm/failing-frame-source.js';
import { reclaimPages } from '../../src/vm/reclaim.js';
import { Protection, RegionFlag } from '../../src/vm/region-types.js';
import {
  anonPage,
  type BlockModel,
  type DirectFrameModel,
  destinationRefusal,
  emptyWindow,
  expectedFault,
  forkBlocks,
  forkWindow,
  type MessageModel,
  PAGE,
  pagesBytes,
  protectRefusal,
  type Refusal,
  rangeFree,
  readWindow,
  sourceRefusal,
  WINDOW,
  WINDOW_PAGES,
  type Window,
  writeWindow,
} from './reference-model.js';
import {
  ALLOCATORS,
  bootModelKernel,
  FORMATS,
  firstDifference,
  KNOWN_BUG_SHARED_AFTER_FORK,
  leftovers,
  MAILBOX_DEPTH,
  MAX_LIVE,
  MODEL_POLICIES,
  ModelViolation,
  Referee,
  readOrFault,
  type SystemModelOptions,
  type SystemModelResult,
} from './system-model.js';

interface HeapModel {
  heap: Heap;
  space: AddressSpace;
  blocks: Map<number, BlockModel>;
}

interface ProcessModel {
  process: Process;
  window: Window;
  heap: HeapModel;
}

const PROTECTIONS = [Protection.None, Protection.Read, Protection.ReadWrite, Protection.All];
const MAX_BLOCKS = 16;
const MAX_DIRECT = 3;
/** On a swap machine the kernel heap grows only below this many live bytes, */
const SWAP_KERNEL_HEAP_BYTES = 16 * 1024;
/** and in requests of at most this many. */
const SWAP_KERNEL_BLOCK = 2048;
/** The largest calloc on a swap machine (a malloc or realloc asks for at most 40 384 bytes). */
const SWAP_MAX_BLOCK = 40 * 1024;
/** Pages reclaim pushes out of a swap machine before its final read of every byte. */
const TEARDOWN_EVICTIONS = 16;

/** Operation kinds and their weights. */
const WEIGHTS: Array<[string, number]> = [
  ['create', 3],
  ['fork', 4],
  ['exit', 3],
  ['mmap', 8],
  ['mapPhys', 2],
  ['munmap', 5],
  ['mprotect', 6],
  ['write', 10],
  ['read', 8],
  ['malloc', 7],
  ['free', 5],
  ['realloc', 4],
  ['calloc', 3],
  ['heapWrite', 6],
  ['heapRead', 4],
  ['ppmAlloc', 1],
  ['ppmFree', 1],
  ['ppmWrite', 1],
  ['send', 9],
  ['receive', 8],
  ['audit', 2],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, w]) => sum + w, 0);

export class ModelRun {
  readonly kernel: Kernel;
  readonly failing: FailingFrameSource;
  readonly referee: Referee;
  private readonly random: Random;
  private readonly injectOneIn: number;
  private readonly live: ProcessModel[] = [];
  private readonly kernelHeap: HeapModel;
  private readonly direct: DirectFrameModel[] = [];
  private readonly queues = new Map<number, MessageModel[]>();
  private readonly byKind: Record<string, number> = {};
  private readonly atBoot: Uint8Array;
  private kernelBlocks = 0;

  constructor(private readonly options: SystemModelOptions) {
    const { kernel, failing } = bootModelKernel(options.format, options.allocator, options.swap);
    this.kernel = kernel;
    this.failing = failing;
    this.random = new Random(options.seed);
    this.injectOneIn = options.injectOneIn ?? 8;
    this.atBoot = Uint8Array.from(kernel.pmm.frames.state, (s) => (s === FrameState.Allocated ? 1 : 0));
    const space = kernel.kernelSpace;
    this.kernelHeap = { heap: new KernelHeap(space), space, blocks: new Map() };
    this.referee = new Referee(kernel, failing, () => this.heapMap());
    this.referee.refusalCheckOneIn = options.refusalCheckOneIn ?? 1;
  }

  run(): SystemModelResult {
    this.referee.operation = 'boot';
    this.guarded('create', () => this.spawn(false));
    for (let step = 1; step <= this.options.ops; step++) {
      this.referee.step = step;
      let pick = this.random.below(TOTAL_WEIGHT);
      let kind = WEIGHTS[0][0];
      for (const [name, weight] of WEIGHTS) {
        if (pick < weight) {
          kind = name;
          break;
        }
        pick -= weight;
      }
      this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
      this.guarded(kind, () => this.apply(kind));
    }
    this.referee.step = this.options.ops + 1;
    this.guarded('teardown', () => this.teardown());
    return {
      ops: this.options.ops,
      refusals: this.referee.refusals,
      injectedFailures: this.referee.injectedFailures,
      byKind: this.byKind,
      evictions: this.kernel.machine.swap?.stats.evictions ?? 0,
      swapIns: this.kernel.machine.swap?.device.reads ?? 0,
      reclaimedRefusals: this.referee.reclaimedRefusals,
      kernelBlocks: this.kernelBlocks,
    };
  }

  /** Runs a step and the checks after it; any failure becomes a ModelViolation naming the step. */
  private guarded(kind: string, body: () => void): void {
    this.referee.operation = kind;
    try {
      body();
      this.kernel.check();
      for (const d of this.direct) {
        const mappings = this.live.reduce(
          (n, p) => n + p.window.filter((page) => page?.direct === d).length,
          0,
        );
        const count = this.kernel.pmm.refCountOf(d.pa);
        if (count !== 1 + mappings)
          throw this.referee.violation(
            `direct frame ${d.pa} has reference count ${count}, expected ${1 + mappings}`,
          );
      }
    } catch (error) {
      if (error instanceof ModelViolation) throw error;
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw this.referee.violation(text);
    }
  }

  private heapMap(): Map<string, Heap> {
    const map = new Map<string, Heap>([['kernel', this.kernelHeap.heap]]);
    for (const p of this.live) map.set(`process ${p.process.pid}`, p.heap.heap);
    return map;
  }

  private inject(): number {
    return this.random.below(this.injectOneIn) === 0 ? this.random.below(6) : -1;
  }

  private anyProcess(): ProcessModel {
    return this.live[this.random.below(this.live.length)];
  }

  private describe(text: string): void {
    this.referee.operation = text;
  }

  private expect(condition: boolean, detail: string): void {
    if (!condition) throw this.referee.violation(detail);
  }

  /** Each kind's step. */
  private readonly handlers: Record<string, () => void> = {
    create: () => this.spawn(),
    fork: () => this.fork(),
    exit: () => this.exit(),
    mmap: () => this.mmap(),
    mapPhys: () => this.mapPhys(),
    munmap: () => this.munmap(),
    mprotect: () => this.mprotect(),
    write: () => this.write(),
    read: () => this.read(),
    malloc: () => this.malloc(false),
    calloc: () => this.malloc(true),
    free: () => this.free(),
    realloc: () => this.realloc(),
    heapWrite: () => this.heapWrite(),
    heapRead: () => this.heapRead(this.pickHeap()),
    ppmAlloc: () => this.ppmAlloc(),
    ppmFree: () => this.ppmFree(),
    ppmWrite: () => this.ppmWrite(),
    send: () => this.send(),
    receive: () => this.receive(),
    audit: () => this.audit(),
  };
  private apply(kind: string): void {
    // The first process's creation may have been stopped by an injected failure.
    if (this.live.length === 0) this.spawn(false);
    this.handlers[kind]();
  }

  // --- processes ---

  private spawn(inject = true): void {
    if (this.live.length >= MAX_LIVE) return;
    this.describe('create');
    const failAfter = inject ? this.inject() : -1;
    const result = this.referee.attempt(null, () => this.kernel.createProcess('model'), failAfter);
    if (!result.ok) return;
    const process = result.value;
    // On a swap machine with a resident limit, one process in three replaces its own pages.
    const limit = this.options.swap?.residentLimit ?? 0;
    if (limit > 0 && process.pid % 3 === 0) this.kernel.setResidentLimit(process.pid, limit);
    const heap = new Heap(process.space, { name: `heap of process ${process.pid}` });
    this.live.push({
      process,
      window: emptyWindow(),
      heap: { heap, space: process.space, blocks: new Map() },
    });
    this.queues.set(process.pid, []);
  }

  private fork(): void {
    if (this.live.length >= MAX_LIVE) return;
    const parent = this.anyProcess();
    const eager = this.random.below(4) === 0;
    this.describe(`fork ${parent.process.pid}${eager ? ' eager' : ''}`);
    const result = this.referee.attempt(
      null,
      () => this.kernel.fork(parent.process.pid, { eager }),
      this.inject(),
    );
    if (!result.ok) return;
    const child = result.value;
    const heap = parent.heap.heap.cloneFor(child.space, `heap of process ${child.pid}`);
    this.live.push({
      process: child,
      window: forkWindow(parent.window),
      heap: { heap, space: child.space, blocks: forkBlocks(parent.heap.blocks) },
    });
    this.queues.set(child.pid, []);
  }

  private exit(): void {
    if (this.live.length <= 1) return;
    const victim = this.anyProcess();
    const pid = victim.process.pid;
    this.describe(`exit ${pid}`);
    this.referee.attempt(null, () => this.kernel.exit(pid));
    this.live.splice(this.live.indexOf(victim), 1);
    this.queues.delete(pid);
    const { state, use, owner } = this.kernel.pmm.frames;
    for (let pfn = 0; pfn < state.length; pfn++) {
      if (state[pfn] === FrameState.Allocated && owner[pfn] === pid && use[pfn] !== FrameUse.User)
        throw this.referee.violation(
          `frame ${pfn * PAGE} (use ${use[pfn]}) of exited process ${pid} is still held`,
        );
    }
  }

  // --- the window: mmap, munmap, mprotect, reads and writes ---

  private range(maxCount: number): { first: number; count: number } {
    const first = this.random.below(WINDOW_PAGES);
    const count = Math.min(1 + this.random.below(maxCount), WINDOW_PAGES - first);
    return { first, count };
  }

  private mmap(): void {
    const p = this.anyProcess();
    const { first, count } = this.range(6);
    const protection = PROTECTIONS[this.random.below(PROTECTIONS.length)];
    const shared = !KNOWN_BUG_SHARED_AFTER_FORK && this.random.below(5) === 0;
    const va = WINDOW + first * PAGE;
    this.describe(
      `mmap ${p.process.pid} ${va.toString(16)}+${count} pages protection ${protection}${shared ? ' shared' : ''}`,
    );
    const expected: Refusal | null = rangeFree(p.window, first, count) ? null : 'BusyError';
    const result = this.referee.attempt(expected, () =>
      p.process.space.mapAnon(count * PAGE, { at: va, protection, flags: shared ? RegionFlag.Shared : 0 }),
    );
    if (!result.ok) return;
    this.expect(result.value === va, `mapAnon returned ${result.value}, expected ${va}`);
    for (let k = first; k < first + count; k++) {
      p.window[k] = { ...anonPage(protection, new Uint8Array(PAGE)), kind: shared ? 'shared' : 'anon' };
    }
  }

  private mapPhys(): void {
    if (this.direct.length === 0) {
      this.ppmAlloc();
      return;
    }
    const p = this.anyProcess();
    const d = this.direct[this.random.below(this.direct.length)];
    const page = this.random.below(WINDOW_PAGES);
    const protection = PROTECTIONS[this.random.below(PROTECTIONS.length)];
    const va = WINDOW + page * PAGE;
    this.describe(`mapPhys ${p.process.pid} ${va.toString(16)} -> ${d.pa.toString(16)}`);
    const expected: Refusal | null = p.window[page] ? 'BusyError' : null;
    const result = this.referee.attempt(expected, () =>
      p.process.space.mapPhys(d.pa, PAGE, { at: va, protection }),
    );
    if (!result.ok) return;
    p.window[page] = { protection, data: d.data, kind: 'phys', sealed: false, direct: d };
  }

  private munmap(): void {
    const p = this.anyProcess();
    const { first, count } = this.range(8);
    this.describe(`munmap ${p.process.pid} page ${first}+${count}`);
    this.referee.attempt(
      null,
      () => p.process.space.unmap(WINDOW + first * PAGE, count * PAGE),
      this.inject(),
    );
    for (let k = first; k < first + count; k++) p.window[k] = null;
  }

  private mprotect(): void {
    const p = this.anyProcess();
    const { first, count } = this.range(6);
    const protection = PROTECTIONS[this.random.below(PROTECTIONS.length)];
    this.describe(`mprotect ${p.process.pid} page ${first}+${count} to ${protection}`);
    const expected = protectRefusal(p.window, first, count, protection);
    const result = this.referee.attempt(expected, () =>
      p.process.space.protect(WINDOW + first * PAGE, count * PAGE, protection),
    );
    if (!result.ok) return;
    for (let k = first; k < first + count; k++)
      (p.window[k] as NonNullable<Window[number]>).protection = protection;
  }

  private byteRange(): { offset: number; length: number } {
    const offset = this.random.below(WINDOW_PAGES * PAGE);
    const length = 1 + this.random.below(this.random.below(4) === 0 ? 3 * PAGE : 64);
    return { offset, length };
  }

  private write(): void {
    const p = this.anyProcess();
    const { offset, length } = this.byteRange();
    const value = 1 + this.random.below(255);
    this.describe(`write ${p.process.pid} ${(WINDOW + offset).toString(16)}+${length} = ${value}`);
    const want = expectedFault(p.window, offset, length, true);
    const failAfter = this.inject();
    const before = want ? this.referee.snapshot() : null;
    let got: SegmentationFaultError | null = null;
    const result = this.referee.attempt(
      null,
      () => {
        try {
          p.process.space.fill(WINDOW + offset, length, value);
        } catch (error) {
          if (!(error instanceof SegmentationFaultError)) throw error;
          got = error;
        }
      },
      failAfter,
    );
    if (!result.ok) return;
    const fault = got as SegmentationFaultError | null;
    const seen = fault ? { address: fault.address, cause: fault.cause } : null;
    this.expect(
      JSON.stringify(seen) === JSON.stringify(want),
      `fault ${JSON.stringify(seen)}, the model expected ${JSON.stringify(want)}`,
    );
    if (want) {
      this.referee.unchanged(before);
      return;
    }
    if (length <= WINDOW_PAGES * PAGE) writeWindow(p.window, offset, new Uint8Array(length).fill(value));
  }

  private read(): void {
    const p = this.anyProcess();
    const { offset, length } = this.byteRange();
    this.describe(`read ${p.process.pid} ${(WINDOW + offset).toString(16)}+${length}`);
    this.checkRead(p, offset, length);
  }

  private checkRead(p: ProcessModel, offset: number, length: number): void {
    const want = expectedFault(p.window, offset, length, false);
    const got = readOrFault(p.process.space, WINDOW + offset, length);
    if (got instanceof SegmentationFaultError) {
      const seen = { address: got.address, cause: got.cause };
      this.expect(
        JSON.stringify(seen) === JSON.stringify(want),
        `read faulted ${JSON.stringify(seen)}, the model expected ${JSON.stringify(want)}`,
      );
      return;
    }
    this.expect(want === null, `read succeeded, the model expected the fault ${JSON.stringify(want)}`);
    const difference = firstDifference(got, readWindow(p.window, offset, length));
    if (difference)
      throw this.referee.violation(`read of ${(WINDOW + offset).toString(16)}+${length}: ${difference}`);
  }

  /** Every readable page of one process's window and every known heap block. */
  private audit(): void {
    const p = this.anyProcess();
    this.describe(`audit ${p.process.pid}`);
    this.auditProcess(p);
  }

  /** Every byte the model knows of process `p`: its window's readable pages and its heap blocks. */
  private auditProcess(p: ProcessModel): void {
    for (let page = 0; page < WINDOW_PAGES; page++) {
      const model = p.window[page];
      if (model && model.protection & (Protection.Read | Protection.Write))
        this.checkRead(p, page * PAGE, PAGE);
    }
    this.heapRead(p.heap, true);
    p.heap.heap.check();
  }

  // --- heaps ---

  /** A heap for the next operation; `grows`: the operation may make the heap bigger. */
  private pickHeap(grows = false): HeapModel {
    if (this.random.below(6) !== 0) return this.anyProcess().heap;
    // Reclaim never takes the kernel heap's pages: on a swap machine's small RAM the kernel heap
    // grows only while it holds little, in blocks of at most SWAP_KERNEL_BLOCK bytes, or a run of
    // them would fill RAM and an allocation the model expects to succeed would fail.
    if (grows && this.options.swap && this.kernelHeapBytes() >= SWAP_KERNEL_HEAP_BYTES) {
      return this.anyProcess().heap;
    }
    return this.kernelHeap;
  }

  /** A request size for heap `h`: small on a swap machine's kernel heap (see pickHeap). */
  private sizeFor(h: HeapModel): number {
    const size = this.size();
    return this.options.swap && h === this.kernelHeap ? Math.min(size, SWAP_KERNEL_BLOCK) : size;
  }

  private kernelHeapBytes(): number {
    let bytes = 0;
    for (const block of this.kernelHeap.blocks.values()) bytes += block.size;
    return bytes;
  }

  private size(): number {
    const r = this.random.below(100);
    if (r < 3) return 0;
    if (r < 55) return 1 + this.random.below(256);
    if (r < 88) return 257 + this.random.below(4096);
    return 16385 + this.random.below(24000);
  }

  private anyBlock(h: HeapModel): number | undefined {
    if (h.blocks.size === 0) return undefined;
    const vas = [...h.blocks.keys()];
    return vas[this.random.below(vas.length)];
  }

  private malloc(zeroed: boolean): void {
    const h = this.pickHeap(true);
    if (h.blocks.size >= MAX_BLOCKS) {
      this.free();
      return;
    }
    const size = this.sizeFor(h);
    let count = zeroed ? 1 + this.random.below(3) : 1;
    // A user copy keeps every page it faults in until it ends, so on a swap machine's small RAM a
    // block is kept under a tenth of it: a copy wider than what reclaim can free is a real
    // OutOfMemoryError, which the model does not predict.
    if (this.options.swap)
      count = Math.max(1, Math.min(count, Math.floor(SWAP_MAX_BLOCK / Math.max(size, 1))));
    const failAfter = zeroed ? this.inject() : -1;
    this.describe(`${zeroed ? `calloc(${count}, ${size})` : `malloc(${size})`} on ${h.heap.name}`);
    const before = failAfter >= 0 ? this.referee.snapshot() : null;
    const result = this.referee.attempt(
      null,
      () => (zeroed ? h.heap.calloc(count, size) : h.heap.malloc(size)),
      failAfter,
    );
    if (!result.ok) return;
    const va = result.value;
    if (va === 0) {
      this.expect(failAfter >= 0, 'returned 0 (out of memory) with no failure injected');
      this.referee.unchanged(before);
      this.referee.injectedFailures++;
      return;
    }
    this.addBlock(h, va, count * size, zeroed ? new Uint8Array(count * size) : null);
    h.heap.check();
  }

  private addBlock(h: HeapModel, va: number, size: number, data: Uint8Array | null): void {
    if (h === this.kernelHeap) this.kernelBlocks++;
    this.expect(va % 16 === 0, `block ${va.toString(16)} is not 16-byte aligned`);
    this.expect(!h.blocks.has(va), `block ${va.toString(16)} handed out twice`);
    for (const [other, b] of h.blocks) {
      const overlaps = va < other + Math.max(b.size, 1) && other < va + Math.max(size, 1);
      this.expect(
        !overlaps,
        `block ${va.toString(16)}+${size} overlaps live block ${other.toString(16)}+${b.size}`,
      );
    }
    this.expect(h.heap.usableSize(va) >= size, `usable size ${h.heap.usableSize(va)} < ${size}`);
    h.blocks.set(va, { size, data });
  }

  private free(): void {
    const h = this.pickHeap();
    const va = this.anyBlock(h);
    if (va === undefined) return;
    this.describe(`free(${va.toString(16)}) on ${h.heap.name}`);
    this.referee.attempt(null, () => h.heap.free(va));
    h.blocks.delete(va);
    h.heap.check();
  }

  private realloc(): void {
    const h = this.pickHeap(true);
    const va = this.anyBlock(h);
    if (va === undefined) return;
    const old = h.blocks.get(va) as BlockModel;
    const size = this.sizeFor(h);
    const failAfter = this.inject();
    this.describe(`realloc(${va.toString(16)}, ${size}) on ${h.heap.name}, was ${old.size}`);
    const before = failAfter >= 0 ? this.referee.snapshot() : null;
    const result = this.referee.attempt(null, () => h.heap.realloc(va, size), failAfter);
    if (!result.ok) return;
    const moved = result.value;
    if (moved === 0 && size > 0) {
      this.expect(failAfter >= 0, 'realloc returned 0 (out of memory) with no failure injected');
      this.referee.unchanged(before);
      this.referee.injectedFailures++;
      return;
    }
    h.blocks.delete(va);
    if (size > 0) {
      this.addBlock(h, moved, size, null);
      if (old.data) {
        // The kept prefix must have survived; bytes past the old size are unspecified.
        this.expectPrefix(h, moved, old.data.subarray(0, Math.min(size, old.size)));
        if (size <= old.size) (h.blocks.get(moved) as BlockModel).data = old.data.slice(0, size);
      }
    }
    h.heap.check();
  }

  private expectPrefix(h: HeapModel, va: number, want: Uint8Array): void {
    const got = new Uint8Array(want.length);
    h.space.read(va, got);
    const difference = firstDifference(got, want);
    if (difference) throw this.referee.violation(`realloc lost the block's bytes: ${difference}`);
  }

  private heapWrite(): void {
    const h = this.pickHeap();
    const va = this.anyBlock(h);
    if (va === undefined) return;
    const block = h.blocks.get(va) as BlockModel;
    const bytes = new Uint8Array(block.size);
    this.random.fill(bytes);
    this.describe(`write block ${va.toString(16)}+${block.size} of ${h.heap.name}`);
    const result = this.referee.attempt(null, () => h.space.write(va, bytes), this.inject());
    if (result.ok) block.data = bytes;
  }

  private heapRead(h: HeapModel, all = false): void {
    const vas = all ? [...h.blocks.keys()] : [this.anyBlock(h)];
    for (const va of vas) {
      if (va === undefined) continue;
      const block = h.blocks.get(va) as BlockModel;
      if (!block.data) continue;
      const got = new Uint8Array(block.size);
      h.space.read(va, got);
      const difference = firstDifference(got, block.data);
      if (difference)
        throw this.referee.violation(`block ${va.toString(16)} of ${h.heap.name}: ${difference}`);
    }
  }

  // --- frames allocated directly (ppm_alloc / ppm_free) ---

  private ppmAlloc(): void {
    if (this.direct.length >= MAX_DIRECT) return;
    this.describe('ppm_alloc');
    const result = this.referee.attempt(null, () => this.kernel.pmm.allocFrame());
    if (!result.ok) return;
    const pa = result.value;
    const bytes = new Uint8Array(PAGE);
    this.kernel.pmm.memory.read(pa, bytes);
    this.expect(
      bytes.every((b) => b === 0),
      `ppm_alloc handed out frame ${pa.toString(16)} not zeroed`,
    );
    this.direct.push({ pa, data: bytes });
  }

  private ppmFree(): void {
    if (this.direct.length === 0) return;
    const d = this.direct[this.random.below(this.direct.length)];
    const mapped = this.live.some((p) => p.window.some((page) => page?.direct === d));
    this.describe(`ppm_free ${d.pa.toString(16)}${mapped ? ' (mapped)' : ''}`);
    const result = this.referee.attempt(mapped ? 'BusyError' : null, () => this.kernel.pmm.free(d.pa));
    if (result.ok) this.direct.splice(this.direct.indexOf(d), 1);
  }

  private ppmWrite(): void {
    if (this.direct.length === 0) return;
    const d = this.direct[this.random.below(this.direct.length)];
    const offset = this.random.below(PAGE);
    const bytes = new Uint8Array(1 + this.random.below(PAGE - offset));
    this.random.fill(bytes);
    this.describe(`kernel writes direct frame ${d.pa.toString(16)}+${offset}`);
    this.kernel.pmm.memory.write(d.pa + offset, bytes);
    d.data.set(bytes, offset);
  }

  // --- IPC ---

  private send(): void {
    const from = this.anyProcess();
    const to = this.anyProcess();
    const kind = (['copy', 'move', 'share'] as const)[this.random.below(3)];
    let offset: number;
    let length: number;
    if (kind === 'copy') {
      ({ offset, length } = this.byteRange());
      length = Math.min(length, WINDOW_PAGES * PAGE - offset);
    } else {
      const { first, count } = this.range(4);
      offset = first * PAGE;
      length = count * PAGE;
    }
    const first = Math.floor(offset / PAGE);
    const pages = Math.ceil((offset + length) / PAGE) - first;
    const queue = this.queues.get(to.process.pid) as MessageModel[];
    const fromPid = from.process.pid;
    const toPid = to.process.pid;
    this.describe(`${kind} ${(WINDOW + offset).toString(16)}+${length} from ${fromPid} to ${toPid}`);
    const expected: Refusal | null =
      queue.length >= MAILBOX_DEPTH ? 'MailboxFullError' : sourceRefusal(from.window, first, pages, kind);
    const result = this.referee.attempt(
      expected,
      () => this.kernel.ipc.send(fromPid, toPid, WINDOW + offset, length, kind),
      this.inject(),
    );
    if (!result.ok) return;
    queue.push({
      id: result.value,
      kind,
      from: fromPid,
      length,
      offset: offset % PAGE,
      pages,
      data: pagesBytes(from.window, first, pages),
    });
    for (let k = first; k < first + pages; k++) {
      const page = from.window[k];
      if (!page) continue;
      if (kind === 'move') from.window[k] = null;
      if (kind === 'share') {
        page.sealed = true;
        page.protection &= ~Protection.Write;
      }
    }
  }

  private receive(): void {
    const p = this.anyProcess();
    const pid = p.process.pid;
    const queue = this.queues.get(pid) as MessageModel[];
    const m = queue[0];
    if (!m) {
      this.describe(`receive ${pid} (empty)`);
      const result = this.referee.attempt(null, () => this.kernel.ipc.receive(pid));
      this.expect(result.ok && result.value === null, 'receive from an empty mailbox returned a message');
      return;
    }
    const useInto = m.kind === 'copy' ? this.random.below(2) === 0 : this.random.below(12) === 0;
    let expected: Refusal | null;
    let options: { at?: number; into?: number };
    let landing: number;
    if (useInto) {
      landing = this.random.below(WINDOW_PAGES * PAGE - m.length + 1);
      options = { into: WINDOW + landing };
      expected = m.kind === 'copy' ? destinationRefusal(p.window, landing, m.length) : 'InvalidArgumentError';
    } else {
      const at = this.random.below(WINDOW_PAGES - m.pages + 1);
      landing = at * PAGE;
      options = { at: WINDOW + landing };
      expected = rangeFree(p.window, at, m.pages) ? null : 'BusyError';
    }
    this.describe(`receive ${pid} message ${m.id} (${m.kind} of ${m.length}) ${JSON.stringify(options)}`);
    const result = this.referee.attempt(expected, () => this.kernel.ipc.receive(pid, options), this.inject());
    if (!result.ok) return;
    const got = result.value;
    const base = WINDOW + landing + (useInto ? 0 : m.offset);
    this.expect(
      got !== null &&
        got.id === m.id &&
        got.kind === m.kind &&
        got.from === m.from &&
        got.length === m.length &&
        got.va === base,
      `received ${JSON.stringify(got)}, expected message ${m.id} at ${base.toString(16)}`,
    );
    queue.shift();
    const payload = m.data.subarray(m.offset, m.offset + m.length);
    if (useInto) {
      writeWindow(p.window, landing, payload);
      return;
    }
    const first = landing / PAGE;
    for (let k = 0; k < m.pages; k++) {
      if (m.kind === 'copy') p.window[first + k] = anonPage(Protection.ReadWrite, new Uint8Array(PAGE));
      else {
        const data = m.data.slice(k * PAGE, (k + 1) * PAGE);
        p.window[first + k] =
          m.kind === 'move' ? anonPage(Protection.ReadWrite, data) : anonPage(Protection.Read, data, true);
      }
    }
    if (m.kind === 'copy') writeWindow(p.window, landing + m.offset, payload);
  }

  // --- the end ---

  private teardown(): void {
    this.describe('teardown');
    // First every byte the model knows, in every space: on a swap machine this reads back what
    // reclaim left on swap, after reclaim has pushed out a few more pages, so that every swap
    // machine ends by bringing pages back (a run whose evicted pages were all freed again would
    // otherwise end with none read back from swap).
    const swap = this.kernel.machine.swap;
    if (swap !== null) reclaimPages(swap, swap.frames, TEARDOWN_EVICTIONS, -1);
    for (const p of this.live) this.auditProcess(p);
    this.heapRead(this.kernelHeap, true);
    this.kernel.check();
    for (const p of this.live.splice(0)) {
      this.kernel.exit(p.process.pid);
      this.kernel.check();
    }
    this.kernelHeap.heap.releaseAll();
    for (const d of this.direct.splice(0)) this.kernel.pmm.free(d.pa);
    this.kernel.check();
    const left = leftovers(this.kernel, this.atBoot);
    if (left) throw this.referee.violation(`after every process exited: ${left}`);
  }
}

/** Runs one machine for `options.ops` operations; throws ModelViolation at the first disagreement. */
export function runSystemModel(options: SystemModelOptions): SystemModelResult {
  return new ModelRun(options).run();
}

/**
 * Whether machine `i` of a campaign runs under memory pressure: one in three, shifted by one
 * every three machines so that, as formats and allocators cycle, every pair gets its swap
 * machines (a plain `i % 3` would give them all to the second format).
 */
export function isSwapMachine(i: number): boolean {
  return (i + Math.floor(i / 3)) % 3 === 1;
}

/** Operations of one machine in a campaign: long enough to grow, short enough to vary machines. */
export const RUN_LENGTH = 2500;

/**
 * The runs of a campaign of `ops` operations from one seed: machines of RUN_LENGTH operations,
 * cycling through every format and allocator, each with a seed of its own derived from `seed`.
 */
export function campaign(
  seed: number,
  ops: number,
  filter: { formats?: readonly FormatName[]; allocators?: readonly FrameAllocatorKind[] } = {},
): SystemModelOptions[] {
  const formats = filter.formats ?? FORMATS;
  const allocators = filter.allocators ?? ALLOCATORS;
  const mixer = new Random(seed);
  const runs: SystemModelOptions[] = [];
  for (let i = 0, left = ops; left > 0; i++, left -= RUN_LENGTH) {
    const run: SystemModelOptions = {
      format: formats[i % formats.length],
      allocator: allocators[Math.floor(i / formats.length) % allocators.length],
      seed: mixer.nextU32(),
      ops: Math.min(RUN_LENGTH, left),
    };
    // One machine in three runs under memory pressure, on a policy the seed picks, with a
    // resident limit on one process in three.
    if (isSwapMachine(i)) {
      const policy = MODEL_POLICIES[mixer.below(MODEL_POLICIES.length)];
      // The policy's own seed comes from the machine's, so random replacement varies by machine.
      run.swap = { policy, residentLimit: 8 + mixer.below(24), policySeed: run.seed % 1_000_003 };
    }
    runs.push(run);
  }
  return runs;
}
