/**
 * `pageframe trace FILE`: replays a memory-access trace (valgrind lackey, or plain `R ADDR` /
 * `W ADDR` lines) through one process of a booted kernel and prints its page faults, swap
 * traffic and TLB hit rate; `--compare` runs every policy at the same resident limit, `--curve
 * FROM..TO` the faults against frames (showing Belady's anomaly when it happens).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { PageframeError } from '../common/errors.js';
import { FRAME_SIZE, MAX_PHYSICAL_BYTES } from '../phys/physical-memory.js';
import { POLICY_NAMES, type PolicyName } from '../swap/policies/replacement-policy.js';
import { PAGING_FORMATS, type PagingFormat } from '../workload/scenario/ast.js';
import type { MemoryTrace } from '../workload/trace/memory-trace.js';
import {
  comparePolicies,
  type FaultCurve,
  faultCurve,
  MAX_CURVE_POINTS,
} from '../workload/trace/trace-comparison.js';
import {
  createTraceParser,
  guessTraceFormat,
  MEMORY_TRACE_FORMATS,
  type MemoryTraceFormat,
} from '../workload/trace/trace-format.js';
import {
  replayTrace,
  type TraceReplayOptions,
  type TraceReplayResult,
} from '../workload/trace/trace-replay.js';
import { countOption, InputFileError, sizeOption } from './options.js';

export interface TraceCommandOptions {
  format?: MemoryTraceFormat;
  policy: PolicyName;
  frames?: number;
  paging: PagingFormat;
  ram?: number;
  swap?: number;
  seed: number;
  json?: boolean;
  compare?: boolean;
  curve?: [number, number];
}

const RAM_RANGE = { min: FRAME_SIZE, max: MAX_PHYSICAL_BYTES, multipleOf: FRAME_SIZE };
const SWAP_RANGE = { min: 0, max: MAX_PHYSICAL_BYTES, multipleOf: FRAME_SIZE };
const FRAMES_RANGE = { min: 1, max: MAX_PHYSICAL_BYTES / FRAME_SIZE };
const SEED_RANGE = { min: 0, max: 0xffff_ffff };
/** Bytes read from the file at a time: the parser streams, so a trace of any length fits. */
const CHUNK_BYTES = 1 << 20;

export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description(
      'replay a memory-access trace through one process of a booted kernel: page faults, swapping, TLB hit rate',
    )
    .argument(
      '<file>',
      'the trace: valgrind lackey output, or one `R ADDR` / `W ADDR` a line (- reads standard input)',
    )
    .addOption(
      new Option('--format <format>', 'trace format (default: from the name or the first line)').choices(
        MEMORY_TRACE_FORMATS,
      ),
    )
    .addOption(
      new Option('--policy <policy>', 'page-replacement policy').choices(POLICY_NAMES).default('fifo'),
    )
    .addOption(
      new Option(
        '--frames <n>',
        'resident limit of the traced process in pages, page tables not counted',
      ).argParser(countOption(FRAMES_RANGE)),
    )
    .addOption(new Option('--paging <format>', 'page-table format').choices(PAGING_FORMATS).default('x86-64'))
    .option('--ram <size>', 'RAM of the machine: 4K to 4G, whole pages (default 64M)', sizeOption(RAM_RANGE))
    .option(
      '--swap <size>',
      'swap device: whole pages up to 4G (default: room for every traced page; 0: none, evicted pages are dropped)',
      sizeOption(SWAP_RANGE),
    )
    .addOption(
      new Option('--seed <n>', "seed of the 'random' policy").argParser(countOption(SEED_RANGE)).default(1),
    )
    .option('--compare', 'replay under every policy and print a table')
    .option(
      '--curve <from..to>',
      'page faults of every policy at each resident limit from FROM to TO frames',
      curveOption,
    )
    .option('--json', 'print one JSON object')
    .action((file: string, options: TraceCommandOptions) => {
      process.exitCode = traceCommand(file, options);
    });
}

/** Runs the command; returns the exit status (1 when the trace cannot be read or replayed). */
export function traceCommand(file: string, options: TraceCommandOptions): number {
  try {
    const { trace, format } = readTrace(file, options.format);
    const replay: TraceReplayOptions = {
      paging: options.paging,
      frames: options.frames,
      ramBytes: options.ram,
      swapBytes: options.swap,
      seed: options.seed,
    };
    const base = { file, format };
    if (options.curve) {
      const [from, to] = options.curve;
      const curve = faultCurve(trace, from, to, replay);
      print(
        options.json
          ? JSON.stringify({ ...base, accesses: trace.count, ...curve })
          : renderCurve(file, curve, options.policy),
      );
    } else if (options.compare) {
      const results = comparePolicies(trace, replay);
      print(options.json ? JSON.stringify({ ...base, compare: results }) : renderComparison(file, results));
    } else {
      const result = replayTrace(trace, { ...replay, policy: options.policy });
      print(options.json ? JSON.stringify({ ...base, ...result }) : renderResult(file, format, result));
    }
    return 0;
  } catch (error) {
    if (!(error instanceof PageframeError)) throw error;
    process.stderr.write(
      `pageframe: ${error instanceof InputFileError ? '' : `${file}: `}${error.message}\n`,
    );
    return 1;
  }
}

/** Streams the file through the parser of its format, a megabyte at a time. */
function readTrace(
  file: string,
  named: MemoryTraceFormat | undefined,
): { trace: MemoryTrace; format: MemoryTraceFormat } {
  let fd: number;
  try {
    fd = file === '-' ? 0 : openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new InputFileError(file, code === 'ENOENT' ? 'no such file' : String(error), code);
  }
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const decoder = new TextDecoder('utf-8');
    let parser: ReturnType<typeof createTraceParser> | undefined;
    let format = named;
    for (;;) {
      let bytes: number;
      try {
        bytes = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (code === 'EAGAIN') continue;
        throw new InputFileError(file, code === 'EISDIR' ? 'it is a directory' : String(error), code);
      }
      const text =
        bytes === 0 ? decoder.decode() : decoder.decode(buffer.subarray(0, bytes), { stream: true });
      if (parser === undefined && (text.length > 0 || bytes === 0)) {
        format ??= guessTraceFormat(file, text);
        parser = createTraceParser(format);
      }
      if (text.length > 0) parser?.push(text);
      if (bytes === 0) break;
    }
    if (parser === undefined || format === undefined) throw new InputFileError(file, 'it is empty');
    return { trace: parser.end(), format };
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

function curveOption(value: string): [number, number] {
  const match = /^(\d+)\.\.(\d+)$/.exec(value.trim());
  const from = match ? Number(match[1]) : Number.NaN;
  const to = match ? Number(match[2]) : Number.NaN;
  if (!(from >= 1 && to >= from && to - from < MAX_CURVE_POINTS)) {
    throw new InvalidArgumentError(
      `Allowed: FROM..TO, whole frame counts with 1 <= FROM <= TO, at most ${MAX_CURVE_POINTS} points`,
    );
  }
  return [from, to];
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)} %`;
}

export function renderResult(file: string, format: MemoryTraceFormat, r: TraceReplayResult): string {
  const limit = r.frames === null ? 'no resident limit' : `${r.frames} frames`;
  return [
    `${file} (${format}): ${r.accesses} accesses to ${r.pages} pages`,
    `policy ${r.policy}, ${limit}, ${r.paging} paging`,
    `page faults  ${r.pageFaults} (${r.majorFaults} major, ${r.minorFaults} minor), fault rate ${percent(r.accesses === 0 ? 0 : r.pageFaults / r.accesses)}`,
    `evictions    ${r.evictions} (swap-outs ${r.swapOuts}, swap-ins ${r.swapIns})${r.refusedEvictions > 0 ? `, ${r.refusedEvictions} refused: swap is full, the limit was exceeded` : ''}`,
    `TLB          ${r.tlbHits} hits, ${r.tlbMisses} misses, hit rate ${percent(r.tlbHitRate)}`,
  ].join('\n');
}

export function renderComparison(file: string, results: TraceReplayResult[]): string {
  const first = results[0];
  const limit = first.frames === null ? 'no resident limit' : `${first.frames} frames`;
  const rows = results.map((r) => [
    r.policy,
    String(r.pageFaults),
    String(r.majorFaults),
    String(r.evictions),
    percent(r.accesses === 0 ? 0 : r.pageFaults / r.accesses),
    percent(r.tlbHitRate),
  ]);
  return [
    `${file}: ${first.accesses} accesses to ${first.pages} pages, ${limit}, ${first.paging} paging`,
    table(['policy', 'faults', 'major', 'evictions', 'fault rate', 'TLB hits'], rows),
  ].join('\n');
}

export function renderCurve(file: string, curve: FaultCurve, chart: PolicyName): string {
  const policies = Object.keys(curve.points[0].faults) as PolicyName[];
  const most = Math.max(1, ...curve.points.map((p) => p.faults[chart]));
  const width = 40;
  const rows = curve.points.map((p) => [
    String(p.frames),
    ...policies.map((policy) => String(p.faults[policy])),
    '#'.repeat(Math.round((p.faults[chart] / most) * width)),
  ]);
  const lines = [
    `${file}: page faults against resident frames (bars: ${chart})`,
    table(['frames', ...policies, ''], rows),
  ];
  if (curve.anomalies.length === 0) lines.push('no anomaly: no policy faulted more with more frames');
  for (const a of curve.anomalies) {
    lines.push(
      `Belady's anomaly: ${a.policy} faults ${a.faults} times with ${a.frames} frames, ${a.fewerFaults} with ${a.fewerFrames}`,
    );
  }
  return lines.join('\n');
}

/** Columns right-aligned to their widest cell, the first left-aligned. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) =>
        c === 0 || (c === cells.length - 1 && header[c] === '')
          ? cell.padEnd(widths[c])
          : cell.padStart(widths[c]),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
