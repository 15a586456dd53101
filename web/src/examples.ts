/**
 * The scenarios of examples/, bundled as text at build time so the page needs no server to read
 * them.
 */
const files = import.meta.glob('../../examples/*.{pf,txt,scenario}', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

export interface Example {
  /** File name without folder, e.g. "fork-and-share.pf". */
  name: string;
  text: string;
}

export const EXAMPLES: Example[] = Object.entries(files)
  .map(([path, text]) => ({ name: path.slice(path.lastIndexOf('/') + 1), text }))
  .sort((a, b) => a.name.localeCompare(b.name));
