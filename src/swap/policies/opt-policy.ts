/**
 * OPT (Belady's MIN): the victim is the frame whose page is next used furthest in the future,
 * never-again first. Needs the future, so it is exact only under trace replay, which hands each
 * access's next use to touch(). Heaps keyed by next use (machine-wide and per owner) find the
 * victim in O(1) and keep a touch at O(log n).
 */
import { InvalidArgumentError } from '../../common/errors.js';
import { NextUseHeap } from './next-use-heap.js';
import type { PolicyName, ReferenceBits, ReplacementPolicy } from './replacement-policy.js';
import { checkAdmission } from './scoped-rings.js';

const NONE = -1;
/**
 * The key of a frame admitted but not yet touched: sooner than any real position, so the page a
 * fault just brought in is never the victim of the reclaim that fault causes.
 */
const JUST_ADMITTED = -1;

export class OptPolicy implements ReplacementPolicy {
  readonly name: PolicyName = 'opt';
  readonly wantsEveryAccess = true;
  private readonly frameCount: number;
  /** Next use of each resident frame's page. */
  private readonly nextUse: Float64Array;
  private readonly machinePositions: Int32Array;
  private readonly ownerPositions: Int32Array;
  private readonly ownerOf: Int32Array;
  private readonly machine: NextUseHeap;
  private readonly owners: NextUseHeap[] = [];

  constructor(frameCount: number) {
    this.frameCount = frameCount;
    this.nextUse = new Float64Array(frameCount);
    this.machinePositions = new Int32Array(frameCount).fill(NONE);
    this.ownerPositions = new Int32Array(frameCount).fill(NONE);
    this.ownerOf = new Int32Array(frameCount).fill(NONE);
    this.machine = new NextUseHeap(this.nextUse, this.machinePositions, frameCount);
  }

  admit(pfn: number, owner: number): void {
    checkAdmission(pfn, owner, this.frameCount);
    if (this.ownerOf[pfn] !== NONE) this.alreadyTracked(pfn);
    this.ownerOf[pfn] = owner;
    this.nextUse[pfn] = JUST_ADMITTED;
    this.machine.insert(pfn);
    this.ownerHeap(owner).insert(pfn);
  }

  remove(pfn: number): void {
    if (pfn < 0 || pfn >= this.frameCount) return;
    const owner = this.ownerOf[pfn];
    if (owner === NONE) return;
    this.ownerOf[pfn] = NONE;
    this.machine.remove(pfn);
    this.owners[owner].remove(pfn);
  }

  touch(pfn: number, nextUse: number): void {
    const owner = this.ownerOf[pfn];
    if (owner === NONE) return;
    this.nextUse[pfn] = nextUse;
    this.machine.update(pfn);
    this.owners[owner].update(pfn);
  }

  selectVictim(owner: number, _bits: ReferenceBits): number {
    if (owner < 0) return this.machine.top();
    const heap = this.owners[owner];
    return heap === undefined ? NONE : heap.top();
  }

  clear(): void {
    this.machine.clear();
    for (const heap of this.owners) heap?.clear();
    this.ownerOf.fill(NONE);
  }

  private ownerHeap(owner: number): NextUseHeap {
    let heap = this.owners[owner];
    if (heap === undefined) {
      heap = new NextUseHeap(this.nextUse, this.ownerPositions, 16);
      this.owners[owner] = heap;
    }
    return heap;
  }

  private alreadyTracked(pfn: number): never {
    throw new InvalidArgumentError(`frame ${pfn} is already tracked by the policy`);
  }
}
