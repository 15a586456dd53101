import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Playground, screenshot, startPlayground } from './browser.js';

describe('the browser playground', () => {
  let playground: Playground;

  beforeAll(async () => {
    playground = await startPlayground();
  }, 60_000);

  afterAll(async () => {
    await playground?.close();
  });

  it('loads offline, with nothing fetched from elsewhere', async () => {
    const { page, problems } = await playground.open();
    expect(await page.title()).toBe('pageframe playground');
    await screenshot(page, 'playground-1280x800');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
