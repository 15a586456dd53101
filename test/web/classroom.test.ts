/**
 * The playground in front of a class: each defect found by trying the page as a teacher would
 * (at 1280x800), checked in Chromium against the same scenario run in Node.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hex, parseScenario, ScenarioRun } from '../../src/index.js';
import { processColor, tableColor } from '../../web/src/frame-colors.js';
import { editorShape, type Playground, ROOT, screenshot, startPlayground } from './browser.js';

function reference(text: string, file = 'scenario.pf'): ScenarioRun {
  const run = new ScenarioRun(parseScenario(text, file));
  while (!run.done) run.step();
  return run;
}

async function run(page: Page): Promise<void> {
  await page.click('#run');
  await page.waitForFunction(() => document.body.dataset.running === undefined);
}

async function status(page: Page): Promise<string> {
  return (await page.textContent('#status')) ?? '';
}

function colorOf(page: Page, pfn: number): Promise<string> {
  return page.evaluate(
    (n) => (window as unknown as { playground: { colorOf(pfn: number): string } }).playground.colorOf(n),
    pfn,
  );
}

const EXAMPLE_NAMES = readdirSync(join(ROOT, 'examples'))
  .filter((n) => n.endsWith('.pf'))
  .sort();

describe('the playground in front of a class', () => {
  let playground: Playground;

  beforeAll(async () => {
    playground = await startPlayground();
  }, 120_000);

  afterAll(async () => {
    await playground?.close();
  });

  it('asks for no favicon and cuts no line of any example at 1280x800', async () => {
    const { page, problems } = await playground.open(1280, 800);
    // The icon is inline: the browser requests no /favicon.ico (a 404 on the console).
    expect(await page.getAttribute('link[rel="icon"]', 'href')).toMatch(/^data:image\/svg\+xml,/);
    const options = await page.$$eval('#example option', (list) => list.map((o) => o.getAttribute('value')));
    for (const name of options) {
      await page.selectOption('#example', name!);
      const shape = await editorShape(page);
      // Nothing is cut sideways: long lines wrap.
      expect(shape.scrollWidth, name!).toBeLessThanOrEqual(shape.clientWidth);
      // One number a line, each as tall as its wrapped line: the numbers end where the text does.
      expect(shape.numbers, name!).toBe(shape.lines);
      // (A text shorter than the box scrolls not at all: its scrollHeight is the box's.)
      if (shape.scrollHeight > shape.clientHeight + 1)
        expect(Math.abs(shape.numbered + 12 - shape.scrollHeight), name!).toBeLessThanOrEqual(3);
      else expect(shape.numbered + 12, name!).toBeLessThanOrEqual(shape.scrollHeight + 3);
    }
    // The editor shows at least 56 columns (about 40 before).
    const columns = await page.$eval('#source', (area) => {
      const probe = document.createElement('span');
      probe.textContent = 'x'.repeat(100);
      probe.style.position = 'absolute';
      probe.style.whiteSpace = 'pre';
      area.parentElement!.append(probe);
      const width = probe.getBoundingClientRect().width / 100;
      probe.remove();
      return Math.floor(((area as HTMLElement).clientWidth - 16) / width);
    });
    expect(columns).toBeGreaterThanOrEqual(56);
    await screenshot(page, 'classroom-editor-1280x800');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('tints page tables by owner and keeps 128 process colours apart', async () => {
    const text =
      'machine ram 16M\nprocess a\nx = map anon 8K\ntouch x 8K\nprocess b\ny = map anon 8K\ntouch y 8K\n';
    const machine = reference(text).machine!;
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    await run(page);
    const { state, use, owner } = machine.pmm.frames;
    // The cursor's outline would tint the cells it surrounds: put it on the last frame.
    await page.evaluate(
      (n) => (window as unknown as { playground: { select(pfn: number): void } }).playground.select(n),
      state.length - 1,
    );
    const seen = new Map<number, number>();
    for (let pfn = 0; pfn < state.length; pfn++) {
      if (state[pfn] !== 1 || use[pfn] !== 2) continue; // allocated page tables
      const expected = owner[pfn] === 0 ? '#f9a825' : tableColor(owner[pfn]);
      expect(await colorOf(page, pfn), `frame ${pfn}`).toBe(expected);
      seen.set(owner[pfn], (seen.get(owner[pfn]) ?? 0) + 1);
    }
    const a = machine.process('a')!.pid;
    const b = machine.process('b')!.pid;
    expect(seen.get(a)).toBeGreaterThan(0);
    expect(seen.get(b)).toBeGreaterThan(0);
    expect(tableColor(a)).not.toBe(tableColor(b));
    expect(tableColor(a)).not.toBe(processColor(a));
    const colors = new Set(Array.from({ length: 128 }, (_, i) => processColor(i + 1)));
    expect(colors.size).toBe(128);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("prints the kernel's range up to 2^64, not wrapped to 0", async () => {
    const text = 'machine ram 16M\nmachine paging x86-64\nprocess a\n';
    const machine = reference(text).machine!;
    const kernel = machine.kernel.kernelSpace;
    expect(kernel.start).toBeLessThan(0);
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    await run(page);
    await page.selectOption('#process', '0');
    const header = (await page.textContent('#regions .seed-line')) ?? '';
    expect(header).toContain(`(range ${hex(kernel.start)} to 0x10000000000000000)`);
    expect(await page.textContent('#regions')).not.toContain('to 0x00000000,');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('names your own scenario as such, scrolls to a late failure and says how the run ended', async () => {
    const { page, problems } = await playground.open(1280, 800);
    const example = EXAMPLE_NAMES[0];
    await page.selectOption('#example', example);
    const filler = Array.from({ length: 150 }, (_, i) => `# note ${i}`);
    const failing = [
      'machine ram 16M',
      'option on-error continue',
      ...filler,
      'expect 1 == 2',
      'expect 2 == 3',
    ];
    await page.fill('#source', failing.join('\n'));
    await run(page);
    const error = (await page.textContent('#error')) ?? '';
    expect(error).toContain('scenario.pf:153: ');
    expect(error).not.toContain(example);
    // The run went on after its failures: it finished, it did not stop.
    expect(await status(page)).toBe('finished with 2 failures');
    // The last failure's line is in view in the editor.
    const view = await page.$eval('#source', (area) => {
      const span = document.querySelectorAll<HTMLElement>('#gutter span')[153];
      const gutter = document.getElementById('gutter')!;
      return {
        top: span.offsetTop - gutter.offsetTop,
        scrollTop: area.scrollTop,
        height: area.clientHeight,
      };
    });
    expect(view.scrollTop).toBeGreaterThan(0);
    expect(view.top).toBeGreaterThanOrEqual(view.scrollTop);
    expect(view.top).toBeLessThan(view.scrollTop + view.height);
    // A run cut short by its failure stopped, at that line.
    await page.fill('#source', 'machine ram 4M\nf = ppm_alloc\nppm_free f\nppm_free f\nprint 1\n');
    await run(page);
    expect(await status(page)).toBe('stopped at line 4: 1 failure');
    // The RAM-size error speaks in units.
    await page.fill('#source', 'machine ram 8G\np = ppm_alloc\n');
    await run(page);
    expect(await page.textContent('#error')).toContain('machine ram: 8 GiB is not a multiple of 4 KiB');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('keeps edits across examples, reloads and links; reverts on request', async () => {
    const { page, problems } = await playground.open(1280, 800);
    const [first, second] = EXAMPLE_NAMES;
    await page.selectOption('#example', first);
    const original = await page.inputValue('#source');
    expect(await page.isHidden('#revert')).toBe(true);
    const edited = `# my own note\n${original}`;
    await page.fill('#source', edited);
    expect(await page.isVisible('#revert')).toBe(true);
    await page.selectOption('#example', second);
    expect(await page.inputValue('#source')).not.toBe(edited);
    await page.selectOption('#example', first);
    expect(await page.inputValue('#source')).toBe(edited);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.inputValue('#example')).toBe(first);
    expect(await page.inputValue('#source')).toBe(edited);
    // The URL carries the text: another browser (no local storage) opens the same scenario.
    const link = page.url();
    const other = await playground.open(1280, 800);
    await other.page.goto(link);
    await other.page.waitForSelector('body[data-ready="true"]');
    expect(await other.page.inputValue('#source')).toBe(edited);
    expect(other.problems).toEqual([]);
    await other.page.context().close();
    await page.click('#revert');
    expect(await page.inputValue('#source')).toBe(original);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.inputValue('#source')).toBe(original);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('walks as the manual reads: bad input said, address chips, XD, page size, `in NAME:`', async () => {
    const text = [
      'machine ram 16M',
      'machine paging x86-64',
      'process a',
      'process b',
      'switch a',
      'buf = map anon 16K',
      'touch buf 16K',
      'send move buf 4K to b',
      'in b: m = receive',
      'touch buf + 4K',
      '',
    ].join('\n');
    const expected = reference(text);
    expect(expected.outcome.failures).toEqual([]);
    const machine = expected.machine!;
    const a = machine.process('a')!;
    const b = machine.process('b')!;
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    // Step until `in b: m = receive` (line 9) has run.
    while (!(await status(page)).endsWith('next: line 10')) await page.click('#step');
    // After `in b: m = receive` the panels show b, though a is still the current process.
    expect(await page.inputValue('#process')).toBe(String(b.pid));
    await page.click('#step');
    expect(await page.inputValue('#process')).toBe(String(a.pid));

    // Bad input in the walk box is said, not ignored.
    await page.fill('#walk-va', 'zz12');
    await page.press('#walk-va', 'Enter');
    expect(await page.textContent('#walk')).toContain('"zz12" is not an address');

    // `m` walks in b, where it was received: present there.
    const mValue = expected.variables.get('m')!;
    expect(await page.textContent('#variables button[data-name="m"]')).toContain('in b');
    await page.click('#variables button[data-name="m"]');
    expect(await page.inputValue('#process')).toBe(String(b.pid));
    const found = machine.vm.pageTables.lookup(b.space.root, mValue);
    expect(found.present).toBe(true);
    expect(Number(await page.getAttribute('.walk-result', 'data-pa'))).toBe(found.pa);
    // The leaf's address chip holds the page's physical address, not its frame number.
    const page4k = found.pa - (found.pa % 4096);
    expect(await page.textContent('#walk tr[data-kind="page"] [data-field="address"]')).toBe(
      `address=${hex(page4k)}`,
    );
    // A read-write data page cannot be executed: XD is set, and drawn as a denial.
    const xd = await page.$eval('#walk tr[data-kind="page"] [data-field="XD"]', (chip) => chip.className);
    expect(xd).toBe('bit deny');
    // The TLB's column holds page sizes under that name.
    const headers = await page.$$eval('#tlb th', (list) => list.map((th) => th.textContent));
    expect(headers).toContain('page size');
    expect(headers).not.toContain('from page');
    await screenshot(page, 'classroom-walk');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('lets the page scroll under the wheel when the map has nothing to scroll', async () => {
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', 'machine ram 16M\np = ppm_alloc\n');
    await run(page);
    const box = (await page.$('#map'))!;
    const rect = (await box.boundingBox())!;
    const before = await page.$eval('.layout', (layout) => layout.scrollTop);
    await page.mouse.move(rect.x + rect.width / 2, rect.y + rect.height / 2);
    await page.mouse.wheel(0, 300);
    await page.waitForFunction((top) => document.querySelector('.layout')!.scrollTop > top, before);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('says what each statement changed, outlines it, and steps back along a timeline', async () => {
    const text = 'machine ram 16M\nprocess a\nx = map anon 16K\ntouch x 16K\nfork b\ntouch x\n';
    const atStep = (steps: number) => {
      const r = new ScenarioRun(parseScenario(text, 'scenario.pf'));
      for (let i = 0; i < steps; i++) r.step();
      return r.machine!;
    };
    const before = atStep(3).pmm.frames;
    const after = atStep(4);
    const frames = after.pmm.frames;
    const changed: number[] = [];
    for (let pfn = 0; pfn < frames.frameCount; pfn++) {
      if (
        before.state[pfn] !== frames.state[pfn] ||
        before.owner[pfn] !== frames.owner[pfn] ||
        before.refCount[pfn] !== frames.refCount[pfn] ||
        before.use[pfn] !== frames.use[pfn]
      )
        changed.push(pfn);
    }
    const shared = changed.filter((pfn) => frames.refCount[pfn] === 2).length;
    const tables = changed.filter((pfn) => before.state[pfn] !== 1 && frames.use[pfn] === 2).length;
    expect(shared).toBe(4);
    expect(tables).toBe(2);

    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    for (let i = 0; i < 4; i++) await page.click('#step');
    const said = (await page.textContent('#explain')) ?? '';
    expect(said).toContain('Line 5: fork b');
    expect(said).toContain(`Process b (pid ${after.process('b')!.pid}) was created`);
    expect(said).toContain(`${changed.length - shared} frames taken: ${tables} page tables of b`);
    expect(said).toContain(`${shared} frames now have refcount 2`);
    expect(said).toContain('TLB: flushed once');
    expect(await page.getAttribute('#explain', 'data-frames')).toBe(String(changed.length));
    // The changed frames are outlined on the map, an unchanged one is not.
    const edge = (pfn: number) =>
      page.evaluate(
        (n) =>
          (window as unknown as { playground: { edgeColorOf(pfn: number): string } }).playground.edgeColorOf(
            n,
          ),
        pfn,
      );
    await page.evaluate(
      (n) => (window as unknown as { playground: { select(pfn: number): void } }).playground.select(n),
      frames.frameCount - 1,
    );
    for (const pfn of changed) expect(await edge(pfn), `frame ${pfn}`).toBe('#d50000');
    const unchanged = frames.frameCount - 64;
    expect(await edge(unchanged)).not.toBe('#d50000');
    // The TLB's flush counter is outlined; the hit counter did not move.
    expect(await page.getAttribute('[data-counter="flushes"]', 'class')).toBe('changed');
    expect(await page.getAttribute('[data-counter="hits"]', 'class')).toBe('');
    await screenshot(page, 'classroom-fork-explained');

    // Back: the machine as it was after three statements, and that statement explained.
    await page.click('#back');
    expect(await status(page)).toMatch(/^3 of \d+ run/);
    expect(await page.textContent('#explain')).toContain('Line 4: touch x 16K');
    expect(Number(await page.getAttribute('#map-summary', 'data-free-frames'))).toBe(
      atStep(3).pmm.freeFrames,
    );
    await page.keyboard.press('Shift+F10');
    expect(await status(page)).toMatch(/^2 of \d+ run/);
    // The timeline jumps to any step.
    await page.$eval('#timeline', (input) => {
      (input as HTMLInputElement).value = '5';
      input.dispatchEvent(new Event('change'));
    });
    // (the fifth statement is the last: the run is over)
    expect(await status(page)).toBe('done: 5 statements, every expectation held');
    expect(await page.textContent('#explain')).toContain('Line 6: touch x');
    expect(await page.textContent('#explain')).toContain('1 frame is no longer shared');
    expect(Number(await page.getAttribute('#map-summary', 'data-free-frames'))).toBe(
      atStep(5).pmm.freeFrames,
    );
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
