/**
 * The `pageframe` command. Each subcommand lives in its own file; this one wires them to
 * commander and turns a thrown error into a message and an exit status.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { PAGING_FORMATS } from '../workload/scenario/ast.js';
import { parseNumber } from '../workload/scenario/lexer.js';
import { benchCommand } from './bench-command.js';
import { demoCommand } from './demo-command.js';
import { replayCommand, TRACE_FORMATS } from './replay-command.js';
import { runCommand } from './run-command.js';
import { registerServe } from './serve.js';

function parseSize(value: string): number {
  let size: number;
  try {
    size = parseNumber(value, (reason) => {
      throw new InvalidArgumentError(reason);
    });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw new InvalidArgumentError(String(error));
  }
  return size;
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new InvalidArgumentError('the seed must be a whole number >= 0');
  return seed;
}

export function buildProgram(): Command {
  const program = new Command('pageframe')
    .description(
      'An executable model of an OS memory-management stack: frames, real page tables, a TLB, address spaces, malloc and zero-copy IPC. Scenario language: docs/scenarios.md.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    // Usage errors throw (exit status 2) instead of exiting, like every other error here.
    .exitOverride();

  const seed = () =>
    new Option('--seed <n>', 'seed of everything random in the run').argParser(parseSeed).default(1);

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
    .option('--ram <size>', 'RAM of the machine (4K, 64M, ...)', parseSize)
    .addOption(new Option('--paging <format>', 'page-table format').choices(PAGING_FORMATS))
    .option('--heap-area <size>', 'bytes of each slab area of the heap', parseSize)
    .addOption(seed())
    .action(replayCommand);

  program
    .command('demo')
    .description("boot a default machine, run the tour of the seeds' design, print the report (npm start)")
    .option('--json', 'print the outcome and report as JSON')
    .action(demoCommand);

  program
    .command('bench')
    .description('run the benchmarks (all suites, or the ones named) and print their figures')
    .argument('[suite...]', 'suites to run (default: all)')
    .option('--json', 'print only the JSON object of figures')
    .action(benchCommand);

  registerServe(program);

  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help, or the version) already.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`pageframe: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
