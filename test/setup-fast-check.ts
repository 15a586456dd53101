/**
 * Property tests draw fresh random cases on every local run, which is how they find bugs. On CI
 * (CI set) they draw from one fixed seed, so a landing is never decided by luck; FC_SEED picks
 * the seed anywhere, to replay a failure that fast-check reported.
 */
import fc from 'fast-check';

const fixed = process.env.FC_SEED ?? (process.env.CI ? '20261121' : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });
