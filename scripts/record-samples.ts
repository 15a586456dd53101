/**
 * `npm run record:samples`: records real programs found on every Linux machine into
 * recordings/*.rep for the heap benchmark: python3 building and serialising a dictionary, sort
 * of a generated text, and git walking this repository's history. Programs that are missing are
 * skipped with a note.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, haveCompiler, ROOT, record, writeTrace } from './recorder.js';

if (!haveCompiler()) {
  process.stderr.write('no C compiler (cc): cannot build the malloc recorder, nothing recorded\n');
  process.exit(0);
}

const PYTHON = `
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

const lines: string[] = [];
for (let i = 0; i < 40000; i++)
  lines.push(`${(i * 7919) % 100003} line ${i.toString(36)} ${'x'.repeat(i % 40)}`);

const samples: Array<{ name: string; command: string[]; input?: string }> = [
  { name: 'python3', command: ['python3', '-c', PYTHON] },
  { name: 'sort', command: ['sort', '-k1,1n', '-k3'], input: `${lines.join('\n')}\n` },
  { name: 'git', command: ['git', '-C', ROOT, 'log', '--stat', '-n', '200'] },
];

for (const sample of samples) {
  if (spawnSync('which', [sample.command[0]], { stdio: 'ignore' }).status !== 0) {
    process.stderr.write(`${sample.command[0]} not found: skipped\n`);
    continue;
  }
  const recording = record(sample.command, sample.name, { input: sample.input, quiet: true });
  const path = join(ROOT, 'recordings', `${sample.name}.rep`);
  writeTrace(path, recording);
  process.stderr.write(`${describe(`recordings/${sample.name}.rep`, recording)}\n`);
}
