/**
 * Every replacement policy refuses a frame or an owner it cannot track when a page is admitted
 * (the checks reclaim's hot path makes on each resident page), and tracks the ones it can.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { createPolicy, POLICY_NAMES } from '../../src/swap/policies/replacement-policy.js';

describe('policy admission', () => {
  it('refuses a frame outside the policy or an owner that is not a frame-table id, under each policy', () => {
    for (const name of POLICY_NAMES) {
      const policy = createPolicy(name, 8, 1);
      for (const pfn of [-1, 8, 1.5, Number.NaN, 2 ** 32])
        expect(() => policy.admit(pfn, 0), `${name} pfn ${pfn}`).toThrow(InvalidArgumentError);
      for (const owner of [-1, 0x10000, 2.5, Number.NaN])
        expect(() => policy.admit(3, owner), `${name} owner ${owner}`).toThrow(InvalidArgumentError);
      policy.admit(7, 0xffff);
      policy.admit(0, 0);
      expect(() => policy.admit(7, 1), `${name} twice`).toThrow(InvalidArgumentError);
    }
  });
});
