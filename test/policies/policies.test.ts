/**
 * Every replacement policy: the textbook miss counts, equality with plain reference simulators
 * on random traces (machine-wide and per owner), and each policy's own rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { AgingPolicy } from '../../src/swap/policies/aging-policy.js';
import { ClockPolicy } from '../../src/swap/policies/clock-policy.js';
import {
  createPolicy,
  POLICY_NAMES,
  type PolicyName,
  type ReferenceBits,
} from '../../src/swap/policies/replacement-policy.js';
import {
  policyMisses,
  referenceClockMisses,
  referenceFifoMisses,
  referenceLruMisses,
  referenceOptMisses,
} from './reference-simulators.js';

const OSTEP = [0, 1, 2, 0, 1, 3, 0, 3, 1, 2, 1];
const BELADY = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];

function misses(name: PolicyName, trace: number[], frames: number): number {
  return policyMisses(createPolicy(name, 64), trace, frames);
}

/** A-bits a test sets by hand. */
function bitsOf(accessed: Uint8Array): ReferenceBits {
  return {
    testAndClearAccessed(pfn: number): boolean {
      const was = accessed[pfn] === 1;
      accessed[pfn] = 0;
      return was;
    },
  };
}

describe('textbook miss counts', () => {
  it("OSTEP's trace with 3 frames: FIFO 7, LRU 5, OPT 5", () => {
    expect([misses('fifo', OSTEP, 3), misses('lru', OSTEP, 3), misses('opt', OSTEP, 3)]).toEqual([7, 5, 5]);
  });

  it("Belady's trace: FIFO 9 then 10 (the anomaly), LRU 10 then 8, OPT 7 then 6", () => {
    expect([3, 4].map((frames) => misses('fifo', BELADY, frames))).toEqual([9, 10]);
    expect([3, 4].map((frames) => misses('lru', BELADY, frames))).toEqual([10, 8]);
    expect([3, 4].map((frames) => misses('opt', BELADY, frames))).toEqual([7, 6]);
  });
});

describe('policies against reference simulators', () => {
  const traces = fc.record({
    trace: fc.array(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 200 }),
    frames: fc.integer({ min: 1, max: 8 }),
  });

  it('FIFO, LRU, OPT and clock count the same misses as the plain simulators', () => {
    fc.assert(
      fc.property(traces, ({ trace, frames }) => {
        expect(misses('fifo', trace, frames)).toBe(referenceFifoMisses(trace, frames));
        expect(misses('lru', trace, frames)).toBe(referenceLruMisses(trace, frames));
        expect(misses('opt', trace, frames)).toBe(referenceOptMisses(trace, frames));
        expect(misses('clock', trace, frames)).toBe(referenceClockMisses(trace, frames));
      }),
    );
  });

  it('OPT never misses more than any other policy, and every policy misses at least once a page', () => {
    fc.assert(
      fc.property(traces, ({ trace, frames }) => {
        const opt = misses('opt', trace, frames);
        for (const name of POLICY_NAMES) {
          const count = misses(name, trace, frames);
          expect(count).toBeGreaterThanOrEqual(opt);
          expect(count).toBeGreaterThanOrEqual(new Set(trace).size);
        }
      }),
    );
  });

  it('local replacement: two owners interleaved, each within its own frames, behave as if alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 150 }),
        fc.integer({ min: 1, max: 5 }),
        (steps, frames) => {
          for (const name of LOCAL_CHECKED)
            expect(localMisses(name, steps, frames)).toEqual(aloneMisses(name, steps, frames));
        },
      ),
    );
  });
});

const LOCAL_CHECKED = ['fifo', 'lru', 'opt', 'clock'] as const;
const REFERENCES = {
  fifo: referenceFifoMisses,
  lru: referenceLruMisses,
  opt: referenceOptMisses,
  clock: referenceClockMisses,
};

/** Misses of each of two owners (steps say which: false, true) run on the plain simulator alone. */
function aloneMisses(
  name: (typeof LOCAL_CHECKED)[number],
  steps: [boolean, number][],
  frames: number,
): number[] {
  return [false, true].map((which) =>
    REFERENCES[name](
      steps.filter(([second]) => second === which).map(([, page]) => page),
      frames,
    ),
  );
}

/** Misses of each of two owners sharing one policy under local replacement, `frames` frames each. */
function localMisses(name: PolicyName, steps: [boolean, number][], frames: number): number[] {
  const policy = createPolicy(name, 2 * frames);
  const owners = [
    { id: 7, base: 0 },
    { id: 9, base: frames },
  ];
  const pages = owners.map(() => new Map<number, number>());
  const frameToPage = new Int32Array(2 * frames).fill(-1);
  const accessed = new Uint8Array(2 * frames);
  const bits = bitsOf(accessed);
  const positions = steps.map(([second, page]) => (second ? 1 : 0) * 100 + page);
  const missesOf = [0, 0];
  steps.forEach(([second, page], i) => {
    const which = second ? 1 : 0;
    const owner = owners[which];
    let pfn = pages[which].get(page);
    if (pfn === undefined) {
      missesOf[which]++;
      pfn = -1;
      for (let f = owner.base; f < owner.base + frames; f++) if (frameToPage[f] < 0) pfn = f;
      if (pfn < 0) {
        pfn = policy.selectVictim(owner.id, bits);
        expect(pfn).toBeGreaterThanOrEqual(owner.base);
        expect(pfn).toBeLessThan(owner.base + frames);
        policy.remove(pfn);
        pages[which].delete(frameToPage[pfn]);
      }
      frameToPage[pfn] = page;
      pages[which].set(page, pfn);
      policy.admit(pfn, owner.id);
    }
    accessed[pfn] = 1;
    const next = positions.indexOf(positions[i], i + 1);
    policy.touch(pfn, next < 0 ? Number.POSITIVE_INFINITY : next);
  });
  return missesOf;
}

describe('clock', () => {
  it('passes over frames with A set, clearing it, and stops at the first with A clear', () => {
    const clock = new ClockPolicy(8);
    for (const pfn of [4, 5, 6]) clock.admit(pfn, 0);
    const accessed = new Uint8Array(8);
    accessed[4] = 1;
    accessed[5] = 1;
    expect(clock.selectVictim(-1, bitsOf(accessed))).toBe(6);
    expect([...accessed.subarray(4, 7)]).toEqual([0, 0, 0]);
    expect(clock.secondChances).toBe(2);
    clock.remove(6);
    // The hand moved past 4 and 5 and on; with every A clear the oldest under it goes next.
    expect(clock.hand(-1)).toBe(4);
    expect(clock.selectVictim(-1, bitsOf(accessed))).toBe(4);
  });

  it('with every A set, a full sweep clears them and the frame under the hand goes', () => {
    const clock = new ClockPolicy(4);
    for (const pfn of [0, 1, 2, 3]) clock.admit(pfn, 0);
    const accessed = new Uint8Array([1, 1, 1, 1]);
    expect(clock.selectVictim(0, bitsOf(accessed))).toBe(0);
    expect([...accessed]).toEqual([0, 0, 0, 0]);
  });

  it('a ReferenceBits that never clears does not make it loop forever', () => {
    const clock = new ClockPolicy(4);
    for (const pfn of [2, 3]) clock.admit(pfn, 0);
    expect(clock.selectVictim(-1, { testAndClearAccessed: () => true })).toBe(2);
  });
});

describe('aging', () => {
  it('shifts the A bit into the top of each history on a sweep and evicts the smallest', () => {
    const aging = new AgingPolicy(4);
    for (const pfn of [0, 1, 2]) aging.admit(pfn, 0);
    const accessed = new Uint8Array(4);
    const bits = bitsOf(accessed);
    accessed.set([1, 1, 0]);
    aging.sweep(-1, bits);
    accessed.set([0, 1, 1]);
    aging.sweep(-1, bits);
    expect([...aging.history.subarray(0, 3)]).toEqual([0x40, 0xc0, 0x80]);
    // The sweep inside selectVictim shifts once more (no A set): 0x20, 0x60, 0x40.
    expect(aging.selectVictim(-1, bits)).toBe(0);
    expect([...aging.history.subarray(0, 3)]).toEqual([0x20, 0x60, 0x40]);
  });

  it('breaks ties by admission order and sweeps only the owner under local replacement', () => {
    const aging = new AgingPolicy(4);
    aging.admit(3, 1);
    aging.admit(1, 2);
    aging.admit(0, 1);
    const accessed = new Uint8Array([0, 1, 0, 0]);
    expect(aging.selectVictim(1, bitsOf(accessed))).toBe(3);
    expect(accessed[1]).toBe(1);
    expect(aging.selectVictim(2, bitsOf(accessed))).toBe(1);
  });
});

describe('OPT', () => {
  it('evicts the frame used furthest ahead, never-again first, and follows changed keys', () => {
    const opt = createPolicy('opt', 8);
    const none: ReferenceBits = { testAndClearAccessed: () => false };
    for (const pfn of [0, 1, 2, 3]) opt.admit(pfn, 0);
    opt.touch(0, 10);
    opt.touch(1, 40);
    opt.touch(2, 20);
    opt.touch(3, 30);
    expect(opt.selectVictim(-1, none)).toBe(1);
    opt.touch(1, 15);
    expect(opt.selectVictim(-1, none)).toBe(3);
    opt.touch(2, Number.POSITIVE_INFINITY);
    expect(opt.selectVictim(0, none)).toBe(2);
    opt.remove(2);
    expect(opt.selectVictim(0, none)).toBe(3);
    // A frame just admitted and not yet touched is never the victim.
    opt.admit(5, 0);
    expect(opt.selectVictim(0, none)).toBe(3);
    expect(opt.selectVictim(1, none)).toBe(-1);
  });
});

describe('random', () => {
  it('draws among the frames in scope, the same for the same seed, again after clear', () => {
    const none: ReferenceBits = { testAndClearAccessed: () => false };
    const draw = (seed: number): number[] => {
      const random = createPolicy('random', 64, seed);
      for (let pfn = 0; pfn < 64; pfn++) random.admit(pfn, pfn % 2);
      const victims: number[] = [];
      for (let i = 0; i < 20; i++) {
        const victim = random.selectVictim(i % 2, none);
        expect(victim % 2).toBe(i % 2);
        random.remove(victim);
        victims.push(victim);
      }
      return victims;
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
    expect(new Set(draw(5)).size).toBe(20);
  });
});

describe('every policy', () => {
  it.each(POLICY_NAMES)(
    '%s: refuses bad frames and owners, forgets on clear, ignores unknown removals',
    (name) => {
      const policy = createPolicy(name, 4, 1);
      const none: ReferenceBits = { testAndClearAccessed: () => false };
      expect(policy.name).toBe(name);
      expect(() => policy.admit(-1, 0)).toThrow(InvalidArgumentError);
      expect(() => policy.admit(4, 0)).toThrow(InvalidArgumentError);
      expect(() => policy.admit(0, 0x10000)).toThrow(InvalidArgumentError);
      policy.admit(2, 1);
      expect(() => policy.admit(2, 1)).toThrow(InvalidArgumentError);
      policy.remove(3);
      expect(policy.selectVictim(-1, none)).toBe(2);
      expect(policy.selectVictim(1, none)).toBe(2);
      expect(policy.selectVictim(0, none)).toBe(-1);
      policy.clear();
      expect(policy.selectVictim(-1, none)).toBe(-1);
      expect(policy.selectVictim(1, none)).toBe(-1);
    },
  );

  it('createPolicy refuses unknown names and bad frame counts', () => {
    expect(() => createPolicy('mru' as PolicyName, 4)).toThrow(InvalidArgumentError);
    expect(() => createPolicy('fifo', -1)).toThrow(InvalidArgumentError);
    expect(() => createPolicy('fifo', 1.5)).toThrow(InvalidArgumentError);
  });
});
