/**
 * The folder of the pageframe package (where package.json is), found from this file's place:
 * src/cli in a checkout run from source, dist/src/cli when compiled. Used by the commands that
 * read files beside the code (the playground, the benchmarks).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let folder = start; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(folder) === folder) throw new Error(`no package.json above ${start}`);
  }
}

/** The package's root folder. */
export const PACKAGE_ROOT = findPackageRoot();
