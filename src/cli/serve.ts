/**
 * `pageframe serve`: the browser playground (web/). It builds the page with Vite when Vite is
 * installed (a checkout with its dev dependencies), then serves web/dist on 127.0.0.1 and prints
 * the address. The page computes everything itself: the server only hands out files.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { Command } from 'commander';
import { countOption } from './options.js';
import { PACKAGE_ROOT } from './package-root.js';

const ROOT = PACKAGE_ROOT;
/** Where the playground is built and served from. */
export const WEB_DIST = join(ROOT, 'web', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
};

export interface Served {
  url: string;
  server: Server;
}

/** Serves the files under `root` (GET and HEAD only, nothing outside it) at host:port; port 0 picks a free one. */
export async function serveFolder(root: string, port = 0, host = '127.0.0.1'): Promise<Served> {
  const base = normalize(root);
  const server = createServer(async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      response.writeHead(400).end();
      return;
    }
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(base + sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shown}:${address.port}/`, server };
}

/** Builds the playground into `outDir` with Vite (a dev dependency); false when Vite is missing. */
export async function buildPlayground(outDir = WEB_DIST): Promise<boolean> {
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    return false;
  }
  await vite.build({
    configFile: join(ROOT, 'web', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return true;
}

export interface ServeOptions {
  port: number;
  host: string;
  build: boolean;
}

export async function serveCommand(options: ServeOptions, command?: Command): Promise<void> {
  const built = options.build && (await buildPlayground());
  if (!built && !existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error(
      'the playground is not built and Vite is not installed: run `npm install` then `npm run build:web`',
    );
  }
  let served: Served;
  try {
    served = await serveFolder(WEB_DIST, options.port, options.host);
  } catch (error) {
    // The default port may be taken (another server, a second playground): then any free one.
    const busy = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    if (!busy || command?.getOptionValueSource('port') === 'cli') throw error;
    served = await serveFolder(WEB_DIST, 0, options.host);
  }
  const { url } = served;
  process.stdout.write(`pageframe playground: ${url}\n(Ctrl+C stops the server)\n`);
}

/** Port 0 picks a free one. */
const PORT_RANGE = { min: 0, max: 65535 };

/** Adds `pageframe serve` to the program. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('build the browser playground and serve it on 127.0.0.1, printing its address')
    .option('--port <n>', 'port to listen on, 0 to 65535 (0 picks a free one)', countOption(PORT_RANGE), 5173)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--no-build', 'serve web/dist as it is, without building it first')
    .action(serveCommand);
}
