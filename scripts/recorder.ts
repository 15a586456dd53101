/**
 * Builds the malloc recorder (native/malloc-recorder.c, with the machine's `cc`) and records a
 * command's allocations into a .rep trace. Used by `npm run record` and `npm run record:samples`.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatRep } from '../src/workload/rep-trace.js';
import { convertRecordedLog, type RecordedLogResult } from '../src/workload/traces/recorded-log.js';

/** The checkout's root: above scripts/ when run from source, above dist/scripts/ when compiled. */
export const ROOT = findRoot(join(import.meta.dirname, '..'));
const SOURCE = join(ROOT, 'native', 'malloc-recorder.c');
export const LIBRARY = join(ROOT, 'native', 'build', 'libmalloc-recorder.so');

function findRoot(folder: string): string {
  return existsSync(join(folder, 'package.json')) ? folder : findRoot(dirname(folder));
}

/** Whether a C compiler answers to `cc`. */
export function haveCompiler(): boolean {
  return spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Builds the recorder when it is missing or older than its source; returns the library's path. */
export function buildRecorder(force = false): string {
  if (!force && existsSync(LIBRARY) && statSync(LIBRARY).mtimeMs >= statSync(SOURCE).mtimeMs) return LIBRARY;
  if (!haveCompiler()) throw new Error('no C compiler: `cc` is needed to build the malloc recorder');
  mkdirSync(dirname(LIBRARY), { recursive: true });
  const args = ['-O2', '-Wall', '-Wextra', '-shared', '-fPIC', '-o', LIBRARY, SOURCE, '-ldl', '-lpthread'];
  const result = spawnSync('cc', args, { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`cc ${args.join(' ')} failed`);
  return LIBRARY;
}

export interface Recording extends RecordedLogResult {
  exitCode: number | null;
  /** Other processes the command started (recorded in their own logs, not in the trace). */
  children: number;
}

/** Runs `command` with the recorder preloaded and converts the command's own process's log. */
export function record(
  command: string[],
  name: string,
  options: { input?: string; quiet?: boolean } = {},
): Recording {
  const library = buildRecorder();
  const dir = mkdtempSync(join(tmpdir(), 'pageframe-record-'));
  try {
    const prefix = join(dir, 'log');
    const result = spawnSync(command[0], command.slice(1), {
      env: { ...process.env, LD_PRELOAD: library, PAGEFRAME_RECORD: prefix },
      input: options.input,
      stdio: [
        options.input === undefined ? 'inherit' : 'pipe',
        options.quiet ? 'ignore' : 'inherit',
        'inherit',
      ],
      maxBuffer: 1 << 30,
    });
    if (result.error) throw result.error;
    const log = `${prefix}.${result.pid}.log`;
    if (!existsSync(log))
      throw new Error(`the recorder wrote no log for ${command[0]} (is it a static binary?)`);
    const converted = convertRecordedLog(readFileSync(log, 'utf8'), name);
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log'));
    return { ...converted, exitCode: result.status, children: logs.length - 1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writeTrace(path: string, recording: Recording): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, formatRep(recording.trace));
}

export function describe(path: string, r: Recording): string {
  return `${path}: ${r.trace.kinds.length} operations, ${r.trace.idCount} ids, ${r.leaked} blocks never freed, ${r.unknownPointers} unknown pointers${r.children > 0 ? `, ${r.children} child processes not included` : ''}`;
}

const SAMPLE_PYTHON = `
import json, re
words = {}
text = " ".join("word%d other%d" % (i % 997, i % 89) for i in range(60000))
for w in re.findall(r"[a-z]+[0-9]*", text):
    words[w] = words.get(w, 0) + 1
rows = [{"word": w, "count": c, "tags": [w[:3], str(c)]} for w, c in words.items()]
blob = json.dumps(rows)
back = json.loads(blob)
print(len(back), len(blob))
`;

/** The real programs the heap benchmark replays: name, command, standard input. */
export function samplePrograms(): Array<{ name: string; command: string[]; input?: string }> {
  const lines: string[] = [];
  for (let i = 0; i < 40000; i++)
    lines.push(`${(i * 7919) % 100003} line ${i.toString(36)} ${'x'.repeat(i % 40)}`);
  return [
    { name: 'python3', command: ['python3', '-c', SAMPLE_PYTHON] },
    { name: 'sort', command: ['sort', '-k1,1n', '-k3'], input: `${lines.join('\n')}\n` },
    { name: 'git', command: ['git', '-C', ROOT, 'log', '--stat', '-n', '200'] },
  ];
}

/** Records the sample programs into recordings/ (skipping missing ones); returns the paths written. */
export function recordSamples(log: (line: string) => void): string[] {
  if (!haveCompiler()) {
    log('no C compiler (cc): cannot build the malloc recorder, nothing recorded');
    return [];
  }
  const written: string[] = [];
  for (const sample of samplePrograms()) {
    if (spawnSync('which', [sample.command[0]], { stdio: 'ignore' }).status !== 0) {
      log(`${sample.command[0]} not found: skipped`);
      continue;
    }
    const recording = record(sample.command, sample.name, { input: sample.input, quiet: true });
    const path = join(ROOT, 'recordings', `${sample.name}.rep`);
    writeTrace(path, recording);
    log(describe(`recordings/${sample.name}.rep`, recording));
    written.push(path);
  }
  return written;
}
