import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_SCENARIO } from '../../src/workload/scenario/demo-scenario.js';

describe('the demo scenario', () => {
  it('is examples/demo.pf, so a newcomer can open the file the tour points into', () => {
    const file = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'demo.pf'), 'utf8');
    expect(file).toBe(DEMO_SCENARIO);
  });
});
