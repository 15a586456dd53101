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

export async function benchCommand(suites: string[], options: { json?: boolean }): Promise<void> {
  // The benchmarks are compiled beside the code (dist/bench) in a checkout; the published
  // package leaves them out, with their development dependencies. Loaded by URL so the layering
  // check (which reads import specifiers) does not mistake bench/ for a layer.
  const file = join(PACKAGE_ROOT, 'dist', 'bench', 'index.js');
  if (!existsSync(file)) {
    throw new Error('the benchmarks run from a checkout of pageframe: `npm install`, then `npm run bench`');
  }
  const bench = (await import(pathToFileURL(file).href)) as BenchModule;
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
