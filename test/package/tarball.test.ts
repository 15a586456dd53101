/**
 * The package as a user gets it: `npm pack`, install the tarball into an empty project, import it
 * with plain Node, type-check a strict TypeScript consumer, run the installed `pageframe`.
 * Slow (it installs from the npm cache or registry), so it runs on CI or with PAGEFRAME_PACK_TEST=1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const run = Boolean(process.env.CI) || process.env.PAGEFRAME_PACK_TEST === '1';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// What a library user writes: boot a machine, touch a page, catch a typed error.
const CONSUMER_JS = `
import { Kernel, PageframeError, PAGE_SIZE } from 'pageframe';
const kernel = new Kernel({ ramBytes: 16 * 1024 * 1024, format: 'x86-64' });
const { space } = kernel.createProcess('consumer');
const va = space.mapAnon(16 * PAGE_SIZE);
space.write(va, new TextEncoder().encode('hello'));
kernel.check();
let typed = false;
try { space.unmap(va + 1, PAGE_SIZE); } catch (error) { typed = error instanceof PageframeError; }
console.log(JSON.stringify({ resident: space.residentBytes(), typed }));
`;

const CONSUMER_TS = `
import { type FormatName, Kernel, type KernelConfig, PageframeError, parseScenario, runScenario } from 'pageframe';
const format: FormatName = 'sv39';
const config: KernelConfig = { ramBytes: 16 * 1024 * 1024, format };
const kernel: Kernel = new Kernel(config);
const pid: number = kernel.createProcess('typed').pid;
const outcome = runScenario(parseScenario('machine ram 1M\\n', 'typed.pf'));
const ok: boolean = outcome.ok && pid > 0 && !(new Error() instanceof PageframeError);
export { ok };
`;

// Strict, with no ambient package types: the declarations must stand on their own, except that
// the emulator-facing API names WebAssembly.Memory, whose type comes from lib DOM (or @types/node).
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: 'ES2022',
    lib: ['ES2022', 'DOM'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: [],
    noEmit: true,
    skipLibCheck: false,
  },
  files: ['consumer.ts'],
};

/** Specifiers a module of the installed package imports, read from its compiled text. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'|^import\s+'([^']+)'/gm)].map(
    (match) => match[1] ?? match[2],
  );
}

/** Every bare package the module graph from `entry` loads. */
function packagesLoadedFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else packages.add(specifier);
    }
  }
  return packages;
}

// Each step spawns Node or npm: generous on a loaded machine.
describe.skipIf(!run)('the packed package', { timeout: 180_000 }, () => {
  let project = '';
  let files: string[] = [];

  beforeAll(() => {
    const work = mkdtempSync(join(tmpdir(), 'pageframe-pack-'));
    // dist/ is fresh (the global setup rebuilt it), so skip prepack's build: rebuilding would
    // rewrite files under the other tests' feet.
    const packed = JSON.parse(
      execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    ) as { filename: string; files: { path: string }[] }[];
    files = packed[0].files.map((file) => file.path);
    project = join(work, 'consumer');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
    );
    execFileSync(
      npm,
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed[0].filename)],
      { cwd: project, encoding: 'utf8', stdio: 'pipe' },
    );
    writeFileSync(join(project, 'consumer.mjs'), CONSUMER_JS);
    writeFileSync(join(project, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG));
  }, 240_000);

  it('ships the compiled library, its declarations, the command and the sources, not tests or benchmarks', () => {
    expect(files).toContain('dist/src/index.js');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('dist/src/index.js.map');
    expect(files).toContain('bin/pageframe.js');
    // Of the example programs (static RISC-V binaries, 420 KiB each) only hello ships built.
    expect(files.filter((path) => path.startsWith('examples/programs/') && !path.endsWith('.c'))).toEqual([
      'examples/programs/hello',
    ]);
    expect(
      files.filter((path) => /^(test|bench|dist\/bench|dist\/scripts|web|node_modules)\//.test(path)),
    ).toEqual([]);
  });

  it('imports with plain node and runs', () => {
    const result = spawnSync(process.execPath, ['consumer.mjs'], { cwd: project, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ resident: 4096, typed: true });
  });

  it('type-checks a strict TypeScript consumer with no ambient package types', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: project,
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('installs no development tool, and the library loads no package at all', () => {
    const installed = readdirSync(join(project, 'node_modules'));
    for (const tool of ['tsx', 'typescript', 'vitest', 'esbuild', 'tinybench', 'fast-check']) {
      expect(installed).not.toContain(tool);
    }
    const main = join(project, 'node_modules', 'pageframe', 'dist', 'src', 'index.js');
    expect(existsSync(main)).toBe(true);
    expect([...packagesLoadedFrom(main)]).toEqual([]);
  });

  it('runs the installed pageframe command', () => {
    const bin = join(project, 'node_modules', '.bin', 'pageframe');
    const help = spawnSync(bin, ['--help'], { cwd: project, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: pageframe');
    const demo = spawnSync(bin, ['demo', '--json'], { cwd: project, encoding: 'utf8' });
    expect(demo.status).toBe(0);
    expect(JSON.parse(demo.stdout).ok).toBe(true);
    const bench = spawnSync(bin, ['bench', 'mmu'], { cwd: project, encoding: 'utf8' });
    expect(bench.status).toBe(2);
    expect(bench.stderr).toContain('the benchmarks run from a checkout of pageframe');
  });
});
