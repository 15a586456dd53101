/**
 * The playground in a real browser (Debian's Chromium through playwright-core): the page loads
 * offline, steps through a scenario, and shows what the machine says. The machine's figures are
 * checked against the same scenario run here in Node through the same public API.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FILE, DEMO_SCENARIO, parseScenario, ScenarioRun } from '../../src/index.js';
import { type Playground, screenshot, startPlayground } from './browser.js';

/** The demo run in Node for `steps` statements: what the page must show after as many steps. */
function reference(steps: number, text = DEMO_SCENARIO): ScenarioRun {
  const run = new ScenarioRun(parseScenario(text, DEMO_FILE));
  for (let i = 0; i < steps && !run.done; i++) run.step();
  return run;
}

async function status(page: Page): Promise<string> {
  return (await page.textContent('#status')) ?? '';
}

describe('the browser playground', () => {
  let playground: Playground;

  beforeAll(async () => {
    playground = await startPlayground();
  }, 60_000);

  afterAll(async () => {
    await playground?.close();
  });

  it('loads offline, with nothing fetched from elsewhere, readable at 1280x800', async () => {
    const { page, problems } = await playground.open(1280, 800);
    expect(await page.title()).toBe('pageframe playground');
    // The examples are offered, the demo first, and it is loaded in the editor.
    const options = await page.$$eval('#example option', (list) => list.map((o) => o.textContent));
    expect(options[0]).toBe(DEMO_FILE);
    expect(await page.inputValue('#source')).toBe(DEMO_SCENARIO);
    // Nothing overflows the viewport sideways at 1280 px.
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(1280);
    await screenshot(page, 'playground-1280x800');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('steps through an example and shows what the machine says', async () => {
    const { page, problems } = await playground.open(1280, 800);
    await page.selectOption('#example', DEMO_FILE);
    const steps = 6;
    for (let i = 0; i < steps; i++) await page.click('#step');
    const expected = reference(steps);
    const machine = expected.machine!;

    // The status and the editor's gutter point at the next statement.
    expect(await status(page)).toContain(`${steps} of ${expected.statementCount} run`);
    expect(await status(page)).toContain(`next: line ${expected.nextLine}`);
    expect(await page.textContent('#gutter .current')).toBe(String(expected.nextLine));

    // The map's summary shows the machine's own count of free frames.
    const free = await page.getAttribute('#map-summary', 'data-free-frames');
    expect(Number(free)).toBe(machine.pmm.freeFrames);
    expect(await page.textContent('#map-summary')).toContain(`${machine.pmm.freeFrames} free`);

    // The frame under the cursor is described as the frame table says: `fixed = ppm_alloc at 32M 8`.
    const fixed = (32 * 1024 * 1024) / 4096;
    await page.evaluate((pfn) => {
      (window as unknown as { playground: { select(pfn: number): void } }).playground.select(pfn);
    }, fixed);
    const info = await page.textContent('#frame-info');
    expect(info).toContain(`frame ${fixed} (0x02000000): allocated, Direct, owner kernel, refcount 1`);

    // The report panel says what the CLI's report says, and the output printed so far.
    const report = (await page.textContent('#report')) ?? '';
    expect(report).toContain(`free ${machine.pmm.freeFrames} frames`);
    expect(report).toContain('ppm_alloc(16)        -> 0x');

    // The free-frames chart's latest point is the same count.
    expect(await page.textContent('[data-chart-value="free-frames"]')).toBe(String(machine.pmm.freeFrames));
    await screenshot(page, 'playground-stepped');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('is usable with the keyboard: run, reset, step and the map cursor', async () => {
    const { page, problems } = await playground.open(1280, 800);
    await page.focus('#source');
    await page.keyboard.press('Control+Enter');
    const done = reference(Number.MAX_SAFE_INTEGER);
    // The page ends as the same run in Node does, with every expectation held or the same failures.
    if (done.outcome.ok)
      expect(await status(page)).toContain(`done: ${done.outcome.statementsRun} statements`);
    else {
      expect(await status(page)).toContain(`stopped: ${done.outcome.failures.length} failure`);
      expect(await page.textContent('#error')).toContain(done.outcome.failures.at(-1));
    }
    expect(Number(await page.getAttribute('#map-summary', 'data-free-frames'))).toBe(
      done.machine!.pmm.freeFrames,
    );

    await page.keyboard.press('Shift+F8');
    expect(await status(page)).toContain('0 of');
    await page.keyboard.press('F10');
    await page.keyboard.press('F10');
    expect(await status(page)).toContain('2 of');

    // Tab reaches the map; Home and the arrows move the frame cursor.
    await page.focus('#map');
    await page.keyboard.press('Home');
    expect(await page.textContent('#frame-info')).toContain('frame 0 (0x00000000): reserved, firmware');
    const frames = reference(2).machine!.pmm.frames;
    for (const pfn of [1, 2, 3]) {
      await page.keyboard.press('ArrowRight');
      const state = ['free', 'allocated', 'reserved'][frames.state[pfn]];
      expect(await page.textContent('#frame-info')).toContain(`frame ${pfn} (0x0000${pfn}000): ${state}`);
    }
    await page.keyboard.press('ArrowLeft');
    expect(await page.textContent('#frame-info')).toContain('frame 2 (0x00002000)');
    // + zooms in (one cell per frame, bigger cells), - back out.
    const before = await page.textContent('#map-scale');
    await page.keyboard.press('+');
    expect(await page.textContent('#map-scale')).not.toBe(before);
    await page.keyboard.press('0');
    expect(await page.textContent('#map-scale')).toBe(before);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('points an error at its line', async () => {
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', 'machine ram 16M\nprocess a\nmalocc 100\n');
    await page.click('#step');
    expect(await page.getAttribute('#error', 'data-line')).toBe('3');
    expect(await page.textContent('#error')).toContain(':3: ');
    expect(await page.textContent('#gutter .bad')).toBe('3');
    expect(await status(page)).toContain('does not parse');
    await screenshot(page, 'playground-error');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows a 4 GiB machine (a million frames) and stays readable on a large screen', async () => {
    const { page, problems } = await playground.open(1920, 1080);
    await page.fill('#source', 'machine ram 4G\nbig = ppm_alloc 1000\n');
    await page.click('#step');
    await page.click('#step');
    const expected = reference(2, 'machine ram 4G\nbig = ppm_alloc 1000\n');
    expect(Number(await page.getAttribute('#map-summary', 'data-free-frames'))).toBe(
      expected.machine!.pmm.freeFrames,
    );
    expect(await page.textContent('#map-summary')).toContain('4 GiB');
    // Zoomed to fit, a cell stands for several frames.
    expect(await page.textContent('#map-scale')).toMatch(/1 cell = \d+ frames/);
    await screenshot(page, 'playground-4g-1920x1080');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
