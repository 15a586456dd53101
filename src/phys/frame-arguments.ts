/**
 * The physical memory manager's argument checks and the names its messages use: every public
 * method validates its whole request through these before it changes anything.
 */
import { AddressRangeError, AlignmentError, InvalidArgumentError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { FrameUse } from './frame-table.js';
import { FRAME_SIZE, MAX_PHYSICAL_BYTES } from './physical-memory.js';
import type { AllocationConstraint } from './types.js';

/** Highest owner id a frame record holds (16-bit field). */
export const MAX_OWNER = 0xffff;

/** FrameUse names indexed by value. */
export const USE_NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, value] of Object.entries(FrameUse)) names[value] = name;
  return names;
})();
export const MAX_USE = USE_NAMES.length - 1;

/** "0x00123000 (pfn 291)". */
export function frameName(pfn: number): string {
  return `${hex(pfn * FRAME_SIZE)} (pfn ${pfn})`;
}

/** A frame's use and owner can be recorded: a FrameUse other than None, a 16-bit owner. */
export function isValidHolder(use: number, owner: number): boolean {
  return (use & 7) === use && use !== FrameUse.None && use <= MAX_USE && (owner & MAX_OWNER) === owner;
}

export function invalidHolder(use: number, owner: number): never {
  if (!((use & 7) === use && use !== FrameUse.None && use <= MAX_USE)) {
    throw new InvalidArgumentError(`frame use ${use} is not a FrameUse other than None`);
  }
  throw new InvalidArgumentError(`frame owner ${owner} is not an owner id from 0 to ${MAX_OWNER}`);
}

export function checkAddress(pa: number, ramBytes: number, operation: string): void {
  if (typeof pa !== 'number' || !Number.isInteger(pa)) {
    throw new InvalidArgumentError(`${operation}: physical address ${String(pa)} is not an integer`);
  }
  if (pa % FRAME_SIZE !== 0) {
    throw new AlignmentError(`${operation}: physical address ${hex(pa)} is not aligned to a 4 KiB frame`);
  }
  if (pa < 0 || pa >= ramBytes) {
    throw new AddressRangeError(
      `${operation}: physical address ${hex(pa)} is outside RAM (0 to ${hex(ramBytes)})`,
    );
  }
}

export function checkCount(count: number, totalFrames: number, operation: string): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError(`${operation}: frame count ${count} must be a positive integer`);
  }
  if (count > totalFrames) {
    throw new InvalidArgumentError(
      `${operation}: frame count ${count} is larger than RAM (${totalFrames} frames)`,
    );
  }
}

export function checkRangeInRam(first: number, count: number, totalFrames: number, operation: string): void {
  if (first + count > totalFrames) {
    throw new AddressRangeError(
      `${operation}: frames ${frameName(first)} + ${count} run past the end of RAM (${hex(totalFrames * FRAME_SIZE)})`,
    );
  }
}

/** An allocation constraint in frames: allocate from [minFrame, limitFrame), aligned to alignFrames. */
export interface FrameWindow {
  minFrame: number;
  limitFrame: number;
  alignFrames: number;
}

/** Checks `constraint` and turns it into frame numbers within a RAM of `totalFrames`. */
export function constraintWindow(constraint: AllocationConstraint, totalFrames: number): FrameWindow {
  const { above = 0, below = MAX_PHYSICAL_BYTES, alignment = FRAME_SIZE } = constraint;
  if (!Number.isInteger(above) || above < 0 || above % FRAME_SIZE !== 0) {
    throw new AlignmentError(`allocContiguous: lower bound ${hex(above)} is not a frame-aligned address`);
  }
  if (!Number.isInteger(below) || below <= 0 || below % FRAME_SIZE !== 0 || below > MAX_PHYSICAL_BYTES) {
    throw new AlignmentError(
      `allocContiguous: upper bound ${hex(below)} is not a frame-aligned address up to 4 GiB`,
    );
  }
  if (
    !Number.isInteger(alignment) ||
    alignment < FRAME_SIZE ||
    alignment > MAX_PHYSICAL_BYTES ||
    (alignment & (alignment - 1)) !== 0
  ) {
    throw new InvalidArgumentError(
      `allocContiguous: alignment ${alignment} is not a power of two from 4096 to 4 GiB`,
    );
  }
  if (above >= below) {
    throw new AddressRangeError(`allocContiguous: empty range ${hex(above)} to ${hex(below)}`);
  }
  return {
    minFrame: above / FRAME_SIZE,
    limitFrame: Math.min(totalFrames, below / FRAME_SIZE),
    alignFrames: alignment / FRAME_SIZE,
  };
}

export function describeConstraint(constraint: AllocationConstraint): string {
  const parts: string[] = [];
  if (constraint.above !== undefined) parts.push(`above ${hex(constraint.above)}`);
  if (constraint.below !== undefined) parts.push(`below ${hex(constraint.below)}`);
  if (constraint.alignment !== undefined) parts.push(`alignment ${hex(constraint.alignment)}`);
  return parts.join(', ') || 'no constraint';
}
