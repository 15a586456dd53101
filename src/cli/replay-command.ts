/**
 * `pageframe replay FILE --format rep`: replays an allocation trace through the heap of one
 * process on a booted machine, checking every payload through the MMU, and prints the
 * utilizations and the machine's report. With `--bench` it then measures warm throughput (a
 * warm-up pass, then passes without payload checks for at least 300 ms). A progress bar goes to
 * stderr when it is a terminal and the trace is long.
 */
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { SingleBar } from 'cli-progress';
import { PageframeError } from '../common/errors.js';
import { opCount, parseRep } from '../workload/rep-trace.js';
import type { MachineReport } from '../workload/report.js';
import { renderReport } from '../workload/report-text.js';
import type { MachineSpec, PagingFormat } from '../workload/scenario/ast.js';
import { ScenarioMachine } from '../workload/scenario/machine.js';
import { heapAllocator } from '../workload/traces/heap-allocator.js';
import { type ReplayAllocator, type ReplayResult, replay } from '../workload/traces/replay.js';
import { type WarmThroughput, warmThroughput } from '../workload/traces/warm-throughput.js';
import { InputFileError, readInputFile } from './options.js';

export const TRACE_FORMATS = ['rep'] as const;

const RECORD_HINT =
  'Traces of real programs are recorded on this machine: `npm run record -- COMMAND...` writes recordings/COMMAND.rep, `npm run record:samples` a few at once.';

/** Traces with at least this many operations get a progress bar (on a terminal). */
const LONG_TRACE_OPS = 20_000;
const PROGRESS_STEP = 1024;

export interface ReplayCommandOptions {
  format?: string;
  json?: boolean;
  seed: number;
  check: boolean;
  ram?: number;
  paging?: PagingFormat;
  heapArea?: number;
  progress: boolean;
  /** Measure warm throughput after the checked replay; its opsPerSec replaces the single pass's. */
  bench?: boolean;
}

export interface ReplayOutcome {
  file: string;
  format: string;
  result: ReplayResult;
  report: MachineReport;
  /** With --bench: the warm passes behind result.opsPerSec. */
  warm?: WarmThroughput;
}

export function replayCommand(file: string, options: ReplayCommandOptions): void {
  const format = options.format ?? extname(file).slice(1);
  if (!(TRACE_FORMATS as readonly string[]).includes(format)) {
    throw new Error(
      `unknown trace format '${format}' for ${file} (have: ${TRACE_FORMATS.join(', ')}); use --format`,
    );
  }
  let text: string;
  try {
    text = readInputFile(file);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    // recordings/ is made on this machine, not shipped: say how.
    const hint = existsSync(file) ? '' : `\n${RECORD_HINT}`;
    process.stderr.write(`${error.message}${hint}\n`);
    process.exitCode = 1;
    return;
  }
  try {
    const outcome = replayText(text, file, options);
    if (options.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
    else process.stdout.write(`${renderReplay(outcome)}\n${renderReport(outcome.report)}`);
    process.exitCode = 0;
  } catch (error) {
    if (!(error instanceof PageframeError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}

export function replayText(text: string, file: string, options: ReplayCommandOptions): ReplayOutcome {
  const trace = parseRep(text, file);
  const spec: MachineSpec = { heap: {}, lines: {} };
  if (options.ram !== undefined) spec.ramBytes = options.ram;
  if (options.paging !== undefined) spec.paging = options.paging;
  if (options.heapArea !== undefined) spec.heap.area = options.heapArea;
  const machine = new ScenarioMachine(spec);
  const process = machine.createProcess('replay');
  process.space.activate();
  const ops = opCount(trace);
  const bar =
    options.progress && globalThis.process.stderr.isTTY && ops >= LONG_TRACE_OPS
      ? new SingleBar({
          format: `${file} [{bar}] {percentage}% {value}/{total} operations`,
          stream: globalThis.process.stderr,
        })
      : undefined;
  const allocator =
    bar === undefined ? heapAllocator(process.heap) : counting(heapAllocator(process.heap), bar);
  bar?.start(ops, 0);
  let result: ReplayResult;
  try {
    result = replay(trace, allocator, {
      seed: options.seed,
      alignment: 16,
      ...(options.check ? { check: process.space } : {}),
    });
  } finally {
    bar?.stop();
  }
  machine.check();
  const report = machine.report();
  if (!options.bench) return { file, format: 'rep', result, report };
  const heap = process.heap;
  heap.releaseAll();
  // Emptied between passes as a program that freed everything: the spare area and large cache stay.
  const warm = warmThroughput(trace, { allocator: heapAllocator(heap), reset: () => heap.freeAll() });
  heap.releaseAll();
  machine.check();
  return { file, format: 'rep', result: { ...result, opsPerSec: warm.opsPerSec }, report, warm };
}

/** Moves the bar as the driver calls the allocator: one call an operation (`f -1` calls nothing). */
function counting(inner: ReplayAllocator, bar: SingleBar): ReplayAllocator {
  let done = 0;
  const tick = () => {
    if (++done % PROGRESS_STEP === 0) bar.update(done);
  };
  return {
    malloc: (size) => {
      tick();
      return inner.malloc(size);
    },
    free: (address) => {
      tick();
      inner.free(address);
    },
    realloc: (address, size) => {
      tick();
      return inner.realloc(address, size);
    },
    footprint: () => inner.footprint(),
    ...(inner.peakFootprint === undefined ? {} : { peakFootprint: () => inner.peakFootprint!() }),
    ...(inner.peakResident === undefined ? {} : { peakResident: () => inner.peakResident!() }),
    ...(inner.metadataBytes === undefined ? {} : { metadataBytes: () => inner.metadataBytes!() }),
  };
}

function renderReplay(o: ReplayOutcome): string {
  const r = o.result;
  const mib = (n: number) =>
    n < 2 ** 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 2 ** 20).toFixed(2)} MiB`;
  return [
    `${o.file}: ${r.ops} operations replayed through the heap of process 'replay'`,
    `  utilization ${(r.utilization * 100).toFixed(1)}%: peak payload ${mib(r.peakPayload)} in a peak footprint of ${mib(r.peakFootprint)}`,
    `  resident utilization ${(r.residentUtilization * 100).toFixed(1)}%: in ${mib(r.peakResident)} of resident pages at the peak`,
    `  bookkeeping outside simulated memory: ${r.metadataBytes} bytes (typed arrays, not in the footprint)`,
    o.warm === undefined
      ? `  ${Math.round(r.opsPerSec)} operations a second (one pass with payload checks, ${r.seconds.toFixed(3)} s)`
      : `  ${Math.round(r.opsPerSec)} operations a second warm (${o.warm.passes} passes without payload checks in ${o.warm.seconds.toFixed(3)} s, after one warm-up pass)`,
    '',
  ].join('\n');
}
