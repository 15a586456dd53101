/**
 * The playground in a real browser (Debian's Chromium through playwright-core): the page loads
 * offline, steps through an example, and shows what the machine says. Every figure the page
 * shows is checked against the same scenario run here in Node through the same public API.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FILE, hex, parseScenario, runScenario, ScenarioRun } from '../../src/index.js';
import { processColor } from '../../web/src/frame-colors.js';
import { rangeEnd } from '../../web/src/regions-view.js';
import { type Playground, ROOT, readReport, screenshot, startPlayground } from './browser.js';

/** The example the tests step through: a short one from examples/. */
const EXAMPLE_NAME = (() => {
  const names = readdirSync(join(ROOT, 'examples')).filter((n) => n.endsWith('.pf'));
  return names.includes('ppm-alloc.pf') ? 'ppm-alloc.pf' : names.sort()[0];
})();
const EXAMPLE = readFileSync(join(ROOT, 'examples', EXAMPLE_NAME), 'utf8');

/** The scenario run in Node for `steps` steps: what the page must show after as many. */
function reference(steps: number, text = EXAMPLE, file = EXAMPLE_NAME): ScenarioRun {
  const run = new ScenarioRun(parseScenario(text, file));
  for (let i = 0; i < steps && !run.done; i++) run.step();
  return run;
}

async function status(page: Page): Promise<string> {
  return (await page.textContent('#status')) ?? '';
}

/** Clicks Run and waits for the run to reach its end (it runs in slices). */
async function run(page: Page): Promise<void> {
  await page.click('#run');
  await page.waitForFunction(() => document.body.dataset.running === undefined);
}

async function shownFreeFrames(page: Page): Promise<number> {
  return Number(await page.getAttribute('#map-summary', 'data-free-frames'));
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
    // The examples are offered, the built-in demo first.
    const options = await page.$$eval('#example option', (list) => list.map((o) => o.textContent));
    expect(options[0]).toBe(DEMO_FILE);
    expect(options).toContain(EXAMPLE_NAME);
    // Nothing overflows the viewport sideways at 1280 px.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await screenshot(page, 'playground-1280x800');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('steps through an example and shows what the machine says', async () => {
    const { page, problems } = await playground.open(1280, 800);
    await page.selectOption('#example', EXAMPLE_NAME);
    expect(await page.inputValue('#source')).toBe(EXAMPLE);
    const steps = 5;
    for (let i = 0; i < steps; i++) await page.click('#step');
    const expected = reference(steps);
    const machine = expected.machine!;

    // The status and the editor's gutter point at the next statement.
    expect(await status(page)).toContain(`${steps} of ${expected.statementCount} run`);
    expect(await status(page)).toContain(`next: line ${expected.nextLine}`);
    expect(await page.textContent('#gutter .current')).toBe(String(expected.nextLine));

    // The map's summary shows the machine's own count of free frames.
    expect(await shownFreeFrames(page)).toBe(machine.pmm.freeFrames);
    expect(await page.textContent('#map-summary')).toContain(`${machine.pmm.freeFrames} free`);

    // Every frame the cursor visits is described as the frame table says.
    const { state, refCount } = machine.pmm.frames;
    for (let pfn = 0; pfn < 64; pfn++) {
      await page.evaluate((n) => {
        (window as unknown as { playground: { select(pfn: number): void } }).playground.select(n);
      }, pfn);
      const info = (await page.textContent('#frame-info')) ?? '';
      const word = ['free', 'allocated', 'reserved'][state[pfn]];
      expect(info).toMatch(new RegExp(`^frame ${pfn} \\(0x[0-9a-f]{8}\\): ${word}`));
      if (word === 'allocated') expect(info).toContain(`refcount ${refCount[pfn]}`);
    }

    // The report panel has the run's output so far and the machine's report.
    const report = await readReport(page);
    for (const line of expected.outcome.output)
      expect(report).toContain(`${EXAMPLE_NAME}:${line.line}: ${line.text}`);
    expect(report).toContain(`${EXAMPLE_NAME}: running: ${expected.outcome.statementsRun} statements run`);
    expect(report).toContain(`free ${machine.pmm.freeFrames} frames`);

    // The free-frames chart's latest point is the same count.
    expect(await page.textContent('[data-chart-value="free-frames"]')).toBe(String(machine.pmm.freeFrames));
    await screenshot(page, 'playground-stepped');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows the same run as the command line: looking at the machine changes nothing', async () => {
    // The buddy keeps freed frames in a cache; a statistics call that emptied it would make later
    // allocations land elsewhere than `pageframe run` puts them.
    const text =
      'machine ram 16M\na = ppm_alloc\nb = ppm_alloc\nppm_free a\nc = ppm_alloc 3\nd = ppm_alloc\nprint d\n';
    const cli = runScenario(parseScenario(text, 'same.pf'));
    expect(cli.output).toHaveLength(1);
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    for (let i = 0; i < 6; i++) await page.click('#step');
    // The line of `print d`, after the report's first line (`== file`).
    expect((await readReport(page)).split('\n')[1]).toMatch(new RegExp(`:7: ${cli.output[0].text}$`));
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("shows a process's regions, a page-table walk and the TLB as the machine has them", async () => {
    const text = [
      'machine ram 64M',
      'process shell',
      'a = vpm_alloc at 0x10000 1',
      'touch a',
      'b = vpm_alloc at 0x30000 3',
      'touch b 12K',
      'buf = malloc 100',
      'write buf "hello"',
      'process web',
      'c = map anon 64K',
      'touch c 32K',
      'switch shell',
      'touch b read',
      'touch b read',
      '',
    ].join('\n');
    const expected = reference(Number.MAX_SAFE_INTEGER, text, 'procs.pf');
    expect(expected.outcome.failures).toEqual([]);
    const machine = expected.machine!;
    const shell = machine.process('shell')!;
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    await run(page);

    // The processes, the current one chosen.
    const names = await page.$$eval('#process option', (list) => list.map((o) => o.textContent));
    expect(names).toEqual([
      ...machine.processes.map((p) => `${p.name} (pid ${p.pid})`),
      "kernel (the kernel's half)",
    ]);
    expect(await page.inputValue('#process')).toBe(String(shell.pid));

    // One line per region, free gaps included, with the frames of its mapped pages.
    const regions = shell.space.regions.regions();
    const bases = await page.$$eval('#regions button[data-base]', (list) =>
      list.map((b) => Number(b.getAttribute('data-base'))),
    );
    expect(bases).toEqual(regions.map((r) => r.base));
    const pages = shell.space.mappings(0x30000, 0x33000);
    expect(pages).toHaveLength(3);
    const line = (await page.textContent('#regions .seed-line:has(button[data-base="196608"])')) ?? '';
    expect(line).toContain('(0x00030000 to 0x00033000, anon rw-, 3 pages mapped)');
    expect(line).toContain(`-> ${pages.map((p) => `pf${p.pa / 4096}`).join(' - ')}`);

    // The map's info line names where a frame is mapped.
    await page.evaluate((n) => {
      (window as unknown as { playground: { select(pfn: number): void } }).playground.select(n);
    }, pages[1].pa / 4096);
    expect(await page.textContent('#frame-info')).toContain(
      `owner shell, refcount 1; mapped at 0x00031000 in shell`,
    );

    // Choosing the region walks the tables at its base, level by level.
    await page.click('#regions button[data-base="196608"]');
    const tables = machine.vm.pageTables;
    const found = tables.lookup(shell.space.root, 0x30000);
    expect(Number(await page.getAttribute('.walk-result', 'data-pa'))).toBe(found.pa);
    expect(await page.$$eval('#walk tbody tr[data-level]', (rows) => rows.length)).toBe(found.tables.length);
    const leaf = (await page.textContent('#walk tbody tr[data-level][data-kind="page"]')) ?? '';
    expect(leaf).toContain(`0x${(found.entryLo >>> 0).toString(16).padStart(8, '0')}`);
    // A variable's button walks its value.
    const b = expected.variables.get('b')!;
    await page.click('#variables button[data-name="b"]');
    expect(await page.inputValue('#walk-va')).toBe(hex(b));
    expect(Number(await page.getAttribute('.walk-result', 'data-pa'))).toBe(
      tables.lookup(shell.space.root, b).pa,
    );
    // A typed address outside every region stops at a level that is not present.
    await page.fill('#walk-va', '0x00800000');
    await page.press('#walk-va', 'Enter');
    expect(await page.getAttribute('.walk-result', 'data-pa')).toBe('-1');
    expect(await page.textContent('.walk-result')).toContain('not present');

    // The kernel's own address space can be drawn and walked too.
    await page.selectOption('#process', '0');
    const kernel = machine.kernel.kernelSpace;
    expect(await page.textContent('#regions .seed-line')).toContain(
      `AddressSpace kernel (range ${hex(kernel.start)} to ${rangeEnd(kernel)}) ---> Pmap (root ${hex(kernel.root)}`,
    );

    // The TLB's counters and entries.
    const counters = machine.vm.mmu.tlb.counters();
    expect(await page.textContent('[data-counter="hits"] b')).toBe(String(counters.hits));
    expect(await page.textContent('[data-counter="misses"] b')).toBe(String(counters.misses));
    expect(counters.hits).toBeGreaterThan(0);
    const valid = machine.vm.mmu.tlb.snapshot();
    expect(await page.$$eval('#tlb tbody tr', (rows) => rows.length)).toBe(valid.length);
    await page.$eval('#h-process', (e) => e.scrollIntoView());
    await screenshot(page, 'playground-process');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('colours frames by owner and sharing, and charts IPC copies against moves', async () => {
    const text = [
      'machine ram 16M',
      'process a',
      'process b',
      'switch a',
      'buf = map anon 16K',
      'touch buf 16K',
      'send copy buf 4K to b',
      'send move buf + 4K 4K to b',
      'send share buf + 8K 8K to b',
      'switch b',
      'm1 = receive',
      'm2 = receive',
      'm3 = receive',
      '',
    ].join('\n');
    const expected = reference(Number.MAX_SAFE_INTEGER, text, 'ipc.pf');
    expect(expected.outcome.failures).toEqual([]);
    const machine = expected.machine!;
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    await run(page);

    const stats = machine.post.stats;
    expect(stats.bytesCopied).toBeGreaterThan(0);
    expect(stats.pagesMoved).toBeGreaterThan(0);
    expect(await page.textContent('[data-chart-value="ipc"]')).toBe(
      `${stats.bytesCopied} / ${stats.pagesMoved}`,
    );

    // Shared frames (two holders) are striped by their holders, a process's own in its colour.
    const { state, refCount, owner, use } = machine.pmm.frames;
    const colorOf = (pfn: number) =>
      page.evaluate(
        (n) => (window as unknown as { playground: { colorOf(pfn: number): string } }).playground.colorOf(n),
        pfn,
      );
    await page.evaluate(() =>
      (window as unknown as { playground: { select(pfn: number): void } }).playground.select(0),
    );
    let shared = 0;
    let own = 0;
    for (let pfn = 1; pfn < state.length; pfn++) {
      if (state[pfn] !== 1 || use[pfn] !== 3) continue;
      if (refCount[pfn] > 1) {
        // Striped with the colours of the processes that map it (magenta for other holders).
        const holders = machine.processes.filter((p) => {
          let maps = false;
          machine.vm.pageTables.walkRange(p.space.root, p.space.start, p.space.end, (_va, pa, size) => {
            if (pfn * 4096 >= pa && pfn * 4096 < pa + size) maps = true;
          });
          return maps;
        });
        const allowed = [...holders.map((p) => processColor(p.pid)), '#d500f9'];
        const colors = await page.evaluate(
          (n) =>
            (
              window as unknown as { playground: { cellColorsOf(pfn: number): string[] } }
            ).playground.cellColorsOf(n),
          pfn,
        );
        expect(colors.length).toBeGreaterThan(0);
        for (const color of colors) expect(allowed).toContain(color);
        shared++;
      } else {
        expect(await colorOf(pfn)).toBe(processColor(owner[pfn]));
        own++;
      }
    }
    expect(shared).toBe(2);
    expect(own).toBeGreaterThan(0);
    // Reserved frames by the boot map's kind: the VGA hole (firmware) and the kernel image.
    expect(await colorOf(0xa0000 / 4096)).toBe('#616161');
    expect(await colorOf(0x100000 / 4096)).toBe('#37474f');
    // Free frames in one of the two tints of alternating buddy blocks.
    expect(['#d6e6f7', '#e3f1d6']).toContain(await colorOf(state.length - 1));
    expect(await page.$$eval('#legend li[data-pid]', (list) => list.map((li) => li.textContent))).toEqual([
      'a',
      'b',
    ]);

    // Every frame as the map describes it agrees with the frame table of the same run in Node.
    const shown = await page.evaluate((n) => {
      const p = (window as unknown as { playground: { describeFrame(pfn: number): string } }).playground;
      return Array.from({ length: n }, (_, pfn) => p.describeFrame(pfn));
    }, state.length);
    shown.forEach((info, pfn) => {
      const word = ['free', 'allocated', 'reserved'][state[pfn]];
      expect(info).toMatch(new RegExp(`^frame ${pfn} \\(0x[0-9a-f]{8}\\): ${word}`));
      if (word !== 'allocated') return;
      const who = owner[pfn] === 0 ? 'kernel' : machine.ownerName(owner[pfn]);
      expect(info).toContain(`owner ${who}, refcount ${refCount[pfn]}`);
    });
    // Another scenario without processes leaves none in the legend or the list.
    await page.fill('#source', 'machine ram 4M\np = ppm_alloc\n');
    await run(page);
    expect(await page.$$('#legend li[data-pid]')).toHaveLength(0);
    expect(await page.$$eval('#process option', (list) => list.map((o) => o.getAttribute('value')))).toEqual([
      '0',
    ]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('is usable with the keyboard: run, reset, step, and the map cursor', async () => {
    const { page, problems } = await playground.open(1280, 800);
    await page.selectOption('#example', EXAMPLE_NAME);
    await page.focus('#source');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(() => document.body.dataset.running === undefined);
    const done = reference(Number.MAX_SAFE_INTEGER);
    // The page ends as the same run in Node does: every expectation held, or the same failures.
    if (done.outcome.ok)
      expect(await status(page)).toContain(`done: ${done.outcome.statementsRun} statement`);
    else expect(await page.textContent('#error')).toContain(done.outcome.failures.at(-1));
    expect(await shownFreeFrames(page)).toBe(done.machine!.pmm.freeFrames);

    await page.keyboard.press('Shift+F8');
    expect(await status(page)).toContain('0 of');
    await page.keyboard.press('F10');
    await page.keyboard.press('F10');
    expect(await status(page)).toContain('2 of');
    expect(await shownFreeFrames(page)).toBe(reference(2).machine!.pmm.freeFrames);

    // The map takes the focus; Home and the arrows move the frame cursor.
    await page.focus('#map');
    await page.keyboard.press('Home');
    expect(await page.textContent('#frame-info')).toMatch(/^frame 0 \(0x00000000\)/);
    for (const pfn of [1, 2, 3]) {
      await page.keyboard.press('ArrowRight');
      expect(await page.textContent('#frame-info')).toMatch(
        new RegExp(`^frame ${pfn} \\(0x0000${pfn}000\\)`),
      );
    }
    await page.keyboard.press('ArrowLeft');
    expect(await page.textContent('#frame-info')).toMatch(/^frame 2 /);
    // The mouse: hovering describes a frame, clicking puts the cursor on it.
    const position = await page.evaluate(() =>
      (
        window as unknown as { playground: { cellPosition(pfn: number): { x: number; y: number } } }
      ).playground.cellPosition(300),
    );
    await page.mouse.move(position.x, position.y);
    expect(await page.textContent('#frame-info')).toMatch(/^frame 300 /);
    await page.mouse.move(1, 1);
    expect(await page.textContent('#frame-info')).toMatch(/^frame 2 /);
    await page.mouse.click(position.x, position.y);
    await page.mouse.move(1, 1);
    expect(await page.textContent('#frame-info')).toMatch(/^frame 300 /);
    await page.keyboard.press('ArrowRight');
    expect(await page.textContent('#frame-info')).toMatch(/^frame 301 /);

    // + zooms in, 0 fits all of RAM again.
    const fitted = await page.textContent('#map-scale');
    await page.keyboard.press('+');
    expect(await page.textContent('#map-scale')).not.toBe(fitted);
    await page.keyboard.press('0');
    expect(await page.textContent('#map-scale')).toBe(fitted);

    // A long Run (the demo) keeps the page alive, and Escape stops it where it is.
    await page.selectOption('#example', DEMO_FILE);
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('running: '));
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.body.dataset.running)).toBeUndefined();
    expect(await status(page)).toMatch(/^\d+ of \d+ run, next: line \d+$/);
    await page.selectOption('#example', EXAMPLE_NAME);

    // F8 plays: at full speed the run reaches its end by itself.
    await page.keyboard.press('Shift+F8');
    await page.fill('#speed', '60');
    await page.keyboard.press('F8');
    await page.waitForFunction(
      () => document.querySelector('#play')?.getAttribute('aria-pressed') === 'false',
    );
    expect(await shownFreeFrames(page)).toBe(done.machine!.pmm.freeFrames);
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

  it('points every error example at the lines `pageframe run` names', async () => {
    const folder = join(ROOT, 'examples', 'errors');
    const names = readdirSync(folder).filter((n) => n.endsWith('.pf'));
    expect(names.length).toBeGreaterThan(0);
    const { page, problems } = await playground.open(1280, 800);
    for (const name of names) {
      const text = readFileSync(join(folder, name), 'utf8');
      let expected: { line: number; message: string }[];
      try {
        const outcome = runScenario(parseScenario(text, name));
        expected = outcome.failures.map((message) => ({
          line: Number(/:(\d+): /.exec(message)![1]),
          message,
        }));
      } catch (error) {
        const e = error as { line: number; message: string };
        expected = [{ line: e.line, message: e.message }];
      }
      expect(expected.length, name).toBeGreaterThan(0);
      await page.selectOption('#example', `errors/${name}`);
      await run(page);
      expect(await page.getAttribute('#error', 'data-line'), name).toBe(String(expected.at(-1)!.line));
      const listed = await page.$$eval('#error .problem', (list) =>
        list.map((p) => p.getAttribute('data-line')),
      );
      expect(listed, name).toEqual(expected.slice(-4).map((p) => String(p.line)));
      for (const p of expected.slice(-4)) expect(await page.textContent('#error'), name).toContain(p.message);
      const marked = await page.$$eval('#gutter .bad', (list) => list.map((span) => span.textContent));
      expect(marked, name).toEqual([...new Set(expected.map((p) => String(p.line)))].sort((a, b) => +a - +b));
    }
    await screenshot(page, 'playground-failures');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows a 4 GiB machine (a million frames) and stays readable on a large screen', async () => {
    const text = 'machine ram 4G\nbig = ppm_alloc 1000\n';
    const { page, problems } = await playground.open(1920, 1080);
    await page.fill('#source', text);
    await page.click('#step');
    await page.click('#step');
    expect(await shownFreeFrames(page)).toBe(reference(2, text).machine!.pmm.freeFrames);
    expect(await page.textContent('#map-summary')).toContain('4 GiB');
    // Fitted to the canvas, a cell stands for several frames.
    expect(await page.textContent('#map-scale')).toMatch(/1 cell = \d+ frames/);
    await screenshot(page, 'playground-4g-1920x1080');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
