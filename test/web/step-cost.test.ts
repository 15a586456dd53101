/**
 * What a Step costs the page, checked by what it does rather than by timing: the editor reads no
 * layout (it keeps its line heights and box), and the report is built only when its panel is seen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario, ScenarioRun } from '../../src/index.js';
import { type Playground, readReport, startPlayground } from './browser.js';

/** 80 statements: the later ones are far below the editor's first screen at 1280x800. */
const TEXT = (() => {
  const lines = ['machine ram 16M', 'process p'];
  for (let i = 0; i < 40; i++) lines.push(`m${i} = map anon 4K`, `touch m${i} 4K`);
  return `${lines.join('\n')}\n`;
})();

/**
 * Counts, in the page, every read of a layout property of the editor (textarea, gutter, numbers,
 * mirror), and the times the textarea is scrolled (`scrollTop=`).
 */
function countEditorLayoutReads(): void {
  const inEditor = (node: unknown) =>
    node instanceof Element && node.closest('#source, #gutter, .editor-mirror') !== null;
  const counts: Record<string, number> = {};
  (window as unknown as { editorLayoutReads: Record<string, number> }).editorLayoutReads = counts;
  const watch = (proto: object, name: string) => {
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    if (!descriptor) throw new Error(`no ${name}`);
    if (descriptor.get) {
      const get = descriptor.get;
      const set = descriptor.set;
      Object.defineProperty(proto, name, {
        ...descriptor,
        get(this: unknown) {
          if (inEditor(this)) counts[name] = (counts[name] ?? 0) + 1;
          return get.call(this);
        },
        set:
          set &&
          function (this: unknown, value: unknown) {
            if (this instanceof HTMLTextAreaElement) counts[`${name}=`] = (counts[`${name}=`] ?? 0) + 1;
            set.call(this, value);
          },
      });
    } else {
      const call = descriptor.value as (...args: unknown[]) => unknown;
      Object.defineProperty(proto, name, {
        ...descriptor,
        value(this: unknown, ...args: unknown[]) {
          if (inEditor(this)) counts[name] = (counts[name] ?? 0) + 1;
          return call.apply(this, args);
        },
      });
    }
  };
  for (const name of ['offsetTop', 'offsetHeight', 'offsetWidth']) watch(HTMLElement.prototype, name);
  for (const name of ['clientWidth', 'clientHeight', 'scrollTop', 'scrollHeight', 'getBoundingClientRect'])
    watch(Element.prototype, name);
  watch(window, 'getComputedStyle');
}

describe('a Step in the playground', () => {
  let playground: Playground;

  beforeAll(async () => {
    playground = await startPlayground();
  }, 60_000);

  afterAll(async () => {
    await playground?.close();
  });

  it('reads no layout in the editor, yet keeps the next statement in view', async () => {
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', TEXT);
    await page.evaluate(countEditorLayoutReads);
    for (let i = 0; i < 70; i++) await page.click('#step');
    // The only reads are the scroll events' (one a scroll, when the page is laid out anyway), and
    // the textarea is scrolled only when the next line would leave the view: a few times in 70 steps.
    const counts = await page.evaluate(
      () => (window as unknown as { editorLayoutReads: Record<string, number> }).editorLayoutReads,
    );
    const scrolls = counts['scrollTop='] ?? 0;
    expect(Object.keys(counts).filter((name) => name !== 'scrollTop' && name !== 'scrollTop=')).toEqual([]);
    expect(scrolls).toBeGreaterThan(0);
    expect(scrolls).toBeLessThan(10);
    expect(counts.scrollTop ?? 0).toBeLessThanOrEqual(scrolls);
    // Step 70 ran line 71; line 72 is next, far below the first screen, and in view.
    expect(await page.textContent('#gutter .current')).toBe('72');
    const view = await page.$eval('#source', (area) => {
      const current = document.querySelector<HTMLElement>('#gutter .current')!;
      const gutter = document.getElementById('gutter')!;
      return {
        top: current.offsetTop - gutter.offsetTop,
        height: current.offsetHeight,
        scrollTop: area.scrollTop,
        gutterScrollTop: gutter.scrollTop,
        clientHeight: area.clientHeight,
      };
    });
    expect(view.scrollTop).toBeGreaterThan(0);
    expect(view.gutterScrollTop).toBe(view.scrollTop);
    expect(view.top).toBeGreaterThanOrEqual(view.scrollTop);
    expect(view.top + view.height).toBeLessThanOrEqual(view.scrollTop + view.clientHeight);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('builds the report only when its panel is in view, and then as `pageframe run` has it', async () => {
    const { page, problems } = await playground.open(1280, 800);
    await page.fill('#source', TEXT);
    for (let i = 0; i < 5; i++) await page.click('#step');
    // At 1280x800 the panel is below the first screen: the report waits, marked stale.
    const below = await page.$eval('#report-panel', (panel) => panel.getBoundingClientRect().top);
    expect(below).toBeGreaterThan(800);
    expect(await page.getAttribute('#report', 'data-stale')).toBe('');

    const run = new ScenarioRun(parseScenario(TEXT, 'x.pf'));
    for (let i = 0; i < 5; i++) run.step();
    const summary = `running: 5 statements run`;
    const report = await readReport(page);
    expect(report).toContain(summary);
    expect(report).toContain(`free ${run.machine!.pmm.freeFrames} frames`);
    expect(await page.textContent('#report-step')).toBe('after 5 steps');

    // In view, each Step builds it at once.
    await page.click('#step');
    expect(await page.getAttribute('#report', 'data-stale')).toBeNull();
    expect(await page.textContent('#report')).toContain('running: 6 statements run');
    expect(await page.textContent('#report-step')).toBe('after 6 steps');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
