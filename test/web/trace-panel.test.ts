/**
 * The playground's page-replacement panel in Chromium: the comparison table and the
 * faults-against-frames curve it shows for a trace are the figures comparePolicies and faultCurve
 * give here in Node for the same trace, Belady's figures among them, and the anomaly is marked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  comparePolicies,
  faultCurve,
  type MemoryTrace,
  type PagingFormat,
  type PolicyName,
  parseLackey,
  parseRw,
} from '../../src/index.js';
import type { ChartedCurve } from '../../web/src/trace-curve-chart.js';
import { OUTPUT, type Playground, ROOT, startPlayground } from './browser.js';

const BELADY = readFileSync(join(ROOT, 'examples', 'traces', 'mem', 'belady.rw'), 'utf8');
const OSTEP = readFileSync(join(ROOT, 'examples', 'traces', 'mem', 'ostep.rw'), 'utf8');
const TEXTBOOK: PolicyName[] = ['fifo', 'lru', 'opt'];

/** The comparison table's rows as shown: policy, faults, major, minor, evictions. */
async function shownComparison(page: Page): Promise<string[][]> {
  return page.$$eval('#trace-compare tbody tr', (rows) =>
    rows.map((row) => Array.from(row.querySelectorAll('td'), (cell) => cell.textContent ?? '').slice(0, 5)),
  );
}

function expectedComparison(
  trace: MemoryTrace,
  frames: number,
  policies: PolicyName[],
  paging: PagingFormat = 'x86-64',
): string[][] {
  return comparePolicies(trace, { frames, paging }, policies).map((r) =>
    [r.policy, r.pageFaults, r.majorFaults, r.minorFaults, r.evictions].map(String),
  );
}

/** The message of what `act` throws. */
function messageOf(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

/** The TLB hit rates the table shows, a policy a row. */
async function shownTlbHits(page: Page): Promise<string[]> {
  return page.$$eval('#trace-compare tbody tr td:last-child', (cells) =>
    cells.map((c) => c.textContent ?? ''),
  );
}

async function charted(page: Page): Promise<ChartedCurve> {
  const curve = await page.evaluate(() =>
    (
      window as unknown as { playground: { tracePanel: { charted(): ChartedCurve | null } } }
    ).playground.tracePanel.charted(),
  );
  if (!curve) throw new Error('the panel drew no curve');
  return curve;
}

/** The curve faultCurve gives, in the chart's shape. */
function expectedCurve(
  trace: MemoryTrace,
  from: number,
  to: number,
  policies: PolicyName[],
  paging: PagingFormat = 'x86-64',
) {
  const curve = faultCurve(trace, from, to, { paging }, policies);
  const faults: Record<string, number[]> = {};
  for (const policy of policies) faults[policy] = curve.points.map((p) => p.faults[policy]);
  return { frames: curve.points.map((p) => p.frames), faults, anomalies: curve.anomalies };
}

async function setPolicies(page: Page, policies: PolicyName[]): Promise<void> {
  const boxes = await page.$$eval('.trace-policies input', (list) =>
    list.map((b) => (b as HTMLInputElement).value),
  );
  for (const policy of boxes)
    await page.setChecked(
      `.trace-policies input[value="${policy}"]`,
      policies.includes(policy as PolicyName),
    );
}

describe("the playground's page-replacement panel", () => {
  let playground: Playground;

  beforeAll(async () => {
    playground = await startPlayground();
  }, 60_000);

  afterAll(async () => {
    await playground?.close();
  });

  it("shows Belady's figures as comparePolicies and faultCurve give them, the anomaly marked", async () => {
    const trace = parseRw(BELADY);
    // The textbook's figures, from the functions the page uses.
    const at3 = comparePolicies(trace, { frames: 3 }, TEXTBOOK).map((r) => r.pageFaults);
    const at4 = comparePolicies(trace, { frames: 4 }, TEXTBOOK).map((r) => r.pageFaults);
    expect(at3).toEqual([9, 10, 7]);
    expect(at4).toEqual([10, 8, 6]);

    const { page, problems } = await playground.open(1280, 800);
    // The bundled traces are offered, Belady's first shown with FIFO, LRU and OPT, 3 frames, 1..6.
    expect(await page.$$eval('#trace-example option', (list) => list.map((o) => o.textContent))).toEqual([
      'belady.rw',
      'ostep.rw',
    ]);
    expect(await page.inputValue('#trace-example')).toBe('belady.rw');
    expect(await page.textContent('#trace-status')).toBe('belady.rw: 12 accesses to 5 pages');
    expect(await shownComparison(page)).toEqual(expectedComparison(trace, 3, TEXTBOOK));
    expect((await shownComparison(page)).map((row) => Number(row[1]))).toEqual([9, 10, 7]);
    expect(await page.textContent('#trace-compare caption')).toBe('3 resident frames, x86-64 paging');

    await page.fill('#trace-frames', '4');
    await page.click('#trace-run');
    expect((await shownComparison(page)).map((row) => Number(row[1]))).toEqual([10, 8, 6]);
    expect(await shownComparison(page)).toEqual(expectedComparison(trace, 4, TEXTBOOK));

    // The chart holds the curve's points, one line a policy.
    const expected = expectedCurve(trace, 1, 6, TEXTBOOK);
    const shown = await charted(page);
    expect(shown.frames).toEqual([1, 2, 3, 4, 5, 6]);
    expect(shown.faults).toEqual(expected.faults);
    expect(shown.faults.fifo.slice(2, 4)).toEqual([9, 10]);
    expect(shown.faults.lru.slice(2, 4)).toEqual([10, 8]);
    expect(shown.faults.opt.slice(2, 4)).toEqual([7, 6]);

    // The anomaly: FIFO's 10 faults with 4 frames, ringed on the chart, listed and marked in the table.
    expect(expected.anomalies.map((a) => [a.policy, a.frames, a.faults])).toEqual([['fifo', 4, 10]]);
    expect(shown.marked.map((m) => [m.policy, m.frames, m.faults])).toEqual([['fifo', 4, 10]]);
    const ring = shown.marked[0];
    // The ring's top is drawn red on the chart's canvas (7 CSS pixels above the point).
    const pixel = await page.evaluate(
      ({ x, y }) => {
        const canvas = document.querySelector<HTMLCanvasElement>('#trace-curve canvas');
        const ratio = devicePixelRatio || 1;
        return Array.from(
          canvas!.getContext('2d')!.getImageData(Math.round(x), Math.round(y - 7 * ratio), 1, 1).data,
        );
      },
      { x: ring.x, y: ring.y },
    );
    expect(pixel[0]).toBeGreaterThan(150);
    expect(pixel[1]).toBeLessThan(80);
    expect(pixel[2]).toBeLessThan(80);
    expect(
      await page.$$eval('#trace-anomalies li.anomaly', (list) => list.map((li) => li.textContent)),
    ).toEqual(['Belady’s anomaly: fifo faults 10 times with 4 frames, 9 with 3']);
    expect(
      await page.$$eval('#trace-curve-table td.anomaly', (cells) =>
        cells.map((c) => [
          c.getAttribute('data-policy'),
          c.closest('tr')?.getAttribute('data-frames'),
          c.textContent,
        ]),
      ),
    ).toEqual([['fifo', '4', '10']]);
    await page.locator('.trace-panel').screenshot({ path: join(OUTPUT, 'playground-trace-belady.png') });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('follows the chosen trace, paging, policies and range; no anomaly, none marked', async () => {
    const trace = parseRw(OSTEP);
    const policies: PolicyName[] = ['clock', 'lru', 'opt', 'random'];
    const { page, problems } = await playground.open(1280, 800);
    await page.selectOption('#trace-example', 'ostep.rw');
    await page.selectOption('#trace-paging', 'sv39');
    await setPolicies(page, policies);
    await page.fill('#trace-from', '2');
    await page.fill('#trace-to', '5');
    await page.click('#trace-run');
    expect(await shownComparison(page)).toEqual(expectedComparison(trace, 3, policies, 'sv39'));
    expect(await page.textContent('#trace-compare caption')).toBe('3 resident frames, sv39 paging');
    expect(await shownTlbHits(page)).toEqual(
      comparePolicies(trace, { frames: 3, paging: 'sv39' }, policies).map(
        (r) => `${((r.tlbHits / r.accesses) * 100).toFixed(1)} %`,
      ),
    );
    // OSTEP's figures with 3 frames: LRU 5, OPT 5.
    expect((await shownComparison(page)).slice(1, 3).map((row) => row[1])).toEqual(['5', '5']);
    const expected = expectedCurve(trace, 2, 5, policies, 'sv39');
    const shown = await charted(page);
    expect(shown.frames).toEqual([2, 3, 4, 5]);
    expect(shown.faults).toEqual(expected.faults);
    expect(expected.anomalies).toEqual([]);
    expect(shown.marked).toEqual([]);
    expect(await page.textContent('#trace-anomalies')).toBe(
      'No anomaly: no policy faulted more with more frames.',
    );
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('replays a lackey file the user opens, and says what is wrong with a bad one', async () => {
    // Two code pages and three data pages, loads, stores and modifies.
    const lackey = [
      '==1234== Lackey, an example Valgrind tool',
      'I  00401000,3',
      ' L 7ff000010,8',
      'I  00401003,4',
      ' S 7ff001008,8',
      'I  00402000,2',
      ' M 7ff002000,4',
      'I  00401007,3',
      ' L 7ff000018,8',
      ' L 7ff002008,8',
      'I  00402004,2',
      ' S 7ff001010,8',
      '',
    ].join('\n');
    const trace = parseLackey(lackey);
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#trace-frames', '2');
    await page.setInputFiles('#trace-file', {
      name: 'run.lackey',
      mimeType: 'text/plain',
      buffer: Buffer.from(lackey),
    });
    await page.waitForFunction(() =>
      document.querySelector('#trace-status')?.textContent?.startsWith('run.lackey'),
    );
    expect(await page.textContent('#trace-status')).toBe(`run.lackey: ${trace.count} accesses to 5 pages`);
    expect(await shownComparison(page)).toEqual(expectedComparison(trace, 2, TEXTBOOK));
    expect((await charted(page)).faults).toEqual(expectedCurve(trace, 1, 6, TEXTBOOK).faults);
    expect(await page.isHidden('#trace-error')).toBe(true);

    // Stack addresses above 4 GiB under i386 paging: the replay's own refusal, the results kept.
    const before = await shownComparison(page);
    await page.selectOption('#trace-paging', 'i386');
    await page.click('#trace-run');
    await page.waitForSelector('#trace-error:not([hidden])');
    const i386Message = messageOf(() => comparePolicies(trace, { frames: 2, paging: 'i386' }, TEXTBOOK));
    expect(i386Message).toContain('0x7ff000000');
    expect(await page.textContent('#trace-error')).toBe(i386Message);
    expect(await shownComparison(page)).toEqual(before);
    await page.selectOption('#trace-paging', 'x86-64');
    await page.click('#trace-run');
    expect(await page.isHidden('#trace-error')).toBe(true);

    // A line that is no access: the parser's own message, naming the line; the results kept.
    await page.setInputFiles('#trace-file', {
      name: 'bad.rw',
      mimeType: 'text/plain',
      buffer: Buffer.from('R 0x1000\nX 0x2000\n'),
    });
    await page.waitForSelector('#trace-error:not([hidden])');
    const parseMessage = messageOf(() => parseRw('R 0x1000\nX 0x2000\n'));
    expect(parseMessage).toMatch(/^line 2: /);
    expect(await page.textContent('#trace-error')).toBe(parseMessage);
    expect(await shownComparison(page)).toEqual(before);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('says it is replaying a long trace before it does, then shows the same figures', async () => {
    // 12,000 reads of 8 pages in a fixed pseudo-random order: 3 policies at 7 frame counts are
    // 252,000 replayed accesses, over the count beyond which the page paints first.
    const lines: string[] = [];
    let seed = 7;
    for (let i = 0; i < 12_000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      lines.push(`${i % 5 === 0 ? 'W' : 'R'} 0x${(0x400000 + ((seed >>> 16) % 8) * 4096).toString(16)}`);
    }
    const text = `${lines.join('\n')}\n`;
    const trace = parseRw(text);
    const { page, problems } = await playground.open(1280, 800);
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { statusSeen: string[] }).statusSeen = seen;
      const status = document.querySelector('#trace-status')!;
      new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.setInputFiles('#trace-file', {
      name: 'long.rw',
      mimeType: 'text/plain',
      buffer: Buffer.from(text),
    });
    await page.waitForFunction(
      () =>
        document.querySelector('#trace-status')?.textContent === 'long.rw: 12000 accesses to 8 pages' &&
        document.querySelector<HTMLElement>('#trace-panel')?.dataset.busy === undefined,
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.evaluate(() => (window as unknown as { statusSeen: string[] }).statusSeen)).toEqual([
      'long.rw: replaying 12000 accesses under 3 policies at 7 frame counts…',
      'long.rw: 12000 accesses to 8 pages',
    ]);
    expect(await shownComparison(page)).toEqual(expectedComparison(trace, 3, TEXTBOOK));
    expect((await charted(page)).faults).toEqual(expectedCurve(trace, 1, 6, TEXTBOOK).faults);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);
});
