/**
 * The files a scenario can read in the page: the RISC-V programs of examples/programs/ for `exec`,
 * bundled as files beside the page (not in the script: 400 KiB each) and fetched from the page's
 * own folder when a scenario names them, before it is loaded; and snapshot files the user chooses,
 * for `snapshot`. The statements then read them synchronously.
 */
/** What the scenario executor's `exec` reads program files through. */
export interface ProgramFiles {
  read(path: string): Uint8Array | undefined;
}

const urls = import.meta.glob(['../../examples/programs/*', '!../../examples/programs/*.*'], {
  query: '?url',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** Bundled programs by the path scenarios name them with ("examples/programs/hello"). */
const BUNDLED = new Map(Object.entries(urls).map(([key, url]) => [key.slice(key.indexOf('examples/')), url]));
const loaded = new Map<string, Uint8Array>();

function normalize(path: string): string {
  return path.replace(/^\.\//, '');
}

/** What `exec` reads: a bundled program once fetched; nothing else exists in the browser. */
export const PROGRAM_FILES: ProgramFiles = { read: (path) => loaded.get(normalize(path)) };

/** The paths of bundled programs a scenario's `exec` statements name, not fetched yet. */
export function programsToFetch(text: string): string[] {
  const wanted = new Set<string>();
  for (const match of text.matchAll(/\bexec\s+\S+\s+"([^"]+)"/g)) {
    const path = normalize(match[1]);
    if (BUNDLED.has(path) && !loaded.has(path)) wanted.add(path);
  }
  return [...wanted];
}

/** Fetches programs from the page's folder; rejects when one cannot be read. */
export async function fetchPrograms(paths: string[]): Promise<void> {
  await Promise.all(
    paths.map(async (path) => {
      const url = BUNDLED.get(path);
      if (!url) return;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${path}: ${response.status} ${response.statusText}`);
      loaded.set(path, new Uint8Array(await response.arrayBuffer()));
    }),
  );
}

/** Adds a file of the user's (a snapshot chosen in the page) under `path`, for `snapshot` and `exec`. */
export function addFile(path: string, bytes: Uint8Array): void {
  loaded.set(normalize(path), bytes);
}

/** The bundled programs' paths (for the docs and tests). */
export function bundledPrograms(): string[] {
  return [...BUNDLED.keys()].sort();
}
