/** Runs the `pageframe` executable as a user does, in a scratch folder, for the CLI's tests. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');
export const scratch = mkdtempSync(join(tmpdir(), 'pageframe-cli-'));

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function pageframe(args: string[], options: { cwd?: string; input?: string } = {}): Ran {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'pageframe.js'), ...args], {
    cwd: options.cwd ?? scratch,
    encoding: 'utf8',
    timeout: 60_000,
    input: options.input ?? '',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Writes a file into the scratch folder and returns its name there. */
export function scratchFile(name: string, text: string): string {
  writeFileSync(join(scratch, name), text);
  return name;
}
