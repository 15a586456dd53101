/**
 * `npm run record -- [--out FILE] <command...>`: runs the command with the malloc recorder
 * preloaded and writes its allocations as a malloc-lab .rep trace (default
 * recordings/<command>.rep, which `npm run bench -- heap` replays).
 */
import { basename, join } from 'node:path';
import { describe, ROOT, record, writeTrace } from './recorder.js';

const args = process.argv.slice(2);
let out: string | undefined;
if (args[0] === '--out' || args[0] === '-o') {
  out = args[1];
  args.splice(0, 2);
}
if (args.length === 0) {
  process.stderr.write('usage: npm run record -- [--out FILE] <command> [args...]\n');
  process.exit(2);
}
const name = basename(args[0]);
const path = out ?? join(ROOT, 'recordings', `${name}.rep`);
const recording = record(args, name);
writeTrace(path, recording);
process.stderr.write(`${describe(path, recording)}\n`);
if (recording.exitCode !== 0) process.stderr.write(`(the command exited with ${recording.exitCode})\n`);
