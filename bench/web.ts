/**
 * The `web` suite: the built playground in headless Chromium, one Step with its redraw at 64 MiB,
 * timed inside the page. Run by bench/index.ts; skipped with a message when Chromium is missing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildPlayground, serveFolder } from '../src/cli/serve.js';
import { BENCH_SOURCE_DIR, round } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EXAMPLES = join(BENCH_SOURCE_DIR, '..', 'examples');
/** Runs of each scenario, their steps pooled (one: the demo's 741 steps take about two minutes at load 10). */
const RUNS = 1;

/** 60 regions mapped and touched (120 steps) in one process, then a fork: the tail the issue saw. */
function mapTouchFork(): string {
  const lines = ['machine ram 64M', 'machine paging x86-64', 'process p'];
  for (let i = 0; i < 60; i++) lines.push(`m${i} = map anon 64K`, `touch m${i} 64K`);
  lines.push('fork q', 'check');
  return `${lines.join('\n')}\n`;
}

/** An example with its machine grown to 64 MiB of RAM. */
function at64MiB(file: string): string {
  return readFileSync(join(EXAMPLES, file), 'utf8').replace(/^machine ram \S+$/m, 'machine ram 64M');
}

const SCENARIOS: Record<string, () => string> = {
  demo: () => readFileSync(join(EXAMPLES, 'demo.pf'), 'utf8'),
  mapTouchFork,
  swap: () => at64MiB('swap.pf'),
};

/** What the page measures of one run: per step, milliseconds; per part of the redraw, summed. */
interface PageRun {
  /** performance.now() from before Step to after the frame it paints (a task after the next animation frame). */
  stepAndFrameMs: number[];
  /** The synchronous part: the statement and every view redrawn (DOM and canvas work, before layout and paint). */
  scriptMs: number[];
  /** Where the synchronous part went, summed over the run's steps (ms). */
  parts: Record<string, number>;
  /** One bare typed-array loop before each step, the noise reference (ms). */
  referenceMs: number[];
  /** The same wait for a painted frame with nothing changed, before each step: the frame's own floor (ms). */
  idleFrameMs: number[];
}

/** In the page: loads the text as a user's own scenario, then steps it to the end, timing each step. */
async function runInPage(text: string): Promise<PageRun> {
  type Timed = Record<string, (...args: unknown[]) => unknown>;
  type PlaygroundInternals = {
    chooseExample(name: string, text?: string): void;
    step(): void;
    session: { done: boolean } & Timed;
    map: Timed;
    charts: Timed;
    processPanel: Timed;
  };
  const playground = (window as unknown as { playground: PlaygroundInternals }).playground;
  const parts: Record<string, number> = {};
  // Wraps a view's method with a timer (own instance property, so the class stays untouched).
  const time = (label: string, owner: Timed, method: string) => {
    const original = owner[method].bind(owner);
    parts[label] = 0;
    owner[method] = (...args: unknown[]) => {
      const start = performance.now();
      try {
        return original(...args);
      } finally {
        parts[label] += performance.now() - start;
      }
    };
  };
  time('statement', playground.session, 'stepExplained');
  time('report', playground.session, 'reportText');
  time('map', playground.map, 'update');
  time('charts', playground.charts, 'redraw');
  time('chartsPush', playground.charts, 'push');
  time('panels', playground.processPanel, 'render');
  const select = document.querySelector('#example') as HTMLSelectElement;
  playground.chooseExample(select.options[0].value, text);
  const painted = () => new Promise<void>((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  const reference = new Int32Array(1 << 20);
  const run: PageRun = { stepAndFrameMs: [], scriptMs: [], parts, referenceMs: [], idleFrameMs: [] };
  await painted();
  let sink = 0;
  while (!playground.session.done) {
    const loopStart = performance.now();
    for (let i = 0; i < reference.length; i++) sink = (sink + reference[i] + i) | 0;
    run.referenceMs.push(performance.now() - loopStart);
    await painted();
    const idleStart = performance.now();
    await painted();
    run.idleFrameMs.push(performance.now() - idleStart);
    const start = performance.now();
    playground.step();
    run.scriptMs.push(performance.now() - start);
    await painted();
    run.stepAndFrameMs.push(performance.now() - start);
  }
  if (sink === 42) run.referenceMs.push(0);
  return run;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function summary(values: number[]): { median: number; p90: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: round(quantile(sorted, 0.5), 1),
    p90: round(quantile(sorted, 0.9), 1),
    max: round(sorted.at(-1) ?? 0, 1),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  if (!existsSync(CHROMIUM)) {
    const why = `skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
    process.stderr.write(`web: ${why}\n`);
    return { skipped: why };
  }
  const outDir = mkdtempSync(join(tmpdir(), 'pageframe-web-bench-'));
  let server: Server | undefined;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  try {
    if (!(await buildPlayground(outDir)))
      throw new Error('the web suite needs Vite (a dev dependency) to build the page');
    const served = await serveFolder(outDir);
    server = served.server;
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const figures: Record<string, unknown> = {};
    const references: number[] = [];
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      const pooled: PageRun = {
        stepAndFrameMs: [],
        scriptMs: [],
        parts: {},
        referenceMs: [],
        idleFrameMs: [],
      };
      for (let i = 0; i < RUNS; i++) {
        await page.goto(served.url);
        await page.waitForSelector('body[data-ready="true"]');
        const result = await page.evaluate(runInPage, scenario());
        pooled.stepAndFrameMs.push(...result.stepAndFrameMs);
        pooled.scriptMs.push(...result.scriptMs);
        pooled.referenceMs.push(...result.referenceMs);
        pooled.idleFrameMs.push(...result.idleFrameMs);
        for (const [part, ms] of Object.entries(result.parts))
          pooled.parts[part] = (pooled.parts[part] ?? 0) + ms;
      }
      references.push(...pooled.referenceMs);
      const steps = pooled.scriptMs.length;
      figures[name] = {
        steps,
        stepWithRedrawMs: summary(pooled.stepAndFrameMs),
        scriptMs: summary(pooled.scriptMs),
        idleFrameMs: summary(pooled.idleFrameMs),
        // Mean ms a step of each part of the synchronous redraw.
        partsMeanMs: Object.fromEntries(
          Object.entries(pooled.parts).map(([part, ms]) => [part, round(ms / steps, 2)]),
        ),
      };
    }
    const reference = summary(references);
    figures.goalMs = 50;
    figures.referenceLoopMs = reference;
    // The harness adds its own `noise` (tinybench's, none here) and the load average.
    figures.referenceNoise = {
      referenceMaxOverMedian: round(reference.max / reference.median, 2),
      referenceP90OverMedian: round(reference.p90 / reference.median, 2),
    };
    return figures;
  } finally {
    await browser.close();
    server?.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}
