/**
 * FIFO: victims in admission order, machine-wide and per owner, and removal of any frame.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { createPolicy, type ReferenceBits } from '../../src/swap/policies/replacement-policy.js';

const noBits: ReferenceBits = { testAndClearAccessed: () => false };

describe('FIFO policy', () => {
  it('evicts in admission order, whatever the touches', () => {
    const fifo = createPolicy('fifo', 8);
    for (const pfn of [5, 2, 7]) fifo.admit(pfn, 1);
    fifo.touch(5, 0);
    expect(fifo.selectVictim(-1, noBits)).toBe(5);
    fifo.remove(5);
    expect(fifo.selectVictim(-1, noBits)).toBe(2);
    fifo.remove(7);
    expect(fifo.selectVictim(-1, noBits)).toBe(2);
    fifo.remove(2);
    expect(fifo.selectVictim(-1, noBits)).toBe(-1);
  });

  it('chooses among one owner under local replacement', () => {
    const fifo = createPolicy('fifo', 8);
    fifo.admit(0, 1);
    fifo.admit(1, 2);
    fifo.admit(2, 1);
    fifo.admit(3, 2);
    expect(fifo.selectVictim(2, noBits)).toBe(1);
    expect(fifo.selectVictim(1, noBits)).toBe(0);
    expect(fifo.selectVictim(3, noBits)).toBe(-1);
    fifo.remove(1);
    expect(fifo.selectVictim(2, noBits)).toBe(3);
    expect(fifo.selectVictim(-1, noBits)).toBe(0);
  });

  it('refuses frames out of range and frames admitted twice, and forgets everything on clear', () => {
    const fifo = createPolicy('fifo', 4);
    expect(() => fifo.admit(4, 0)).toThrow(InvalidArgumentError);
    expect(() => fifo.admit(0, -1)).toThrow(InvalidArgumentError);
    fifo.admit(0, 0);
    expect(() => fifo.admit(0, 0)).toThrow(InvalidArgumentError);
    fifo.clear();
    expect(fifo.selectVictim(-1, noBits)).toBe(-1);
    fifo.admit(0, 0);
    expect(fifo.selectVictim(0, noBits)).toBe(0);
  });
});
