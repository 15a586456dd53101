/**
 * `npm run soak -- --ops N --seed S [--run K] [--seconds T] [--jobs J]`: the whole-system model
 * test (test/system/) for N operations from seed S, machine after machine over every format and
 * allocator; --seconds stops after the machine running at T seconds. Prints progress to stderr
 * and, last, one JSON line; on a violation it prints the seed, the run and the failing step, and
 * exits 1. The same arguments replay the same operations; --run K replays only run K.
 *
 * --jobs J shares the machines among J processes (machine k goes to process k mod J): each machine
 * is independent of the others, so the operations run are the same for every J, only sooner.
 */
import { spawn } from 'node:child_process';
import { campaign, runSystemModel } from '../test/system/model-run.js';
import { ModelViolation } from '../test/system/system-model.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isSafeInteger(value) || value < 0) {
    process.stderr.write(`soak: --${name} needs a non-negative integer, got '${process.argv[at + 1]}'\n`);
    process.exit(2);
  }
  return value;
}

const ops = option('ops', 100_000);
const seed = option('seed', Date.now() % 2 ** 31);
const only = option('run', -1);
const budget = option('seconds', 0);
const jobs = option('jobs', 1);
// Set only on the processes --jobs starts: this one runs the machines k with k mod of == shard.
const shard = option('shard', 0);
const of = Math.max(option('of', 1), 1);

/** The figures one process adds up; --jobs sums its processes' lines. */
interface SoakTotals {
  ops: number;
  runs: number;
  cpuSeconds: number;
  refusals: number;
  injectedFailures: number;
  evictions: number;
  swapIns: number;
}

function noTotals(): SoakTotals {
  return { ops: 0, runs: 0, cpuSeconds: 0, refusals: 0, injectedFailures: 0, evictions: 0, swapIns: 0 };
}

function report(totals: SoakTotals, seconds: number, extra: Record<string, number> = {}): void {
  process.stdout.write(
    `${JSON.stringify({
      ops: totals.ops,
      violations: 0,
      seed,
      seconds: Number(seconds.toFixed(1)),
      cpuSeconds: Number(totals.cpuSeconds.toFixed(1)),
      runs: totals.runs,
      refusals: totals.refusals,
      injectedFailures: totals.injectedFailures,
      evictions: totals.evictions,
      swapIns: totals.swapIns,
      opsPerSecond: Math.round(totals.ops / seconds),
      microsecondsPerOp: Math.round((totals.cpuSeconds * 1e6) / Math.max(totals.ops, 1)),
      ...extra,
    })}\n`,
  );
}

function runHere(): void {
  const runs = campaign(seed, ops);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const totals = noTotals();
  let lastReport = started;
  const name = of > 1 ? `soak ${shard + 1}/${of}` : 'soak';
  for (let k = shard; k < runs.length; k += of) {
    if (only >= 0 && k !== only) continue;
    const run = runs[k];
    try {
      const result = runSystemModel(run);
      totals.refusals += result.refusals;
      totals.injectedFailures += result.injectedFailures;
      totals.evictions += result.evictions;
      totals.swapIns += result.swapIns;
    } catch (error) {
      const where =
        error instanceof ModelViolation ? `step ${error.step} (${error.operation})` : 'unknown step';
      process.stderr.write(
        `VIOLATION in run ${k} (${run.format}, ${run.allocator}, run seed ${run.seed}) at ${where}:\n${error instanceof Error ? error.message : String(error)}\nreplay: npm run soak -- --ops ${ops} --seed ${seed} --run ${k}\n`,
      );
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `${JSON.stringify({ ops: totals.ops + (error instanceof ModelViolation ? error.step : 0), violations: 1, seed, run: k, format: run.format, allocator: run.allocator, step: error instanceof ModelViolation ? error.step : null, seconds: Number(seconds.toFixed(1)) })}\n`,
      );
      process.exit(1);
    }
    totals.ops += run.ops;
    totals.runs++;
    const now = performance.now();
    if (budget > 0 && now - started > budget * 1000) break;
    if (now - lastReport > 10_000) {
      lastReport = now;
      process.stderr.write(
        `${name}: ${totals.ops} of ${Math.ceil(ops / of)} operations, ${((now - started) / 1000).toFixed(0)} s\n`,
      );
    }
  }
  // CPU time as well as wall time: on a shared machine the wall clock says more about the others.
  const cpu = process.cpuUsage(cpuStarted);
  totals.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  report(totals, (performance.now() - started) / 1000);
}

/** Starts `jobs` copies of this script, each on its share of the machines, and adds up their lines. */
async function runShared(): Promise<void> {
  const started = performance.now();
  const args = process.argv.slice(2);
  const children = Array.from({ length: jobs }, (_, j) =>
    spawn(
      process.execPath,
      [...process.execArgv, process.argv[1], ...args, '--shard', String(j), '--of', String(jobs)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ),
  );
  let stopping = false;
  const lines = await Promise.all(
    children.map(
      (child, j) =>
        new Promise<string>((resolve) => {
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
          });
          // A violation in one process ends the others: its line is the answer.
          child.on('close', (code, signal) => {
            // Stopped by us: another process failed first and this one was sent SIGTERM.
            const stopped = stopping && signal === 'SIGTERM';
            if (code !== 0 && !stopping) {
              stopping = true;
              for (const other of children) if (other !== child) other.kill();
            }
            const last = out.trim().split('\n').at(-1) ?? '';
            // A process that died without its line says how: stopped by us, or crashed (its
            // stack went to stderr above).
            const silent = {
              violations: 1,
              shard: j,
              exit: code ?? signal,
              error: stopped ? 'stopped after another process failed' : 'died without a result line',
            };
            resolve(last.startsWith('{') ? last : JSON.stringify(silent));
          });
        }),
    ),
  );
  const results = lines.map((line) => JSON.parse(line) as SoakTotals & { violations: number });
  // The process that found the violation names it; the ones it stopped print nothing.
  const failed =
    results.find((result) => result.violations !== 0 && 'run' in result) ??
    results.find(
      (result) =>
        result.violations !== 0 &&
        (result as { error?: string }).error !== 'stopped after another process failed',
    );
  if (failed) {
    process.stdout.write(`${JSON.stringify(failed)}\n`);
    process.exit(1);
  }
  const totals = noTotals();
  for (const result of results) {
    for (const key of Object.keys(totals) as (keyof SoakTotals)[]) totals[key] += result[key];
  }
  report(totals, (performance.now() - started) / 1000, { jobs });
}

if (jobs > 1 && of === 1 && only < 0) await runShared();
else runHere();
