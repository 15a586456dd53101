/**
 * The whole-system model test on the first-fit frame allocator, every format: machines of random
 * operations checked against the reference model (model-run.ts). With the first-fit or buddy twin
 * file, more than 100 000 operations a run of the suite; `npm run soak` runs more.
 */
import { describe, expect, it } from 'vitest';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { campaign, runSystemModel } from './model-run.js';
import { FORMATS } from './system-model.js';

/** On CI one fixed seed (a landing is never decided by luck); FC_SEED replays; else a fresh one. */
const SEED = Number(process.env.FC_SEED ?? (process.env.CI ? 20261121 : Math.floor(Math.random() * 2 ** 31)));
// CI runs the full 105 000 operations (over 100 000); a local run a fifth of them, to stay quick.
const OPS_PER_FORMAT = process.env.CI ? 17_500 : 3_500;

describe.each<FormatName>([...FORMATS])('the whole machine against the model on %s, first-fit', (format) => {
  it(`${OPS_PER_FORMAT} operations keep every byte, refusal and invariant right (seed ${SEED})`, () => {
    const runs = campaign(SEED, OPS_PER_FORMAT, { formats: [format], allocators: ['first-fit'] });
    let ops = 0;
    for (const run of runs) {
      const result = runSystemModel({ ...run, refusalCheckOneIn: 4 });
      ops += result.ops;
      // Every kind of operation ran in every machine, and some were refused or injected failures.
      expect(Object.keys(result.byKind).length).toBe(21);
      expect(result.refusals).toBeGreaterThan(0);
    }
    expect(ops).toBe(OPS_PER_FORMAT);
  }, 300_000);
});
