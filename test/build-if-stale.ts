/**
 * Vitest global setup: the tests that run the `pageframe` command spawn the compiled CLI
 * (dist/), so rebuild it first when a source file changed since the last build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const STAMP = join(ROOT, 'dist', '.tsbuildinfo');

function newestChange(folder: string): number {
  let newest = statSync(folder).mtimeMs;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const sources = ['src', 'bench', 'scripts'].map((name) => newestChange(join(ROOT, name)));
  sources.push(
    statSync(join(ROOT, 'tsconfig.json')).mtimeMs,
    statSync(join(ROOT, 'tsconfig.build.json')).mtimeMs,
  );
  if (existsSync(STAMP) && statSync(STAMP).mtimeMs >= Math.max(...sources)) return;
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  // tsc leaves the stamp alone when no output changed (a touched file): mark the check done.
  const now = new Date();
  utimesSync(STAMP, now, now);
}
