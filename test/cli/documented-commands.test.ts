/**
 * Every command the README and docs/ show in a shell block runs as written on a fresh checkout
 * (after `npm install`), and exits 0. The two that do not end by themselves are left to their own
 * tests: `serve` (test/web/serve.test.ts) and `bench` (minutes long; its suites run in bench/).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, scratch } from './helpers.js';

const LONG_RUNNING = /^(npx )?pageframe (serve|bench)\b|^npm run (ui|bench)\b|^npm (test|install)\b|&&/;

interface Documented {
  file: string;
  command: string;
}

function documentedCommands(): Documented[] {
  const files = ['README.md', ...readdirSync(join(root, 'docs')).map((name) => join('docs', name))];
  const commands: Documented[] = [];
  for (const file of files.filter((name) => name.endsWith('.md'))) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
      for (const line of block[1].split('\n')) {
        const command = line.replace(/\s+#.*$/, '').trim();
        if (/^(npx pageframe|pageframe|npm start|npm run record)\b/.test(command))
          commands.push({ file, command });
      }
    }
  }
  return commands;
}

/** The commands run where a newcomer would: examples/ and recordings/ as in the checkout. */
function prepareFolder(): void {
  symlinkSync(join(root, 'examples'), join(scratch, 'examples'));
  symlinkSync(join(root, 'recordings'), join(scratch, 'recordings'));
}

/**
 * `npm run record` writes into the checkout's recordings/ (where the heap benchmark reads its
 * recorded traces): what it held before is put back afterwards, so a test run leaves the
 * benchmark's recordings as they were (they drifted with every run, and every commit).
 */
function keepRecordings(): () => void {
  const folder = join(root, 'recordings');
  const existed = existsSync(folder);
  const before = new Map<string, Buffer>();
  if (existed) for (const name of readdirSync(folder)) before.set(name, readFileSync(join(folder, name)));
  else mkdirSync(folder); // the scratch folder's recordings/ links to it
  return () => {
    if (!existed) {
      rmSync(folder, { recursive: true, force: true });
      return;
    }
    for (const name of readdirSync(folder))
      if (!before.has(name)) rmSync(join(folder, name), { force: true });
    for (const [name, bytes] of before) writeFileSync(join(folder, name), bytes);
  };
}

function run(command: string): { status: number | null; output: string } {
  const npm = command.startsWith('npm ');
  const shell = npm
    ? command
    : command.replace(/^(npx )?pageframe\b/, `"${process.execPath}" "${join(root, 'bin', 'pageframe.js')}"`);
  const result = spawnSync('sh', ['-c', shell], {
    cwd: npm ? root : scratch,
    encoding: 'utf8',
    timeout: 170_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}`.slice(-2000) };
}

describe('the commands the README and docs show', () => {
  const commands = documentedCommands();

  it('are found: the README shows run, demo, record and replay', () => {
    const readme = commands.filter((c) => c.file === 'README.md').map((c) => c.command);
    expect(readme).toEqual(
      expect.arrayContaining([
        'npx pageframe run examples/*.pf',
        'npm run record -- git log --oneline',
        'npx pageframe replay recordings/git.rep',
      ]),
    );
  });

  it('each run as written and exit 0', { timeout: 600_000 }, () => {
    const restoreRecordings = keepRecordings();
    const ran: string[] = [];
    try {
      prepareFolder();
      for (const { file, command } of commands) {
        if (LONG_RUNNING.test(command)) continue;
        const result = run(command);
        expect(result.status, `${file}: ${command}\n${result.output}`).toBe(0);
        ran.push(command);
      }
    } finally {
      restoreRecordings();
    }
    expect(ran.length).toBeGreaterThanOrEqual(6);
  });
});
