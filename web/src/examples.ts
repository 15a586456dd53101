/**
 * The scenarios of examples/, bundled as text at build time so the page needs no server to read
 * them.
 */
import { DEMO_FILE, DEMO_SCENARIO } from '../../src/index.js';

const files = import.meta.glob('../../examples/*.pf', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

export interface Example {
  /** File name without folder, e.g. "fork-and-share.pf". */
  name: string;
  text: string;
}

/** The built-in demo (what `pageframe demo` runs) first, then examples/ in name order. */
export const EXAMPLES: Example[] = [
  { name: DEMO_FILE, text: DEMO_SCENARIO },
  ...Object.entries(files)
    .map(([path, text]) => ({ name: path.slice(path.lastIndexOf('/') + 1), text }))
    .filter((example) => example.name !== DEMO_FILE)
    .sort((a, b) => a.name.localeCompare(b.name)),
];
