/**
 * `npm run bench -- [suite...]`: runs benchmark suites and prints, as its last line, one JSON
 * object with every suite's figures (the whole object, keyed by suite, when several run).
 * Each suite module exports `run(): Promise<Record<string, number | string | object>>`.
 */
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
};

export async function runSuites(names: string[], log: (line: string) => void): Promise<Figures> {
  const chosen = names.length > 0 ? names : Object.keys(SUITES);
  for (const name of chosen) {
    if (!SUITES[name])
      throw new Error(`unknown benchmark suite '${name}' (have: ${Object.keys(SUITES).join(', ')})`);
  }
  const all: Figures = {};
  for (const name of chosen) {
    log(`running ${name}...`);
    const suite = await SUITES[name]();
    all[name] = await suite.run();
  }
  return chosen.length === 1 ? (all[chosen[0]] as Figures) : all;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const figures = await runSuites(process.argv.slice(2), (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
