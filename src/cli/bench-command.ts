/** `pageframe bench [SUITE...]`: the benchmark suites of bench/, run in this process. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from './package-root.js';

interface SuiteResult {
  suite: string;
  figures: Record<string, unknown>;
}
interface BenchModule {
  SUITES: Record<string, unknown>;
  runSuites(
    names: string[],
    log: (line: string) => void,
    onSuite: (result: SuiteResult) => void,
  ): Promise<SuiteResult[]>;
  suiteLine(result: SuiteResult): string;
}

/**
 * The benchmarks are compiled beside the code (dist/bench) in a checkout; the published package
 * leaves them out, with their development dependencies. Loaded by URL so the layering check
 * (which reads import specifiers) does not mistake bench/ for a layer.
 */
async function loadBench(): Promise<BenchModule | undefined> {
  const file = join(PACKAGE_ROOT, 'dist', 'bench', 'index.js');
  return existsSync(file) ? ((await import(pathToFileURL(file).href)) as BenchModule) : undefined;
}

/** The names of the suites, for `bench --help`; undefined where the benchmarks are not built. */
export async function benchSuiteNames(): Promise<string[] | undefined> {
  const bench = await loadBench();
  return bench === undefined ? undefined : Object.keys(bench.SUITES);
}

/** The part of `bench --help` that lists the suites. */
export function suitesHelp(names: string[] | undefined): string {
  if (names === undefined)
    return '\nThe benchmarks run from a checkout of pageframe: `npm install`, then `npm run bench`.';
  return `\nSuites: ${names.join(', ')}\n(each prints its figures, then one JSON line; \`--json\` prints only the JSON lines)`;
}

export async function benchCommand(suites: string[], options: { json?: boolean }): Promise<void> {
  const bench = await loadBench();
  if (bench === undefined) {
    throw new Error('the benchmarks run from a checkout of pageframe: `npm install`, then `npm run bench`');
  }
  const log = options.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
  await bench.runSuites(suites, log, (result) => {
    if (!options.json) {
      for (const [name, value] of Object.entries(result.figures)) {
        const shown = typeof value === 'object' ? JSON.stringify(value) : String(value);
        process.stdout.write(`${result.suite}.${name}: ${shown}\n`);
      }
    }
    process.stdout.write(`${bench.suiteLine(result)}\n`);
  });
}
