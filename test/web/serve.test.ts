/**
 * `pageframe serve`: the command builds the playground, serves it on 127.0.0.1 and prints the
 * address; its file server hands out the build and nothing outside it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveFolder } from '../../src/cli/serve.js';
import { OUTPUT, ROOT } from './browser.js';

function get(url: string, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request({ host: target.hostname, port: target.port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? '', body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('pageframe serve', () => {
  const children: ChildProcess[] = [];

  afterAll(() => {
    for (const child of children) child.kill();
  });

  it('serves a folder on 127.0.0.1 and nothing outside it', async () => {
    const folder = join(OUTPUT, 'serve-fixture');
    mkdirSync(join(folder, 'assets'), { recursive: true });
    writeFileSync(join(folder, 'index.html'), '<title>fixture</title>');
    writeFileSync(join(folder, 'assets', 'a.js'), 'export {};');
    const { url, server } = await serveFolder(folder);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await get(url, '/');
      expect(index.status).toBe(200);
      expect(index.type).toContain('text/html');
      expect(index.body).toBe('<title>fixture</title>');
      expect((await get(url, '/assets/a.js')).type).toContain('text/javascript');
      expect((await get(url, '/missing.js')).status).toBe(404);
      // An escaped `..` that would leave the folder is refused.
      expect((await get(url, '/..%2f..%2fpackage.json')).status).toBe(403);
    } finally {
      server.close();
    }
  });

  it('builds the playground, serves it and prints the address', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'pageframe.js'), 'serve', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout?.on('data', (chunk) => {
        out += chunk;
        const found = /pageframe playground: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (found) resolve(found[1]);
      });
      child.stderr?.on('data', (chunk) => {
        err += chunk;
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    const page = await get(url, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>pageframe playground</title>');
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body);
    expect(script).not.toBeNull();
    expect((await get(url, `/${script![1]}`)).status).toBe(200);
  }, 60_000);
});
