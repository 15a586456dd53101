/**
 * `npm run bench -- [suite...]` (and `pageframe bench`): runs benchmark suites on the compiled
 * JavaScript and prints one JSON line a suite, `{"suite": name, ...figures, "noise": {...}}`.
 * Each suite module exports `run(): Promise<Record<string, number | string | object>>`.
 */
import { loadavg } from 'node:os';
import { type NoiseReport, startNoiseRecord } from './harness.js';

type Figures = Record<string, unknown>;
type Suite = { run: () => Promise<Figures> };

export const SUITES: Record<string, () => Promise<Suite>> = {
  // One line a suite, in layer order: name -> module with run().
  phys: () => import('./phys.js'),
  mmu: () => import('./mmu.js'),
  cpu: () => import('./cpu.js'),
  vm: () => import('./vm.js'),
  heap: () => import('./heap.js'),
  ipc: () => import('./ipc.js'),
  trace: () => import('./trace.js'),
  swap: () => import('./swap.js'),
  web: () => import('./web.js'),
};

/** One suite's figures and how noisy the machine was while they were taken. */
export interface SuiteResult {
  suite: string;
  figures: Figures;
  noise: NoiseReport & { loadAverage1m: number };
}

/**
 * Runs the named suites (all of them when none is named) one after the other, handing each
 * suite's result to `onSuite` as soon as it is done.
 */
export async function runSuites(
  names: string[],
  log: (line: string) => void,
  onSuite: (result: SuiteResult) => void = () => {},
): Promise<SuiteResult[]> {
  const chosen = names.length > 0 ? names : Object.keys(SUITES);
  for (const name of chosen) {
    if (!SUITES[name])
      throw new Error(`unknown benchmark suite '${name}' (have: ${Object.keys(SUITES).join(', ')})`);
  }
  const results: SuiteResult[] = [];
  for (const name of chosen) {
    log(`running ${name}...`);
    const suite = await SUITES[name]();
    const noise = startNoiseRecord();
    const figures = await suite.run();
    const result = { suite: name, figures, noise: { ...noise.finish(), loadAverage1m: loadavg()[0] } };
    results.push(result);
    onSuite(result);
  }
  return results;
}

/** The JSON line printed for a suite: its name, its figures, then the noise it was measured in. */
export function suiteLine(result: SuiteResult): string {
  return JSON.stringify({ suite: result.suite, ...result.figures, noise: result.noise });
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  await runSuites(
    process.argv.slice(2),
    (line) => process.stderr.write(`${line}\n`),
    (result) => process.stdout.write(`${suiteLine(result)}\n`),
  );
}
