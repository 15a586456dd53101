/**
 * Random replacement, seeded: the victim is drawn uniformly among the frames in scope. The
 * baseline that needs no state at all about use; the same seed gives the same run.
 */
import { Random } from '../../common/random.js';
import { FrameSets } from './frame-sets.js';
import type { PolicyName, ReferenceBits, ReplacementPolicy } from './replacement-policy.js';
import { checkAdmission } from './scoped-rings.js';

export class RandomPolicy implements ReplacementPolicy {
  readonly name: PolicyName = 'random';
  readonly wantsEveryAccess = false;
  private readonly frameCount: number;
  private readonly seed: number;
  private random: Random;
  private readonly machine: FrameSets;
  private readonly owners: FrameSets;

  constructor(frameCount: number, seed: number) {
    this.frameCount = frameCount;
    this.seed = seed;
    this.random = new Random(seed);
    this.machine = new FrameSets(frameCount);
    this.owners = new FrameSets(frameCount);
  }

  admit(pfn: number, owner: number): void {
    checkAdmission(pfn, owner, this.frameCount);
    this.machine.add(0, pfn);
    this.owners.add(owner, pfn);
  }

  remove(pfn: number): void {
    if (pfn < 0 || pfn >= this.frameCount) return;
    this.machine.remove(pfn);
    this.owners.remove(pfn);
  }

  touch(_pfn: number, _nextUse: number): void {}

  selectVictim(owner: number, _bits: ReferenceBits): number {
    const sets = owner < 0 ? this.machine : this.owners;
    const set = owner < 0 ? 0 : owner;
    const size = sets.size(set);
    return size === 0 ? -1 : sets.member(set, this.random.below(size));
  }

  /** Forgets every frame and restarts the generator from the seed: a reset machine replays alike. */
  clear(): void {
    this.machine.clear();
    this.owners.clear();
    this.random = new Random(this.seed);
  }
}
