/**
 * Every scenario in examples/ runs as a test. A file that demonstrates mistakes lists the exact
 * failures it must produce in `# fails: file:line: message` comments; every other file must pass.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/workload/scenario/errors.js';
import { runScenario } from '../../src/workload/scenario/executor.js';
import { parseScenario } from '../../src/workload/scenario/parser.js';

const root = join(import.meta.dirname, '..', '..');

function scenarios(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return scenarios(path);
    return name.endsWith('.pf') ? [path] : [];
  });
}

function failuresOf(text: string, file: string): string[] {
  try {
    // `exec` reads programs (examples/programs/) by paths relative to the repository's root.
    const programs = { read: (path: string) => new Uint8Array(readFileSync(join(root, path))) };
    return runScenario(parseScenario(text, file), { programs }).failures;
  } catch (error) {
    if (error instanceof ScenarioError) return [error.message];
    throw error;
  }
}

describe('examples', () => {
  const files = scenarios(join(root, 'examples'));

  it('has examples', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const path of files) {
    it(relative(root, path), () => {
      const text = readFileSync(path, 'utf8');
      const expected = [...text.matchAll(/^# fails: (.*)$/gm)].map((m) => m[1]);
      expect(failuresOf(text, basename(path))).toEqual(expected);
    });
  }
});
