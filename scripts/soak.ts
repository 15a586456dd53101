/**
 * `npm run soak -- --ops N --seed S [--run K] [--seconds T]`: the whole-system model test
 * (test/system/) for N operations from seed S, machine after machine over every format and
 * allocator; --seconds stops after the machine running at T seconds. Prints progress to stderr
 * and, last, one JSON line; on a violation it prints the seed, the run and the failing step, and
 * exits 1. The same arguments replay the same operations; --run K replays only run K.
 */
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
const runs = campaign(seed, ops);
const started = performance.now();
const cpuStarted = process.cpuUsage();
let done = 0;
let machines = 0;
let refusals = 0;
let injectedFailures = 0;
// Over the swap machines (one in three): pages reclaim took out of RAM, and pages read back.
let evictions = 0;
let swapIns = 0;
let lastReport = started;

for (let k = 0; k < runs.length; k++) {
  if (only >= 0 && k !== only) continue;
  const run = runs[k];
  try {
    const result = runSystemModel(run);
    refusals += result.refusals;
    injectedFailures += result.injectedFailures;
    evictions += result.evictions;
    swapIns += result.swapIns;
  } catch (error) {
    const where =
      error instanceof ModelViolation ? `step ${error.step} (${error.operation})` : 'unknown step';
    process.stderr.write(
      `VIOLATION in run ${k} (${run.format}, ${run.allocator}, run seed ${run.seed}) at ${where}:\n${error instanceof Error ? error.message : String(error)}\nreplay: npm run soak -- --ops ${ops} --seed ${seed} --run ${k}\n`,
    );
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `${JSON.stringify({ ops: done + (error instanceof ModelViolation ? error.step : 0), violations: 1, seed, run: k, format: run.format, allocator: run.allocator, step: error instanceof ModelViolation ? error.step : null, seconds: Number(seconds.toFixed(1)) })}\n`,
    );
    process.exit(1);
  }
  done += run.ops;
  machines++;
  const now = performance.now();
  if (budget > 0 && now - started > budget * 1000) break;
  if (now - lastReport > 10_000) {
    lastReport = now;
    process.stderr.write(`soak: ${done} of ${ops} operations, ${((now - started) / 1000).toFixed(0)} s\n`);
  }
}

const seconds = (performance.now() - started) / 1000;
// CPU time as well as wall time: on a shared machine the wall clock says more about the others.
const cpu = process.cpuUsage(cpuStarted);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(
  `${JSON.stringify({ ops: done, violations: 0, seed, seconds: Number(seconds.toFixed(1)), cpuSeconds: Number(cpuSeconds.toFixed(1)), runs: machines, refusals, injectedFailures, evictions, swapIns, opsPerSecond: Math.round(done / seconds), microsecondsPerOp: Math.round((cpuSeconds * 1e6) / Math.max(done, 1)) })}\n`,
);
