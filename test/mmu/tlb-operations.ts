/**
 * The TLB operations the MMU's property tests draw (hit-index.test.ts, common-miss.test.ts): an
 * access to one of a test's pages, the three invalidations and a switch between two address
 * spaces, with the weights both tests use. Each test adds operations of its own.
 */
import fc from 'fast-check';

export type TlbOperation =
  | { kind: 'access'; page: number; offset: number; access: number; mode: number }
  | { kind: 'invalidatePage'; page: number }
  | { kind: 'invalidateAsid' }
  | { kind: 'invalidateAll' }
  | { kind: 'switch'; space: number; keep: boolean };

/** The weighted arbitraries of the shared operations over pages 0 to `pages` - 1, for fc.oneof. */
export function tlbOperations(pages: number): fc.WeightedArbitrary<TlbOperation>[] {
  const page = fc.integer({ min: 0, max: pages - 1 });
  return [
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant('access' as const),
        page,
        offset: fc.integer({ min: 0, max: 4095 }),
        access: fc.integer({ min: 0, max: 2 }),
        mode: fc.integer({ min: 0, max: 1 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalidatePage' as const), page }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalidateAsid' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalidateAll' as const) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('switch' as const),
        space: fc.integer({ min: 0, max: 1 }),
        keep: fc.boolean(),
      }),
    },
  ];
}
