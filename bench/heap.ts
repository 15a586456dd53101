/**
 * `npm run bench -- heap`: replays malloc traces (generated, small programs', and recordings of
 * real programs under recordings/ when `npm run record:samples` made them) through pageframe's heap
 * on a process, through the same heap on its own over an ArrayBuffer (BufferHeap), and through
 * @thi.ng/malloc's MemPool, with the same protocol for each: utilization from one replay, warm
 * throughput from `warmThroughput` (a warm-up pass, then passes for at least 300 ms, each heap
 * emptied between passes by its own free-everything: MemPool's freeAll keeps its buffer, ours
 * keeps every slab emptied, its areas and its large cache), repeated WARM_REPEATS times with
 * fresh heaps: the ratio is the median of the repeats' ratios, the worst beside it.
 *
 * Each allocator is measured in a worker of its own (a V8 isolate with nothing else in it), as a
 * program runs one allocator, and the worker does what `pageframe replay --bench` does: one
 * replay with payloads checked (the utilization figures), then the warm protocol on the same,
 * emptied, allocator. (In one isolate the replay loop's call sites saw every allocator of the
 * suite, their type feedback turned polymorphic, and which allocator that slowed depended on the
 * order.) Even after that replay, the protocol's 300 ms of ours run partly before the JIT has
 * compiled its mapping paths (realloc: 52 ns an operation in the first window, 29 to 33 in the
 * next ones; MemPool 38, then 31 to 33), so each worker runs the protocol twice: the first is the
 * protocol's figure, as `replay --bench` reports it (`vsThing`); the second (`vsThingSteady`) the
 * same allocator once the JIT is done. The same loop with an allocator that does nothing
 * (`replayFloorNs`) is the part of every allocator's time that is the driver's. `passUs` and
 * `thingPassUs` take `realloc`'s time apart (reallocBudget).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { MemPool } from '@thi.ng/malloc';
import { recordSamples, samplePrograms } from '../scripts/recorder.js';
import { BufferHeap } from '../src/heap/buffer-heap.js';
import { Heap } from '../src/heap/heap.js';
import { Kernel } from '../src/kernel/kernel.js';
import { parseRep, RepOp, type RepTrace } from '../src/workload/rep-trace.js';
import { heapAllocator } from '../src/workload/traces/heap-allocator.js';
import {
  type ReplayAllocator,
  type ReplayMemory,
  type ReplayResult,
  replay,
} from '../src/workload/traces/replay.js';
import { residentBound } from '../src/workload/traces/resident-bound.js';
import { generateSmallProgram, SMALL_PROGRAMS } from '../src/workload/traces/small-programs.js';
import { generateTrace, TRACE_PATTERNS } from '../src/workload/traces/trace-generator.js';
import { type WarmSubject, warmThroughput } from '../src/workload/traces/warm-throughput.js';
import { round } from './harness.js';

const POOL_BYTES = 256 * 1024 * 1024;
/** Traces with at least this many operations are "large": the 2 x throughput goal applies. */
const LARGE_TRACE_OPS = 10_000;

export interface BenchTrace {
  trace: RepTrace;
  /** A small program's trace (tens of KiB to a MiB live): the small-program goals apply. */
  small: boolean;
}

export function loadTraces(root = process.cwd()): BenchTrace[] {
  const traces: BenchTrace[] = TRACE_PATTERNS.map((p) => ({ trace: generateTrace(p, 1), small: false }));
  for (const program of SMALL_PROGRAMS) traces.push({ trace: generateSmallProgram(program, 1), small: true });
  const dir = join(root, 'recordings');
  const missing = samplePrograms().some((sample) => !existsSync(join(dir, `${sample.name}.rep`)));
  if (missing) recordSamples((line) => process.stderr.write(`${line}\n`));
  if (existsSync(dir)) {
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.rep')) continue;
      const trace = parseRep(readFileSync(join(dir, file), 'utf8'), `recorded:${file.replace(/\.rep$/, '')}`);
      traces.push({ trace, small: false });
    }
  }
  return traces;
}

/**
 * MemPool through its public interface: its footprint is the highest byte it ever handed out
 * above where its first block went (stats().top at the start), so no private field is read; its
 * blocks' bytes are read and written in its buffer, so its payloads are checked as ours are.
 */
function thingSubject(): WarmSubject & { memory: ReplayMemory } {
  const pool = new MemPool({ size: POOL_BYTES });
  const bytes = new Uint8Array(pool.buf);
  const base = pool.stats().top;
  let highest = base;
  const note = (address: number, size: number) => {
    if (address + size > highest) highest = address + size;
    return address;
  };
  const allocator: ReplayAllocator = {
    malloc: (size) => note(pool.malloc(size), size),
    free: (address) => {
      pool.free(address);
    },
    realloc: (address, size) => note(pool.realloc(address, size), size),
    footprint: () => highest - base,
  };
  const memory: ReplayMemory = {
    read: (address, target, offset = 0, length = target.length - offset) =>
      target.set(bytes.subarray(address, address + length), offset),
    write: (address, source, offset = 0, length = source.length - offset) =>
      bytes.set(source.subarray(offset, offset + length), address),
  };
  return { allocator, reset: () => pool.freeAll(), memory };
}

/** Our heap with what the benchmark checks and gives back: the same shape on a process or a buffer. */
interface HeapSubject extends WarmSubject {
  heap: Heap;
  memory: ReplayMemory;
  /** Gives everything back (and checks that nothing was lost). */
  dispose(): void;
}

/** Our heap on a fresh process of a booted machine (i386 page tables, 512 MiB of RAM). */
function processSubject(): HeapSubject {
  const kernel = new Kernel({ format: 'i386', ramBytes: 512 * 1024 * 1024 });
  const free = kernel.pmm.freeFrames;
  const p = kernel.createProcess('bench');
  const heap = new Heap(p.space);
  return {
    allocator: heapAllocator(heap),
    reset: () => heap.freeAll(),
    heap,
    memory: p.space,
    dispose: () => {
      heap.releaseAll();
      kernel.exit(p.pid);
      if (kernel.pmm.freeFrames !== free) throw new Error('process exit lost frames');
    },
  };
}

/** Our heap on its own over an ArrayBuffer (BufferHeap). */
function bufferSubject(): HeapSubject {
  const heap = new BufferHeap(new ArrayBuffer(POOL_BYTES));
  return {
    allocator: heapAllocator(heap),
    reset: () => heap.freeAll(),
    heap,
    memory: heap.memory,
    dispose: () => heap.releaseAll(),
  };
}

/**
 * Measurements a trace gets, each with fresh heaps, the allocators taken in turn:
 * one sample swings several times over on this shared machine (MemPool's own rate swung 10 x
 * between runs), so the ratio is the median of the repeats' ratios, beside the worst.
 */
const WARM_REPEATS = 3;

/** Whose figures a worker measures; `none` does nothing (the replay loop's own cost). */
type SubjectKind = 'ours' | 'buffer' | 'thing' | 'none';
const SUBJECTS: readonly SubjectKind[] = ['ours', 'buffer', 'thing', 'none'];

/** An allocator that hands out distinct addresses and keeps nothing: the driver's floor. */
function noneSubject(): WarmSubject {
  let next = 0;
  const allocator: ReplayAllocator = {
    malloc: () => (next += 16),
    free: () => {},
    realloc: (address) => address,
    footprint: () => 1, // the driver divides by it; this allocator's utilization is never read
  };
  return { allocator, reset: () => {} };
}

/** What a worker measures: one replay (utilization, payloads checked), then warm throughput. */
interface SubjectFigures {
  result: ReplayResult;
  /** The warm protocol's operations a second (`pageframe replay --bench`'s figure). */
  opsPerSec: number;
  /** The protocol run again on the same allocator: the JIT has compiled what it runs by then. */
  steadyOpsPerSec: number;
}

/** The warm protocol twice on `subject`: as `replay --bench` runs it, then once the JIT is done. */
function warmTwice(trace: RepTrace, subject: WarmSubject): { opsPerSec: number; steadyOpsPerSec: number } {
  const opsPerSec = warmThroughput(trace, subject).opsPerSec;
  return { opsPerSec, steadyOpsPerSec: warmThroughput(trace, subject).opsPerSec };
}

/**
 * What `pageframe replay --bench` does, for each allocator alike: one replay with payloads
 * checked (its utilization; and the JIT sees the allocator's code before it is timed), the
 * allocator emptied, then the warm protocol on it.
 */
function measureSubject(trace: RepTrace, kind: SubjectKind, checked: boolean): SubjectFigures {
  if (kind === 'ours' || kind === 'buffer') {
    const subject = kind === 'ours' ? processSubject() : bufferSubject();
    const { heap } = subject;
    const result = replay(
      trace,
      subject.allocator,
      checked ? { check: subject.memory, alignment: heap.alignment } : {},
    );
    heap.check();
    heap.releaseAll();
    const warm = warmTwice(trace, subject);
    heap.check();
    subject.dispose();
    return { result, ...warm };
  }
  if (kind === 'thing') {
    const subject = thingSubject();
    const result = replay(trace, subject.allocator, checked ? { check: subject.memory, alignment: 8 } : {});
    subject.reset();
    return { result, ...warmTwice(trace, subject) };
  }
  const subject = noneSubject();
  const result = replay(trace, subject.allocator);
  return { result, ...warmTwice(trace, subject) };
}

interface SubjectJob {
  heapSubject: SubjectKind;
  /** Whether the first replay checks payloads (the budget's traces skip it: a 700 000-byte realloc refilled 4 800 times). */
  checked: boolean;
  trace: RepTrace;
}

/** One subject's figures, measured in a worker thread of its own (the trace copied over). */
function measureInWorker(trace: RepTrace, kind: SubjectKind, checked = true): Promise<SubjectFigures> {
  const job: SubjectJob = { heapSubject: kind, trace, checked };
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0)
        reject(new Error(`the ${kind} heap benchmark worker exited with ${code} on ${trace.name}`));
    });
  });
}

if (!isMainThread && parentPort !== null && typeof workerData?.heapSubject === 'string') {
  const job = workerData as SubjectJob;
  parentPort.postMessage(measureSubject(job.trace, job.heapSubject, job.checked));
}

interface TraceFigures {
  ours: ReplayResult;
  standalone: ReplayResult;
  thing: ReplayResult;
  /** Operations a second of each repeat, by subject: the protocol's, and its second run's. */
  warm: Record<SubjectKind, number[]>;
  steady: Record<SubjectKind, number[]>;
}

async function measureTrace(trace: RepTrace): Promise<TraceFigures> {
  const results: Partial<Record<SubjectKind, ReplayResult>> = {};
  const warm: Record<SubjectKind, number[]> = { ours: [], buffer: [], thing: [], none: [] };
  const steady: Record<SubjectKind, number[]> = { ours: [], buffer: [], thing: [], none: [] };
  for (let r = 0; r < WARM_REPEATS; r++) {
    for (const kind of SUBJECTS) {
      const { result, opsPerSec, steadyOpsPerSec } = await measureInWorker(trace, kind);
      // A replay is deterministic: every repeat's utilization is the first's.
      const first = results[kind];
      if (first === undefined) results[kind] = result;
      else if (first.peakFootprint !== result.peakFootprint || first.peakResident !== result.peakResident)
        throw new Error(`${kind} on ${trace.name}: the replay's peaks differ between repeats`);
      warm[kind].push(opsPerSec);
      steady[kind].push(steadyOpsPerSec);
    }
  }
  const { ours, buffer: standalone, thing } = results;
  if (ours === undefined || standalone === undefined || thing === undefined) throw new Error('no replay');
  return { ours, standalone, thing, warm, steady };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * `realloc`'s budget, taken apart: the trace without its reallocs (its malloc and free pairs
 * alone) and with every realloc to one size above the last (the buffer never grows: nothing
 * mapped or copied after its first move), beside the whole, for ours on a process and MemPool.
 * Microseconds a pass, from the protocol's second runs (the JIT done), medians of the repeats:
 * what 2 x would leave ours, and what the calls alone already cost.
 */
const BUDGET_TRACE = 'realloc-1';
const FIXED_REALLOC_BYTES = 700_000;

function withoutReallocs(trace: RepTrace): RepTrace {
  const keep: number[] = [];
  for (let i = 0; i < trace.kinds.length; i++) if (trace.kinds[i] !== RepOp.Realloc) keep.push(i);
  return {
    ...trace,
    name: `${trace.name}/no-reallocs`,
    kinds: Uint8Array.from(keep, (i) => trace.kinds[i]),
    ids: Int32Array.from(keep, (i) => trace.ids[i]),
    sizes: Float64Array.from(keep, (i) => trace.sizes[i]),
  };
}

function withFixedReallocs(trace: RepTrace): RepTrace {
  const sizes = trace.sizes.map((size, i) => (trace.kinds[i] === RepOp.Realloc ? FIXED_REALLOC_BYTES : size));
  return { ...trace, name: `${trace.name}/fixed-reallocs`, sizes };
}

async function passMicroseconds(trace: RepTrace, kind: SubjectKind): Promise<number> {
  const steady: number[] = [];
  for (let r = 0; r < WARM_REPEATS; r++)
    steady.push((await measureInWorker(trace, kind, false)).steadyOpsPerSec);
  return round((trace.kinds.length / median(steady)) * 1e6, 0);
}

async function reallocBudget(trace: RepTrace, log: (line: string) => void): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const part of [trace, withoutReallocs(trace), withFixedReallocs(trace)]) {
    const ours = await passMicroseconds(part, 'ours');
    const thing = await passMicroseconds(part, 'thing');
    figures[`passUs:${part.name}`] = ours;
    figures[`thingPassUs:${part.name}`] = thing;
    log(
      `${part.name.padEnd(28)} ops ${String(part.kinds.length).padStart(6)}  a pass: ours ${ours} us, thing ${thing} us`,
    );
  }
  return figures;
}

export async function run(): Promise<Record<string, number | string>> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const traces = loadTraces();
  log(
    `heap bench: ${traces.length} traces; ours on a process of a booted kernel (i386) and over an ArrayBuffer; @thi.ng/malloc MemPool`,
  );
  const figures: Record<string, number | string> = {};
  const small = { count: 0, util: 0, resident: 0, bound: 0, thing: 0 };
  const large = { count: 0, util: 0, thing: 0 };
  let worstLargeRatio = Number.POSITIVE_INFINITY;
  let worstSmallRatio = Number.POSITIVE_INFINITY;
  let worstLargeRepeat = Number.POSITIVE_INFINITY;
  let worstSmallRepeat = Number.POSITIVE_INFINITY;
  let worstLargeSteady = Number.POSITIVE_INFINITY;
  let worstSmallSteady = Number.POSITIVE_INFINITY;
  let standaloneLogRatio = 0;
  let standaloneUtil = 0;
  for (const { trace, small: isSmall } of traces) {
    const f = await measureTrace(trace);
    const { ours: oursOps, buffer: standaloneOps, thing: thingOps, none: floorOps } = f.warm;
    const ratios = oursOps.map((ops, r) => ops / thingOps[r]);
    const ratio = median(ratios);
    const worstRepeat = Math.min(...ratios);
    const steadyRatio = median(f.steady.ours.map((ops, r) => ops / f.steady.thing[r]));
    const standaloneRatio = median(standaloneOps.map((ops, r) => ops / thingOps[r]));
    const thingSwing = Math.max(...thingOps) / Math.min(...thingOps);
    const ops = trace.kinds.length;
    // The best any allocator of our alignment could be resident in (every block packed, no headers).
    const bound = residentBound(trace, 16).residentUtilization;
    if (isSmall) {
      small.count++;
      small.util += f.ours.utilization;
      small.resident += f.ours.residentUtilization;
      small.bound += bound;
      small.thing += f.thing.utilization;
    } else {
      large.count++;
      large.util += f.ours.utilization;
      large.thing += f.thing.utilization;
    }
    if (ops >= LARGE_TRACE_OPS) {
      worstLargeRatio = Math.min(worstLargeRatio, ratio);
      worstLargeRepeat = Math.min(worstLargeRepeat, worstRepeat);
      worstLargeSteady = Math.min(worstLargeSteady, steadyRatio);
    } else {
      worstSmallRatio = Math.min(worstSmallRatio, ratio);
      worstSmallRepeat = Math.min(worstSmallRepeat, worstRepeat);
      worstSmallSteady = Math.min(worstSmallSteady, steadyRatio);
    }
    standaloneLogRatio += Math.log(standaloneRatio);
    standaloneUtil += f.standalone.utilization;
    log(
      `${trace.name.padEnd(22)} ops ${String(ops).padStart(6)}  util ${f.ours.utilization.toFixed(3)} resident ${f.ours.residentUtilization.toFixed(3)} (bound ${bound.toFixed(3)}) buffer ${f.standalone.utilization.toFixed(3)} thing ${f.thing.utilization.toFixed(3)}  warm ops/s ${fmt(median(oursOps))} buffer ${fmt(median(standaloneOps))} thing ${fmt(median(thingOps))} (${fmt(Math.min(...thingOps)).trim()}-${fmt(Math.max(...thingOps)).trim()}) floor ${fmt(median(floorOps))}  (x${ratio.toFixed(2)}, worst x${worstRepeat.toFixed(2)}, steady x${steadyRatio.toFixed(2)}, buffer x${standaloneRatio.toFixed(2)})`,
    );
    figures[`util:${trace.name}`] = round(f.ours.utilization);
    figures[`residentUtil:${trace.name}`] = round(f.ours.residentUtilization);
    figures[`residentBound:${trace.name}`] = round(bound);
    figures[`bufferUtil:${trace.name}`] = round(f.standalone.utilization);
    figures[`thingUtil:${trace.name}`] = round(f.thing.utilization);
    figures[`vsThing:${trace.name}`] = round(ratio, 2);
    figures[`vsThingWorst:${trace.name}`] = round(worstRepeat, 2);
    figures[`vsThingSteady:${trace.name}`] = round(steadyRatio, 2);
    figures[`thingSwing:${trace.name}`] = round(thingSwing, 2);
    figures[`bufferVsThing:${trace.name}`] = round(standaloneRatio, 2);
    figures[`opsPerSec:${trace.name}`] = Math.round(median(oursOps));
    figures[`thingOpsPerSec:${trace.name}`] = Math.round(median(thingOps));
    figures[`nsPerOp:${trace.name}`] = round(1e9 / median(oursOps), 1);
    figures[`thingNsPerOp:${trace.name}`] = round(1e9 / median(thingOps), 1);
    figures[`replayFloorNs:${trace.name}`] = round(1e9 / median(floorOps), 1);
  }
  const budgetTrace = traces.find(({ trace }) => trace.name === BUDGET_TRACE);
  const budget = budgetTrace === undefined ? {} : await reallocBudget(budgetTrace.trace, log);
  return {
    smallUtilization: round(small.util / small.count),
    smallResidentUtilization: round(small.resident / small.count),
    smallResidentBound: round(small.bound / small.count),
    smallThingUtilization: round(small.thing / small.count),
    largeUtilization: round(large.util / large.count),
    largeThingUtilization: round(large.thing / large.count),
    bufferUtilization: round(standaloneUtil / traces.length),
    worstVsThingLarge: round(worstLargeRatio, 2),
    worstVsThingSmall: round(worstSmallRatio, 2),
    worstVsThingLargeAnyRepeat: round(worstLargeRepeat, 2),
    worstVsThingSmallAnyRepeat: round(worstSmallRepeat, 2),
    worstVsThingLargeSteady: round(worstLargeSteady, 2),
    worstVsThingSmallSteady: round(worstSmallSteady, 2),
    warmRepeats: WARM_REPEATS,
    bufferVsThingGeomean: round(Math.exp(standaloneLogRatio / traces.length), 2),
    traces: traces.length,
    ...budget,
    ...figures,
  };
}

function fmt(opsPerSec: number): string {
  return `${(opsPerSec / 1e6).toFixed(2)}M`.padStart(7);
}
