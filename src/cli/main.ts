/**
 * The `pageframe` command. Each subcommand lives in its own file; this one wires them to
 * commander and turns a thrown error into a message and an exit status.
 */
import { Command, CommanderError, Option } from 'commander';
import { FRAME_SIZE, MAX_PHYSICAL_BYTES } from '../phys/physical-memory.js';
import { PAGING_FORMATS } from '../workload/scenario/ast.js';
import { benchCommand, benchSuiteNames, suitesHelp } from './bench-command.js';
import { DEMO_PATH, demoCommand } from './demo-command.js';
import { registerExec } from './exec-command.js';
import { countOption, showUsageAfterErrors, sizeOption } from './options.js';
import { replayCommand, TRACE_FORMATS } from './replay-command.js';
import { runCommand } from './run-command.js';
import { registerServe } from './serve.js';
import { snapshotCommand } from './snapshot-command.js';
import { registerTrace } from './trace-command.js';

/** RAM a machine can have: what the physical memory manager boots. */
const RAM_RANGE = { min: FRAME_SIZE, max: MAX_PHYSICAL_BYTES, multipleOf: FRAME_SIZE };
/** The heap's slab areas: a power of two from a page to 32 pages. */
const HEAP_AREA_RANGE = { min: FRAME_SIZE, max: 32 * FRAME_SIZE, powerOfTwo: true };
const SEED_RANGE = { min: 0, max: Number.MAX_SAFE_INTEGER };

/** What `buildProgram` needs to know before it runs: the benchmark suites, for `bench --help`. */
export interface ProgramFacts {
  benchSuites?: string[];
}

export function buildProgram(facts: ProgramFacts = {}): Command {
  const program = new Command('pageframe')
    .description(
      'An executable model of an OS memory-management stack: frames, real page tables, a TLB, address spaces, malloc and zero-copy IPC. Scenario language: docs/scenarios.md.',
    )
    .version('0.1.0')
    .showHelpAfterError('(pageframe --help lists the commands)')
    // Usage errors throw (exit status 2) instead of exiting, like every other error here.
    .exitOverride();

  const seed = () =>
    new Option('--seed <n>', 'seed of everything random in the run')
      .argParser(countOption(SEED_RANGE))
      .default(1);

  program
    .command('run')
    .description('run scenario files and print a report; exit status 0 only if every expectation held')
    .argument('<file...>', 'scenario files (docs/scenarios.md); - reads standard input')
    .option('--json', 'print one JSON object with every outcome and report')
    .option('--no-report', 'print only output and failures, not the machine report')
    .option(
      '--check-at-end',
      'run the invariant checker only at `check` and the end (faster for long scenarios)',
    )
    .action(runCommand);

  program
    .command('replay')
    .description(
      'replay an allocation trace through a process heap, checking every payload; print utilization and the report',
    )
    .argument('<file>', 'the trace')
    .addOption(
      new Option('--format <format>', 'trace format (default: from the file extension)').choices(
        TRACE_FORMATS,
      ),
    )
    .option('--json', 'print the result and report as JSON')
    .option('--no-check', 'skip filling and verifying payloads (faster)')
    .option('--no-progress', 'never show the progress bar')
    .option('--bench', 'then measure warm throughput: a warm-up pass, passes without checks for >= 300 ms')
    .option('--ram <size>', 'RAM of the machine: 4K to 4G, whole pages (64M, ...)', sizeOption(RAM_RANGE))
    .addOption(new Option('--paging <format>', 'page-table format').choices(PAGING_FORMATS))
    .option(
      '--heap-area <size>',
      'bytes of each slab area of the heap: a power of two, 4K to 128K',
      sizeOption(HEAP_AREA_RANGE),
    )
    .addOption(seed())
    .action(replayCommand);

  program
    .command('demo')
    .description(
      `run the built-in tour of the memory manager and tell it one line a step (npm start); the scenario is ${DEMO_PATH}`,
    )
    .option('--report', 'show the whole run: every line the tour prints and every report')
    .option('--print', 'print the scenario the tour runs, to read or to edit and run with `pageframe run -`')
    .option('--json', 'print the outcome and report as JSON')
    .action(demoCommand);

  program
    .command('bench')
    .description('run the benchmarks (all suites, or the ones named) and print their figures')
    .argument('[suite...]', 'suites to run (default: all)')
    .option('--json', 'print only the JSON object of figures')
    .addHelpText('after', suitesHelp(facts.benchSuites))
    .action(benchCommand);

  program
    .command('snapshot')
    .description(
      "model a live Linux process: its regions and present pages under each format, page tables against Linux's VmPTE",
    )
    .argument('<pid>', "the process id (or 'self')")
    .option('--out <file>', 'also write the snapshot file (JSON) that scenarios load')
    .option('--json', 'print the report as one JSON object')
    .action(snapshotCommand);

  registerServe(program);
  registerExec(program);
  registerTrace(program);
  showUsageAfterErrors(program);
  return program;
}

try {
  // Only `bench` needs the suites' names; other commands do not load the benchmarks.
  const benchSuites = process.argv[2] === 'bench' ? await benchSuiteNames() : undefined;
  await buildProgram(benchSuites === undefined ? {} : { benchSuites }).parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help, or the version) already.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`pageframe: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
