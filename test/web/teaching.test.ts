/**
 * The playground as a teacher uses it, second part, each checked in Chromium against the same
 * scenario run in Node: the walk that teaches (the predicted access then really made), run to a
 * line and breakpoints, ownership on the map, the page-table tree, changes in the charts and zoom,
 * projector mode, a RISC-V program, a snapshot file, and swap. About 30 s on a quiet machine: a
 * dozen pages in one browser, each running its scenario.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Access, parseScenario, ScenarioRun, SegmentationFaultError } from '../../src/index.js';
import { processColor } from '../../web/src/frame-colors.js';
import { editorShape, type Playground, ROOT, readReport, screenshot, startPlayground } from './browser.js';

function reference(text: string, steps = Number.POSITIVE_INFINITY): ScenarioRun {
  const run = new ScenarioRun(parseScenario(text, 'scenario.pf'));
  for (let i = 0; i < steps && !run.done; i++) run.step();
  return run;
}

async function runAll(page: Page): Promise<void> {
  await page.click('#run');
  await page.waitForFunction(() => document.body.dataset.running === undefined);
}

async function walkIn(page: Page, pid: number, va: number): Promise<void> {
  await page.selectOption('#process', String(pid));
  await page.fill('#walk-va', `0x${va.toString(16)}`);
  await page.press('#walk-va', 'Enter');
}

// One build and one browser for the whole file (each test opens its own page).
let playground: Playground;

beforeAll(async () => {
  playground = await startPlayground();
}, 120_000);

afterAll(async () => {
  await playground?.close();
});

const FORKED = [
  'machine ram 16M',
  'machine paging x86-64',
  'process a',
  'x = map anon 16K',
  'touch x 16K',
  'fork b',
  'in a: y = map anon 8K',
  'in a: touch x + 4K read',
  '',
].join('\n');

describe('the walk that teaches', () => {
  it('cuts the address into coloured fields, asks the TLB first, and predicts each fault the kernel then takes', async () => {
    const expected = reference(FORKED);
    expect(expected.outcome.failures).toEqual([]);
    const machine = expected.machine!;
    const a = machine.process('a')!;
    const format = machine.vm.pageTables.format;
    const x = expected.variables.get('x')!;
    const y = expected.variables.get('y')!;
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', FORKED);
    await runAll(page);

    // x + 4K in a: present, shared with b since the fork, read since (so in the TLB).
    const shared = x + 4096;
    await walkIn(page, a.pid, shared);
    const fields = await page.$$eval('.va-split .va-field', (list) =>
      list.map((f) => ({
        role: f.getAttribute('data-role'),
        level: Number(f.getAttribute('data-level')),
        value: Number(f.getAttribute('data-value')),
        color: getComputedStyle(f).backgroundColor,
      })),
    );
    // Sign, PML4, PDPT, PD, PT, offset: the indexes are the ones the hardware uses.
    expect(fields.map((f) => f.role)).toEqual(['sign', 'index', 'index', 'index', 'index', 'offset']);
    for (const f of fields.filter((f) => f.role === 'index'))
      expect(f.value).toBe(format.indexOf(shared, f.level));
    expect(fields.at(-1)!.value).toBe(shared % 4096);
    // Each index is coloured as the row of the table it indexes.
    const rows = await page.$$eval('.walk tbody tr[data-level]', (list) =>
      list.map((row) => ({
        level: Number(row.getAttribute('data-level')),
        index: Number(row.children[2].textContent),
        color: getComputedStyle(row.children[2]).backgroundColor,
      })),
    );
    expect(rows.map((r) => r.level)).toEqual([3, 2, 1, 0]);
    for (const row of rows) {
      const field = fields.find((f) => f.role === 'index' && f.level === row.level)!;
      expect(row.index).toBe(field.value);
      expect(row.color).toBe(field.color);
    }
    expect(new Set(rows.map((r) => r.color)).size).toBe(4);

    // The TLB is asked first: the set and the way are the TLB's own.
    const tlb = machine.vm.mmu.tlb;
    const vpn = Math.floor(shared / 4096);
    const way = tlb.find(vpn, a.space.asid);
    expect(way).toBeGreaterThanOrEqual(0);
    expect(Number(await page.getAttribute('.tlb-probe', 'data-set'))).toBe(vpn & tlb.setMask);
    expect(Number(await page.getAttribute('.tlb-probe', 'data-way'))).toBe(way % tlb.ways);
    expect(await page.textContent('.tlb-probe')).toContain(`Hit in way ${way % tlb.ways}`);

    // The bits in plain words: R/W = 0 in a writable region is copy-on-write pending.
    const refCount =
      machine.pmm.frames.refCount[machine.vm.pageTables.lookup(a.space.root, shared).pa / 4096];
    expect(refCount).toBe(2);
    expect(await page.textContent('.plain-bits li[data-field="R/W"]')).toContain(
      `copy-on-write is pending (${refCount} holders)`,
    );
    expect(await page.getAttribute('.predictions li[data-access="read"]', 'data-outcome')).toBe('translates');
    expect(await page.getAttribute('.predictions li[data-access="write"]', 'data-outcome')).toBe('cow-copy');
    await screenshot(page, 'teaching-walk-cow');

    // y: mapped, never touched: a write is a demand-zero fault. 0x1000: no region, SIGSEGV.
    await walkIn(page, a.pid, y);
    expect(await page.getAttribute('.predictions li[data-access="write"]', 'data-outcome')).toBe(
      'demand-zero',
    );
    expect(await page.getAttribute('.tlb-probe', 'data-way')).toBe('-1');
    expect(await page.textContent('.plain-bits')).toContain(
      'not present: any access here faults to the kernel',
    );
    await walkIn(page, a.pid, 0x1000);
    expect(await page.getAttribute('.predictions li[data-access="read"]', 'data-outcome')).toBe('segfault');

    // Now make the accesses in Node: each does what the page said.
    const faults = a.space.faults;
    const copiesBefore = faults.cowCopy;
    a.space.access(shared, Access.Write);
    expect(faults.cowCopy).toBe(copiesBefore + 1);
    expect(machine.pmm.frames.refCount[machine.vm.pageTables.lookup(a.space.root, shared).pa / 4096]).toBe(1);
    const zeroBefore = faults.demandZero;
    a.space.access(y, Access.Write);
    expect(faults.demandZero).toBe(zeroBefore + 1);
    expect(() => a.space.access(0x1000, Access.Read)).toThrow(SegmentationFaultError);
    machine.kernel.check();
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('after the copy, the last holder takes the frame over: the page says so and the kernel does so', async () => {
    // b writes its copy of x + 4K: a is left the frame's only holder.
    const text = `${FORKED}in b: touch x + 4K write\n`;
    const expected = reference(text);
    const machine = expected.machine!;
    const a = machine.process('a')!;
    const x = expected.variables.get('x')!;
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    await runAll(page);
    await walkIn(page, a.pid, x + 4096);
    expect(await page.textContent('.plain-bits li[data-field="R/W"]')).toContain('takes the frame over');
    expect(await page.getAttribute('.predictions li[data-access="write"]', 'data-outcome')).toBe(
      'cow-takeover',
    );
    const before = a.space.faults.cowTakeover;
    a.space.access(x + 4096, Access.Write);
    expect(a.space.faults.cowTakeover).toBe(before + 1);
    machine.kernel.check();
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('at 1920x1080 the walk shows every bit chip of every level, none clipped', async () => {
    const expected = reference(FORKED);
    const a = expected.machine!.process('a')!;
    const x = expected.variables.get('x')!;
    const { page, problems } = await playground.open(1920, 1080);
    await page.fill('#source', FORKED);
    await runAll(page);
    await walkIn(page, a.pid, x);
    const shape = await page.$eval('.walk-scroll', (scroll) => {
      const box = scroll.getBoundingClientRect();
      const chips = Array.from(scroll.querySelectorAll<HTMLElement>('.bit'));
      return {
        scrollWidth: scroll.scrollWidth,
        clientWidth: scroll.clientWidth,
        chips: chips.length,
        outside: chips.filter((chip) => {
          const r = chip.getBoundingClientRect();
          return r.right > box.right + 0.5 || r.left < box.left - 0.5 || r.width < 4;
        }).length,
      };
    });
    await screenshot(page, 'teaching-walk-1920');
    // Four levels of x86-64 entries, each with its P, R/W, U/S ... address and XD chips.
    expect(shape.chips).toBeGreaterThanOrEqual(4 * 12);
    expect(shape.outside).toBe(0);
    expect(shape.scrollWidth).toBeLessThanOrEqual(shape.clientWidth);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

const LINES = [
  'machine ram 16M',
  'process a',
  'x = map anon 16K',
  '# a comment: no statement here',
  'touch x 16K',
  'fork b',
  'touch x',
  'y = map anon 8K',
  'touch y 8K',
  '',
].join('\n');

describe('run to a line, and breakpoints', () => {
  it('runs to a clicked line, forward or back, and stops at breakpoints', async () => {
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', LINES);
    const status = async () => (await page.textContent('#status')) ?? '';
    const freeShown = async () => Number(await page.getAttribute('#map-summary', 'data-free-frames'));
    const line = (n: number) => `#gutter span:nth-child(${n})`;

    // Click line 6: the three statements (the machine setting is none) before `fork b` run; the last of them is explained.
    await page.click(line(6));
    await page.waitForFunction(() => document.body.dataset.running === undefined);
    expect(await status()).toBe('ran to line 6: 3 of 7 run');
    expect(await page.textContent('#gutter .current')).toBe('6');
    expect(await page.textContent('#explain')).toContain('Line 5: touch x 16K');
    expect(await freeShown()).toBe(reference(LINES, 3).machine!.pmm.freeFrames);

    // Line 4 is a comment, and behind: the run is replayed to the statement after it (line 5).
    await page.click(line(4));
    expect(await status()).toBe('ran to line 5: 2 of 7 run');
    expect(await freeShown()).toBe(reference(LINES, 2).machine!.pmm.freeFrames);

    // Shift+click sets a breakpoint; Run stops before its statement, then goes on past it.
    await page.click(line(8), { modifiers: ['Shift'] });
    expect(await page.getAttribute(line(8), 'class')).toContain('breakpoint');
    await page.click('#run');
    await page.waitForFunction(() => document.body.dataset.running === undefined);
    expect(await status()).toBe('paused at the breakpoint on line 8: 5 of 7 run');
    expect(await page.textContent('#explain')).toContain('Line 7: touch x');
    expect(await page.textContent('#explain')).toContain('1 frame is no longer shared');
    expect(await freeShown()).toBe(reference(LINES, 5).machine!.pmm.freeFrames);
    await page.click('#run');
    await page.waitForFunction(() => document.body.dataset.running === undefined);
    expect(await status()).toBe('done: 7 statements, every expectation held');
    expect(await freeShown()).toBe(reference(LINES).machine!.pmm.freeFrames);

    // F9 sets a breakpoint at the caret's line; Shift+click clears one.
    await page.focus('#source');
    await page.$eval('#source', (area) => {
      const textarea = area as HTMLTextAreaElement;
      const at = textarea.value.indexOf('touch y');
      textarea.setSelectionRange(at, at);
    });
    await page.keyboard.press('F9');
    expect(await page.getAttribute(line(9), 'class')).toContain('breakpoint');
    await page.click(line(8), { modifiers: ['Shift'] });
    expect(await page.getAttribute(line(8), 'class')).not.toContain('breakpoint');
    await page.click('#reset');
    await page.click('#run');
    await page.waitForFunction(() => document.body.dataset.running === undefined);
    expect(await status()).toBe('paused at the breakpoint on line 9: 6 of 7 run');
    await screenshot(page, 'teaching-breakpoint');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

type PlaygroundHandle = {
  playground: {
    select(pfn: number): void;
    colorOf(pfn: number): string;
    cellColorsOf(pfn: number): string[];
  };
};

describe('ownership on the map', () => {
  it('stripes each shared frame with the colours of the processes that map it', async () => {
    const text = 'machine ram 16M\nprocess a\nx = map anon 16K\ntouch x 16K\nfork b\nin b: touch x\n';
    const machine = reference(text).machine!;
    const a = machine.process('a')!;
    const b = machine.process('b')!;
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    await runAll(page);
    // Cells of 8 px or more, so that stripes are drawn.
    while (
      (await page.evaluate(() =>
        (window as unknown as { playground: { cellPx(): number } }).playground.cellPx(),
      )) < 12
    )
      await page.click('#zoom-in');
    const { refCount } = machine.pmm.frames;
    const x = reference(text).variables.get('x')!;
    let shared = 0;
    for (let page4k = 0; page4k < 4; page4k++) {
      const pfnA = machine.vm.pageTables.lookup(a.space.root, x + page4k * 4096).pa / 4096;
      const colors = async (pfn: number) => {
        // Scroll the frame into view, then park the cursor elsewhere in view (it rings its cell).
        await page.evaluate((n) => (window as unknown as PlaygroundHandle).playground.select(n), pfn);
        await page.evaluate((n) => (window as unknown as PlaygroundHandle).playground.select(n), pfn + 64);
        return page.evaluate((n) => (window as unknown as PlaygroundHandle).playground.cellColorsOf(n), pfn);
      };
      if (refCount[pfnA] === 2) {
        shared++;
        expect(await colors(pfnA)).toEqual([processColor(a.pid), processColor(b.pid)].sort());
      } else {
        // b wrote the first page: each process has its own copy, one colour each.
        const pfnB = machine.vm.pageTables.lookup(b.space.root, x + page4k * 4096).pa / 4096;
        expect(await colors(pfnA)).toEqual([processColor(a.pid)]);
        expect(await colors(pfnB)).toEqual([processColor(b.pid)]);
      }
    }
    expect(shared).toBe(3);
    await screenshot(page, 'teaching-stripes');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('draws lines from a region to the frames its pages use', async () => {
    const text = 'machine ram 16M\nprocess a\nx = map anon 32K\ntouch x 8K\ntouch x + 20K 12K\n';
    const expected = reference(text);
    const machine = expected.machine!;
    const a = machine.process('a')!;
    const x = expected.variables.get('x')!;
    const frames: number[] = [];
    for (let offset = 0; offset < 32 * 1024; offset += 4096) {
      const found = machine.vm.pageTables.lookup(a.space.root, x + offset);
      if (found.present) frames.push(found.pa / 4096);
    }
    expect(frames.length).toBe(5);
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    await runAll(page);
    await page.hover(`#regions button[data-base="${x}"]`);
    const lines = await page.$$eval('#links line', (list) =>
      list.map((line) => ({
        pfn: Number(line.getAttribute('data-pfn')),
        x: Number(line.getAttribute('x2')),
        y: Number(line.getAttribute('y2')),
        color: line.getAttribute('stroke'),
      })),
    );
    expect(lines.map((line) => line.pfn)).toEqual(frames);
    for (const line of lines) {
      const at = await page.evaluate(
        (n) =>
          (
            window as unknown as { playground: { cellPosition(pfn: number): { x: number; y: number } } }
          ).playground.cellPosition(n),
        line.pfn,
      );
      expect(line.x).toBeCloseTo(at.x, 3);
      expect(line.y).toBeCloseTo(at.y, 3);
      expect(line.color).toBe(processColor(a.pid));
    }
    await screenshot(page, 'teaching-region-links');
    // Leaving the region takes the lines away.
    await page.mouse.move(2, 2);
    expect(await page.$$eval('#links line', (list) => list.length)).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows a few used frames at 4 GiB, where one cell stands for several frames', async () => {
    const text = 'machine ram 4G\nprocess a\nx = map anon 8K\ntouch x 8K\n';
    const machine = reference(text).machine!;
    const a = machine.process('a')!;
    const x = reference(text).variables.get('x')!;
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    await runAll(page);
    const perCell = await page.evaluate(() =>
      (window as unknown as { playground: { framesPerCell(): number } }).playground.framesPerCell(),
    );
    expect(perCell).toBeGreaterThanOrEqual(4);
    const { state } = machine.pmm.frames;
    // A cell of free frames only, as the page paints it.
    let freeCell = -1;
    for (let cell = 0; freeCell < 0; cell++) {
      let allFree = true;
      for (let pfn = cell * perCell; pfn < (cell + 1) * perCell; pfn++) if (state[pfn] !== 0) allFree = false;
      if (allFree) freeCell = cell;
    }
    const freeColor = await page.evaluate(
      (n) => (window as unknown as PlaygroundHandle).playground.colorOf(n),
      freeCell * perCell,
    );
    const pfn = machine.vm.pageTables.lookup(a.space.root, x).pa / 4096;
    const used = await page.evaluate(
      (n) => (window as unknown as PlaygroundHandle).playground.colorOf(n),
      pfn,
    );
    // The cell holding a's two pages among free frames still reads as a's: at least
    // half way from the free colour to a's green.
    const channels = (color: string) => [1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16));
    const [freeRgb, usedRgb, ownRgb] = [freeColor, used, processColor(a.pid)].map(channels);
    for (let i = 0; i < 3; i++) {
      const way = (usedRgb[i] - freeRgb[i]) / (ownRgb[i] - freeRgb[i]);
      expect(way).toBeGreaterThanOrEqual(0.45);
    }
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('the page-table tree', () => {
  it('draws every table of a process once, and the pages its leaf tables map', async () => {
    const text = [
      'machine ram 32M',
      'machine paging x86-64',
      'process a',
      'x = map anon 6M',
      'touch x 8K',
      'touch x + 2M',
      'touch x + 4M 12K',
      'process b',
      'y = map anon 8K',
      'touch y',
      '',
    ].join('\n');
    const machine = reference(text).machine!;
    const a = machine.process('a')!;
    const { state, use, owner } = machine.pmm.frames;
    const owned: number[] = [];
    for (let pfn = 0; pfn < state.length; pfn++)
      if (state[pfn] === 1 && use[pfn] === 2 && owner[pfn] === a.pid) owned.push(pfn * 4096);
    let mapped = 0;
    machine.vm.pageTables.walkRange(a.space.root, a.space.start, a.space.end, (_va, _pa, size) => {
      mapped += size / 4096;
    });
    expect(mapped).toBe(6);

    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    await runAll(page);
    await page.selectOption('#process', String(a.pid));
    await page.click('#tree-panel summary');
    // The tree is read on the details' toggle event, which comes a task later.
    await page.waitForSelector('#table-tree li[data-table]');
    const nodes = await page.$$eval('#table-tree li[data-table]', (list) =>
      list.map((li) => ({
        table: Number(li.getAttribute('data-table')),
        level: Number(li.getAttribute('data-level')),
        pages: Number(li.getAttribute('data-pages')),
      })),
    );
    // The root, one PDPT, one PD, and a PT for each 2 MiB touched: the tables a owns.
    expect(nodes.map((n) => n.table).sort((p, q) => p - q)).toEqual(owned);
    expect(nodes.map((n) => n.level)).toEqual([3, 2, 1, 0, 0, 0]);
    expect(nodes.reduce((sum, n) => sum + n.pages, 0)).toBe(mapped);
    expect(await page.textContent('#tree-summary')).toBe(`${owned.length} tables`);
    expect(await page.textContent('#table-tree li[data-level="3"] > span')).toBe(
      `PML4 at 0x${a.space.root.toString(16).padStart(8, '0')}: 1 of 512 entries present`,
    );
    await screenshot(page, 'teaching-table-tree');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('changes outlined in the charts, and zoom to the change', () => {
  it('rings what the last statement moved in the charts, and zooms the map in on the frames it changed', async () => {
    const text = [
      'machine ram 64M',
      'process a',
      'process b',
      'switch a',
      'buf = map anon 16K',
      'touch buf 16K',
      'send move buf 16K to b',
      'in b: m = receive',
      '',
    ].join('\n');
    const changedFrames = (steps: number) => {
      const before = reference(text, steps - 1).machine!.pmm.frames;
      const after = reference(text, steps).machine!.pmm.frames;
      const frames: number[] = [];
      for (let pfn = 0; pfn < after.frameCount; pfn++)
        if (
          before.state[pfn] !== after.state[pfn] ||
          before.owner[pfn] !== after.owner[pfn] ||
          before.use[pfn] !== after.use[pfn] ||
          before.refCount[pfn] !== after.refCount[pfn]
        )
          frames.push(pfn);
      return frames;
    };
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', text);
    const changedCharts = () =>
      page.$$eval('#charts figure[data-changed="true"]', (list) => list.map((f) => f.id).sort());
    // Step to `switch a`: nothing the charts plot moved.
    for (let i = 0; i < 3; i++) await page.click('#step');
    expect(await changedCharts()).toEqual([]);
    // `buf = map anon 16K`, then `touch buf 16K`: the touch takes four frames.
    await page.click('#step');
    await page.click('#step');
    const free = (steps: number) => reference(text, steps).machine!.pmm.freeFrames;
    const delta = free(5) - free(4);
    expect(delta).toBeLessThan(0);
    expect(await changedCharts()).toContain('chart-free-frames');
    expect(await page.textContent('[data-chart-value="free-frames"]')).toBe(`${free(5)} (−${-delta})`);
    expect(await page.$eval('#chart-free-frames', (f) => getComputedStyle(f).outlineColor)).toBe(
      'rgb(213, 0, 0)',
    );

    // `send move buf 16K to b`: the map zooms in on the frames it changed, all of them in view.
    await page.click('#step');
    const frames = changedFrames(6);
    expect(frames.length).toBeGreaterThanOrEqual(4);
    expect(Number(await page.getAttribute('#explain', 'data-frames'))).toBe(frames.length);
    type Probe = {
      playground: { cellPx(): number; framesPerCell(): number; cellPosition(pfn: number): unknown };
    };
    const fitted = await page.evaluate(() => (window as unknown as Probe).playground.cellPx());
    await page.click('#zoom-change');
    const zoomed = await page.evaluate(() => ({
      cellPx: (window as unknown as Probe).playground.cellPx(),
      framesPerCell: (window as unknown as Probe).playground.framesPerCell(),
    }));
    expect(zoomed.framesPerCell).toBe(1);
    expect(zoomed.cellPx).toBeGreaterThan(fitted);
    for (const pfn of frames)
      expect(
        await page.evaluate((n) => (window as unknown as Probe).playground.cellPosition(n), pfn),
      ).not.toBeNull();
    await screenshot(page, 'teaching-zoom-change');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('projector mode', () => {
  it('makes the type larger, keeps every line whole and numbered, and is remembered', async () => {
    const { page, problems } = await playground.open(1280, 800);
    const fontSize = () =>
      page.$eval('#source', (area) => Number.parseFloat(getComputedStyle(area).fontSize));
    expect(await fontSize()).toBe(13);
    await page.click('#projector');
    expect(await page.getAttribute('#projector', 'aria-pressed')).toBe('true');
    expect(await fontSize()).toBe(18);
    const options = await page.$$eval('#example option', (list) => list.map((o) => o.getAttribute('value')!));
    // The longest examples: every line wraps whole, and each number stands beside its line.
    for (const name of options.slice(0, 4)) {
      await page.selectOption('#example', name);
      const shape = await editorShape(page);
      expect(shape.scrollWidth, name).toBeLessThanOrEqual(shape.clientWidth);
      expect(shape.numbers, name).toBe(shape.lines);
      if (shape.scrollHeight > shape.clientHeight + 1)
        expect(Math.abs(shape.numbered + 12 - shape.scrollHeight), name).toBeLessThanOrEqual(3);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await screenshot(page, 'teaching-projector');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await fontSize()).toBe(18);
    await page.click('#projector');
    expect(await fontSize()).toBe(13);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('a RISC-V program in the page', () => {
  it('fetches the bundled programs an example execs, runs them as the command line does, and charts their faults', async () => {
    const name = 'programs/scenario.pf';
    const text = readFileSync(join(ROOT, 'examples', name), 'utf8');
    const run = new ScenarioRun(parseScenario(text, 'scenario.pf'), {
      programs: { read: (path) => readFileSync(join(ROOT, path)) },
    });
    // Faults of every process, the ended ones' included, as the page counts them.
    let minor = 0;
    let booted = false;
    while (!run.done) {
      run.step();
      if (!booted && run.machine) {
        booted = true;
        run.machine.kernel.onExit((p) => {
          const f = p.space.faults;
          minor += f.demandZero + f.phys + f.cowCopy + f.cowTakeover + f.swapCache;
        });
      }
    }
    expect(run.outcome.failures).toEqual([]);
    for (const p of run.machine!.processes) {
      const f = p.space.faults;
      minor += f.demandZero + f.phys + f.cowCopy + f.cowTakeover + f.swapCache;
    }
    expect(minor).toBeGreaterThan(0);

    const { page, problems } = await playground.open(1280, 800);
    await page.selectOption('#example', name);
    await page.waitForFunction(() => document.body.dataset.fetching === undefined);
    await runAll(page);
    expect(await page.textContent('#status')).toBe(
      `done: ${run.outcome.statementsRun} statements, every expectation held`,
    );
    // The programs' output, as `pageframe run` prints it.
    const report = await readReport(page);
    for (const line of run.outcome.output) expect(report).toContain(`scenario.pf:${line.line}: ${line.text}`);
    expect(run.outcome.output.some((line) => line.text.includes('hello'))).toBe(true);
    expect(await page.textContent('[data-chart-value="faults"]')).toBe(`${minor} / 0`);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe("a real process's snapshot in the page", () => {
  it('loads a chosen snapshot file and shows the process as the command line builds it', async () => {
    // A small shell-like process, in the file format `pageframe snapshot --out` writes.
    const base = 0x5555_5555_4000;
    const snapshot = {
      kind: 'pageframe-process-snapshot',
      version: 1,
      pid: 4242,
      command: 'tiny-sh',
      linux: { vmRSSBytes: 9 * 4096, vmPTEBytes: 16384, anonHugePagesBytes: 0 },
      regions: [
        {
          start: base,
          end: base + 0x3000,
          perms: 'r-xp',
          name: '/usr/bin/tiny-sh',
          present: [0, 3],
          swapped: [],
          anonHugeBytes: 0,
        },
        {
          start: base + 0x3000,
          end: base + 0x5000,
          perms: 'rw-p',
          name: '[heap]',
          present: [0, 1, 1, 1],
          swapped: [],
          anonHugeBytes: 0,
        },
        {
          start: 0x7ffd_0000_0000,
          end: 0x7ffd_0000_8000,
          perms: 'rw-p',
          name: '[stack]',
          present: [4, 4],
          swapped: [],
          anonHugeBytes: 0,
        },
      ],
      kernelRegions: [],
    };
    const json = JSON.stringify(snapshot);
    const text = `machine ram 512M\nmachine paging x86-64\nsnapshot tiny-sh "tiny.json"\n`;
    const run = new ScenarioRun(parseScenario(text, 'scenario.pf'), {
      programs: { read: (path) => (path === 'tiny.json' ? new TextEncoder().encode(json) : undefined) },
    });
    while (!run.done) run.step();
    expect(run.outcome.failures).toEqual([]);
    const machine = run.machine!;
    const process = machine.process('tiny-sh')!;
    let resident = 0;
    machine.vm.pageTables.walkRange(
      process.space.root,
      process.space.start,
      process.space.end,
      (_va, _pa, size) => {
        resident += size / 4096;
      },
    );
    expect(resident).toBe(9);

    const { page, problems } = await playground.open(1280, 800);
    await page.setInputFiles('#snapshot-file', {
      name: 'tiny.json',
      mimeType: 'application/json',
      buffer: Buffer.from(json),
    });
    await page.waitForFunction(() => document.body.dataset.running === undefined);
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('done'));
    expect(await page.inputValue('#source')).toContain('snapshot tiny-sh "tiny.json"');
    expect(await page.inputValue('#process')).toBe(String(process.pid));
    expect(Number(await page.getAttribute('#map-summary', 'data-free-frames'))).toBe(machine.pmm.freeFrames);
    const drawn = await page.$$eval('#regions button[data-base]', (list) =>
      list.map((b) => ({ base: Number(b.getAttribute('data-base')), text: b.textContent ?? '' })),
    );
    for (const region of process.space.regions.usedRegions())
      expect(drawn.some((d) => d.base === region.base && d.text.includes(region.name))).toBe(true);
    // The statement's own line (regions, pages, tables) is in the report, as `pageframe run` prints it.
    const report = await readReport(page);
    for (const line of run.outcome.output) expect(report).toContain(line.text);
    // Anything else is refused, and said.
    await page.setInputFiles('#snapshot-file', {
      name: 'x.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"a":1}'),
    });
    await page.waitForFunction(() =>
      document.getElementById('status')!.textContent!.includes('not a pageframe'),
    );
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

/** Memory pressure in a scenario: the settings land with the scenario's swap statements. */
const SWAP_TEXT = [
  'machine ram 16M',
  'machine paging x86-64',
  'machine swap 1M',
  'machine policy clock',
  'machine resident 4',
  'process p',
  'a = map anon 32K',
  'touch a 32K',
  'touch a read',
  '',
].join('\n');

function scenarioHasSwap(): boolean {
  try {
    parseScenario(SWAP_TEXT, 'scenario.pf');
    return true;
  } catch {
    return false;
  }
}

describe('swap in the page', () => {
  // Skipped only while the scenario language has no swap settings (`machine swap SIZE`).
  it.skipIf(!scenarioHasSwap())(
    'shows the pages out in swap, the clock hand and the accessed bits, and major faults over time',
    async () => {
      const run = reference(SWAP_TEXT);
      expect(run.outcome.failures).toEqual([]);
      const machine = run.machine!;
      const p = machine.process('p')!;
      const a = run.variables.get('a')!;
      const tables = machine.vm.pageTables;
      const swapped: number[] = [];
      let resident = 0;
      for (let va = a; va < a + 32 * 1024; va += 4096) {
        const found = tables.lookup(p.space.root, va);
        if (found.present) resident++;
        else swapped.push(va);
      }
      expect(resident).toBe(4);
      expect(swapped.length).toBe(4);
      const f = p.space.faults;
      const major = f.swapIn;
      expect(major).toBe(1);

      const { page, problems } = await playground.open(1280, 800);
      await page.fill('#source', SWAP_TEXT);
      await runAll(page);
      await page.selectOption('#process', String(p.pid));
      expect(Number(await page.getAttribute('#swap-info [data-swapped]', 'data-swapped'))).toBe(
        swapped.length,
      );
      expect(await page.textContent('#swap-info [data-swapped]')).toContain(
        swapped.map((va) => `0x${va.toString(16).padStart(8, '0')}`).join(', '),
      );
      expect(Number(await page.getAttribute('#swap-info [data-resident]', 'data-resident'))).toBe(resident);
      const device = machine.vm.swap!.device.stats();
      expect(Number(await page.getAttribute('#swap-info [data-used-slots]', 'data-used-slots'))).toBe(
        device.usedSlots,
      );
      const hand = (machine.vm.swap!.policy as unknown as { hand(owner: number): number }).hand(p.pid);
      expect(await page.textContent('#swap-info')).toContain(`its hand at frame ${hand}`);
      // The walk of a swapped page says where it is and what touching it costs.
      await walkIn(page, p.pid, swapped[0]);
      expect(await page.getAttribute('.predictions li[data-access="read"]', 'data-outcome')).toBe('swap-in');
      expect(await page.textContent('[data-chart-value="faults"]')).toMatch(new RegExp(` / ${major}$`));
      await screenshot(page, 'teaching-swap');
      expect(problems).toEqual([]);
      await page.context().close();
    },
  );
});
