/**
 * `pageframe exec [options] PROGRAM [ARGS...]`: runs a static RISC-V Linux program on a machine
 * of the usual kind (Sv39 page tables in RAM, the TLB, the VM's regions), with the command's own
 * standard streams; the exit status is the program's (128 + signal when it was killed). What the
 * run measured goes to --stats, the process report to standard error with --report, and every
 * memory access to --trace-mem in valgrind lackey's format. Nothing else is printed.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { InvariantError } from '../common/errors.js';
import { Hart, type HartContext } from '../cpu/hart.js';
import { LackeyRecorder } from '../cpu/lackey-recorder.js';
import { Kernel } from '../kernel/kernel.js';
import { MAX_SWAP_BYTES } from '../kernel/kernel-config.js';
import { ElfError } from '../kernel/linux/errors.js';
import { LinuxMachine } from '../kernel/linux/linux-machine.js';
import { processReport } from '../kernel/linux/process-report.js';
import { FRAME_SIZE, MAX_PHYSICAL_BYTES } from '../phys/physical-memory.js';
import {
  FutureUnknownError,
  needsFuture,
  POLICY_NAMES,
  type PolicyName,
} from '../swap/policies/replacement-policy.js';
import { NodeExecHost } from './node-exec-host.js';
import { countOption, InputFileError, readInputBytes, sizeOption } from './options.js';

export interface ExecCommandOptions {
  ram?: number;
  /** Bytes of swap (default none). */
  swap?: number;
  policy?: PolicyName;
  stats?: string;
  report?: boolean;
  traceMem?: string;
  traceOut?: string;
  seed?: number;
  maxInstructions?: number;
}

const DEFAULT_RAM = 256 << 20;
const RAM_RANGE = { min: FRAME_SIZE, max: MAX_PHYSICAL_BYTES, multipleOf: FRAME_SIZE };
const SWAP_RANGE = { min: 2 * FRAME_SIZE, max: MAX_SWAP_BYTES, multipleOf: FRAME_SIZE };
const SEED_RANGE = { min: 0, max: 0xffff_ffff };
const BUDGET_RANGE = { min: 1, max: Number.MAX_SAFE_INTEGER };
/** Exit statuses of a shell for a program that cannot run: not found, not executable. */
const STATUS_NOT_FOUND = 127;
const STATUS_CANNOT_RUN = 126;
/** timeout(1)'s status: the instruction budget ran out. */
const STATUS_BUDGET = 124;

export function registerExec(program: Command): void {
  program.enablePositionalOptions();
  program
    .command('exec')
    .description(
      "run a static RISC-V (rv64gc) Linux program on the modelled machine; its exit status is the command's",
    )
    .argument('<program>', 'the ELF executable (examples/programs/hello, ...)')
    .argument('[args...]', 'its arguments')
    .option('--ram <size>', 'RAM of the machine: 4K to 4G, whole pages (default 256M)', sizeOption(RAM_RANGE))
    .option(
      '--swap <size>',
      'a swap device of this size: 8K to 1T, whole pages (default none)',
      sizeOption(SWAP_RANGE),
    )
    .addOption(
      new Option(
        '--policy <name>',
        'the page-replacement policy under --swap (default fifo; opt runs only in `pageframe trace`)',
      ).choices([...POLICY_NAMES]),
    )
    .option('--stats <file>', "write the run's figures as JSON")
    .option('--report', 'print the process report (regions, frames, TLB, page tables) to stderr at exit')
    .option(
      '--trace-out <file>',
      'write every memory access in valgrind lackey format (replay it with `pageframe trace`)',
    )
    .option('--trace-mem <file>', 'the same as --trace-out')
    .addOption(
      new Option('--seed <n>', 'seed of getrandom and AT_RANDOM')
        .argParser(countOption(SEED_RANGE))
        .default(1),
    )
    .addOption(
      new Option('--max-instructions <n>', 'stop after this many instructions').argParser(
        countOption(BUDGET_RANGE),
      ),
    )
    .passThroughOptions()
    .action((path: string, args: string[], options: ExecCommandOptions) => {
      process.exitCode = execCommand(path, args, options);
    });
}

/** Runs the program; returns the exit status. */
export function execCommand(path: string, args: string[], options: ExecCommandOptions): number {
  let image: Uint8Array;
  try {
    image = readInputBytes(path);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    process.stderr.write(`pageframe: ${error.message}\n`);
    // As a shell says it: 127 when there is no such file, 126 when it is there but cannot run.
    return error.systemCode === 'ENOENT' ? STATUS_NOT_FOUND : STATUS_CANNOT_RUN;
  }
  if (options.policy !== undefined && options.swap === undefined) {
    process.stderr.write('pageframe: --policy needs --swap\n');
    return STATUS_CANNOT_RUN;
  }
  if (options.policy !== undefined && needsFuture(options.policy)) {
    // A running program's future accesses are unknown: OPT runs only in trace replay.
    process.stderr.write(`pageframe: ${new FutureUnknownError(options.policy, 'exec --policy').message}\n`);
    return STATUS_CANNOT_RUN;
  }
  const kernel = new Kernel({
    format: 'sv39',
    ramBytes: options.ram ?? DEFAULT_RAM,
    swapBytes: options.swap,
    policy: options.policy,
  });
  const baseline = kernel.pmm.allocatedFrames;
  let hart: Hart | undefined;
  const machine = new LinuxMachine<HartContext>(
    kernel,
    new NodeExecHost(),
    (mmu, memory) => {
      hart = new Hart(mmu, memory);
      return hart;
    },
    { seed: options.seed },
  );
  if (!hart) throw new InvariantError('the hart was not made');
  const environment = Object.entries(process.env).map(([key, value]) => `${key}=${value}`);
  let main: number;
  try {
    main = machine.exec(path, image, [path, ...args], environment, { absolutePath: resolve(path) }).pid;
  } catch (error) {
    if (error instanceof ElfError) {
      process.stderr.write(`pageframe: ${error.message}\n`);
      return STATUS_CANNOT_RUN;
    }
    throw error;
  }
  let report = '';
  if (options.report) {
    kernel.onExit((p) => {
      if (p.pid === main) report = processReport(kernel, p);
    });
  }
  const tracePath = options.traceOut ?? options.traceMem;
  const traceFile = tracePath ? openSync(tracePath, 'w') : -1;
  const trace = tracePath ? new LackeyRecorder((text) => writeSync(traceFile, text)) : undefined;
  if (trace) machine.recordAccesses(trace.record);
  const started = performance.now();
  const finished = machine.run(options.maxInstructions ?? Number.POSITIVE_INFINITY);
  const seconds = (performance.now() - started) / 1000;
  if (trace) {
    trace.flush();
    closeSync(traceFile);
  }
  if (!finished) {
    process.stderr.write(
      `pageframe: stopped after ${machine.counters.instructions} instructions (--max-instructions)\n`,
    );
    for (const p of machine.processes()) if (p.process) machine.terminate(p, 9);
  }
  if (report) process.stderr.write(report);
  kernel.check();
  if (kernel.pmm.allocatedFrames !== baseline) {
    throw new InvariantError(
      `${kernel.pmm.allocatedFrames - baseline} frames were not given back after the program ended`,
    );
  }
  const status = finished ? (machine.exitStatus(main) ?? 1) : STATUS_BUDGET;
  if (options.stats) {
    const c = machine.counters;
    const stats = {
      program: path,
      exitStatus: status,
      instructions: c.instructions,
      seconds,
      mips: seconds > 0 ? c.instructions / seconds / 1e6 : 0,
      pageFaults: c.pageFaults,
      tlbHits: hart.translationHits + kernel.mmu.tlb.hits,
      tlbMisses: kernel.mmu.tlb.misses,
      residentPeakBytes: c.residentPeakBytes,
      pageTableBytes: c.pageTableBytes,
      syscalls: Object.fromEntries([...c.syscalls].sort(([a], [b]) => a.localeCompare(b))),
      unknownSyscalls: Object.fromEntries(c.unknownSyscalls),
      ...swapFigures(kernel),
    };
    writeFileSync(options.stats, `${JSON.stringify(stats, null, 2)}\n`);
  }
  return status;
}

/** With --swap: major faults, the device's reads and writes and the time waiting for it. */
function swapFigures(kernel: Kernel): Record<string, number | object> {
  const swap = kernel.machine.swap;
  if (swap === null) return {};
  const device = swap.device.stats();
  return {
    swapIns: device.reads,
    swapOuts: device.writes,
    evictions: swap.stats.evictions,
    cleanDrops: swap.stats.cleanDrops,
    skipped: swap.stats.skipped,
    swapWaitNs: device.waitNs,
  };
}
