/**
 * Each resident frame in two rings at once: the machine-wide one (global replacement) and its
 * owner's (local replacement under a resident limit). FIFO, LRU, clock and aging keep their order here.
 */
import { InvalidArgumentError } from '../../common/errors.js';
import { FrameRings } from './frame-rings.js';

const MACHINE_RING = 0;
/** Frame-table owner ids are 16-bit. */
const MAX_OWNER = 0xffff;

/** A scope is an owner id, or any negative number for the whole machine. */
export class ScopedRings {
  private readonly machine: FrameRings;
  private readonly owners: FrameRings;
  private readonly frameCount: number;

  constructor(frameCount: number) {
    this.frameCount = frameCount;
    this.machine = new FrameRings(frameCount);
    this.owners = new FrameRings(frameCount);
  }

  /** Whether frame `pfn` is tracked. */
  has(pfn: number): boolean {
    return this.machine.has(pfn);
  }

  /** Tracks frame `pfn` of `owner` as the newest in both its rings. */
  insert(pfn: number, owner: number): void {
    checkAdmission(pfn, owner, this.frameCount);
    this.machine.insert(MACHINE_RING, pfn);
    this.owners.insert(owner, pfn);
  }

  /** Stops tracking frame `pfn` (a frame not tracked is left alone). */
  remove(pfn: number): void {
    if (pfn < 0 || pfn >= this.frameCount) return;
    this.machine.remove(pfn);
    this.owners.remove(pfn);
  }

  /** Makes frame `pfn` the newest in both its rings. */
  moveToNewest(pfn: number): void {
    this.machine.moveToNewest(pfn);
    this.owners.moveToNewest(pfn);
  }

  /** The oldest frame of `scope`, or -1. */
  hand(scope: number): number {
    return scope < 0 ? this.machine.hand(MACHINE_RING) : this.owners.hand(scope);
  }

  /** Moves `scope`'s hand one frame on. */
  advance(scope: number): void {
    if (scope < 0) this.machine.advance(MACHINE_RING);
    else this.owners.advance(scope);
  }

  /** The frame after `pfn` in `scope`'s ring. */
  after(scope: number, pfn: number): number {
    return scope < 0 ? this.machine.after(pfn) : this.owners.after(pfn);
  }

  /** How many frames `scope` holds. */
  size(scope: number): number {
    return scope < 0 ? this.machine.size(MACHINE_RING) : this.owners.size(scope);
  }

  clear(): void {
    this.machine.clear();
    this.owners.clear();
  }
}

/** The argument check every policy's admit makes. */
export function checkAdmission(pfn: number, owner: number, frameCount: number): void {
  if (pfn >>> 0 === pfn && pfn < frameCount && owner >>> 0 === owner && owner <= MAX_OWNER) return; // the usual case, in integer arithmetic
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= frameCount) {
    throw new InvalidArgumentError(`frame ${pfn} is outside the policy's ${frameCount} frames`);
  }
  if (!Number.isInteger(owner) || owner < 0 || owner > MAX_OWNER) {
    throw new InvalidArgumentError(`owner ${owner} is not a frame-table owner id (0..${MAX_OWNER})`);
  }
}
