/**
 * The scenarios of examples/ (and its folders), bundled as text at build time so the page needs
 * no server to read them.
 */
import { DEMO_FILE, DEMO_SCENARIO } from '../../src/index.js';

const files = import.meta.glob('../../examples/**/*.pf', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

export interface Example {
  /** Path under examples/, e.g. "ppm-alloc.pf" or "errors/syntax.pf". */
  name: string;
  text: string;
}

/** The built-in demo (what `pageframe demo` runs) first, then examples/ by name. */
export const EXAMPLES: Example[] = [
  { name: DEMO_FILE, text: DEMO_SCENARIO },
  ...Object.entries(files)
    .map(([path, text]) => ({ name: path.slice(path.indexOf('/examples/') + '/examples/'.length), text }))
    .filter((example) => example.name !== DEMO_FILE)
    // Top-level examples first, then folders (errors/ shows how mistakes are reported).
    .sort((a, b) => depth(a.name) - depth(b.name) || a.name.localeCompare(b.name)),
];

function depth(name: string): number {
  return name.split('/').length;
}
