/**
 * The browser tests' fixture: builds the playground with Vite, serves the build on 127.0.0.1 at a
 * free port, and drives Debian's Chromium through playwright-core (no downloaded browser).
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { serveFolder } from '../../src/cli/serve.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const OUTPUT = join(ROOT, 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Playground {
  url: string;
  browser: Browser;
  /** A new page at the given viewport; every request it makes to another host fails the test. */
  open(width?: number, height?: number): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

export async function startPlayground(): Promise<Playground> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  const outDir = join(OUTPUT, 'web-dist');
  mkdirSync(OUTPUT, { recursive: true });
  await build({
    configFile: join(ROOT, 'web', 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  const { url, server } = await serveFolder(outDir);
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // launch() gives every run a fresh temporary profile (the --user-data-dir equivalent).
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    url,
    browser,
    async open(width = 1280, height = 800) {
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      await page.route('**/*', (route) => {
        const requested = route.request().url();
        if (requested.startsWith(url)) return route.continue();
        problems.push(`request outside the page's server: ${requested}`);
        return route.abort();
      });
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]');
      return { page, problems };
    },
    async close() {
      await browser.close();
      await closeServer(server);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** The editor's box against its text, and the gutter's numbers against its lines: cut or misaligned lines show here. */
export async function editorShape(page: Page) {
  return page.$eval('#source', (area) => {
    const textarea = area as HTMLTextAreaElement;
    const spans = Array.from(document.querySelectorAll<HTMLElement>('#gutter span'));
    return {
      scrollWidth: textarea.scrollWidth,
      clientWidth: textarea.clientWidth,
      scrollHeight: textarea.scrollHeight,
      clientHeight: textarea.clientHeight,
      lines: textarea.value.split('\n').length,
      numbers: spans.length,
      numbered: spans.reduce((sum, span) => sum + span.getBoundingClientRect().height, 0),
    };
  });
}

/**
 * The report panel's text as a reader sees it: scrolled into view, then waited for (the page builds
 * the report only while its panel is in view).
 */
export async function readReport(page: Page): Promise<string> {
  await page.locator('#report-panel').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.getElementById('report')?.dataset.stale === undefined);
  return (await page.textContent('#report')) ?? '';
}
