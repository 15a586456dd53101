/**
 * The layering the README's table describes, checked: a layer imports only from the layers below it, the core has no
 * Node imports (it runs in the browser), and web/ uses only the public API.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const LAYERS = ['common', 'phys', 'mmu', 'cpu', 'swap', 'vm', 'heap', 'ipc', 'kernel', 'workload', 'cli'];
const root = join(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(filesUnder(path));
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(
    /(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    found.push(m[1] ?? m[2]);
  }
  return found;
}

describe('architecture', () => {
  const srcFiles = filesUnder(join(root, 'src'));

  it('has source files to check', () => {
    expect(srcFiles.length).toBeGreaterThan(0);
  });

  it('a layer imports only from itself and the layers below it', () => {
    const violations: string[] = [];
    for (const file of srcFiles) {
      const rel = relative(join(root, 'src'), file);
      const layer = rel.split('/')[0];
      const level = LAYERS.indexOf(layer);
      if (level < 0) continue; // src/index.ts, the public API, sits above all layers
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(join(root, 'src'), join(file, '..', spec)).split('/')[0];
        const targetLevel = LAYERS.indexOf(target);
        if (targetLevel < 0 || targetLevel > level) violations.push(`${rel} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the core has no Node imports', () => {
    const violations: string[] = [];
    for (const file of srcFiles) {
      const rel = relative(join(root, 'src'), file);
      if (rel.startsWith('cli/')) continue;
      for (const spec of importsOf(file)) {
        if (spec.startsWith('node:') || ['fs', 'path', 'os', 'child_process', 'process'].includes(spec)) {
          violations.push(`${rel} imports ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('web/ uses only the public API of src/', () => {
    const violations: string[] = [];
    for (const file of filesUnder(join(root, 'web', 'src'))) {
      for (const spec of importsOf(file)) {
        const resolved = relative(root, join(file, '..', spec));
        if (
          spec.startsWith('.') &&
          resolved.startsWith('src/') &&
          resolved !== 'src/index.js' &&
          resolved !== 'src/index.ts'
        ) {
          violations.push(`${relative(root, file)} imports ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
