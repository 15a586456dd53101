/**
 * The model campaign as a vitest suite, one frame allocator on every format: the two model test
 * files each call it, so CI runs them in parallel (the soak script uses model-run.ts directly).
 */
import { describe, expect, it } from 'vitest';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { campaign, runSystemModel } from './model-run.js';
import { FORMATS } from './system-model.js';

/** On CI one fixed seed (a landing is never decided by luck); FC_SEED replays; else a fresh one. */
const CAMPAIGN_SEED = Number(
  process.env.FC_SEED ?? (process.env.CI ? 20261121 : Math.floor(Math.random() * 2 ** 31)),
);
// CI runs the full 105 000 operations (over 100 000); a local run a fifth of them, to stay quick.
const OPS_PER_FORMAT = process.env.CI ? 17_500 : 3_500;

/**
 * The model campaign on one frame allocator, every format, as a vitest suite. Each allocator has
 * a test file of its own that calls this, so CI runs the two in parallel.
 */
export function describeModelCampaign(allocator: 'buddy' | 'first-fit'): void {
  describe.each<FormatName>([...FORMATS])(
    `the whole machine against the model on %s, ${allocator}`,
    (format) => {
      it(`${OPS_PER_FORMAT} operations keep every byte, refusal and invariant right (seed ${CAMPAIGN_SEED})`, () => {
        const runs = campaign(CAMPAIGN_SEED, OPS_PER_FORMAT, { formats: [format], allocators: [allocator] });
        let ops = 0;
        let swapMachines = 0;
        for (const run of runs) {
          const result = runSystemModel({ ...run, refusalCheckOneIn: 4 });
          ops += result.ops;
          // Every kind of operation ran in every machine, and some were refused or injected failures.
          expect(Object.keys(result.byKind).length).toBe(21);
          expect(result.refusals).toBeGreaterThan(0);
          // The kernel heap took blocks on every machine, swap machines too.
          expect(result.kernelBlocks).toBeGreaterThan(0);
          if (run.swap) {
            // A swap machine really ran under pressure: pages went out and came back.
            swapMachines++;
            expect(result.evictions, `evictions under ${run.swap.policy}`).toBeGreaterThan(0);
            expect(result.swapIns, `swap-ins under ${run.swap.policy}`).toBeGreaterThan(0);
          } else {
            expect(result.evictions + result.swapIns).toBe(0);
          }
        }
        expect(ops).toBe(OPS_PER_FORMAT);
        // One machine in three has swap (the second of a local run's two, two of CI's seven).
        expect(swapMachines).toBe(runs.length === 7 ? 2 : 1);
      }, 300_000);
    },
  );
}
