/**
 * The machine settings checked before boot, in the scenario's words: each refused setting is a
 * MachineSettingError that names the `machine` line at fault, so the run points at that line.
 */
import { InvalidArgumentError, PageframeError } from '../../common/errors.js';
import { bytes } from '../../common/format.js';
import { Heap, type HeapOptions } from '../../heap/heap.js';
import type { HeapSpace } from '../../heap/heap-space.js';
import { MAX_MAILBOX_DEPTH, MAX_PID, MAX_TLB_ENTRIES } from '../../kernel/kernel-config.js';
import { FRAME_SIZE, MAX_PHYSICAL_BYTES } from '../../phys/physical-memory.js';
import { FutureUnknownError, needsFuture } from '../../swap/policies/replacement-policy.js';
import type { ResolvedMachineSpec } from './machine.js';

/** A setting the machine cannot boot with; `setting` is its key in MachineSpec.lines. */
export class MachineSettingError extends InvalidArgumentError {
  readonly setting: string;

  constructor(setting: string, reason: string) {
    super(`machine ${setting}: ${reason}`);
    this.setting = setting;
  }
}

export function checkMachineSettings(spec: ResolvedMachineSpec, heapOptions: HeapOptions): void {
  const { ramBytes, tlbEntries, tlbWays, maxProcesses, mailboxDepth } = spec;
  if (!(ramBytes >= FRAME_SIZE && ramBytes <= MAX_PHYSICAL_BYTES && ramBytes % FRAME_SIZE === 0)) {
    // A size in whole KiB reads as the scenario wrote it (8 GiB, not 8589934592 bytes).
    const size = ramBytes > 0 && ramBytes % 1024 === 0 ? bytes(ramBytes) : `${ramBytes} bytes`;
    throw new MachineSettingError('ram', `${size} is not a multiple of 4 KiB from 4 KiB to 4 GiB`);
  }
  if (!isPowerOfTwo(tlbEntries, MAX_TLB_ENTRIES)) {
    throw new MachineSettingError(
      'tlb',
      `${tlbEntries} entries is not a power of two from 1 to ${MAX_TLB_ENTRIES}`,
    );
  }
  if (!isPowerOfTwo(tlbWays, tlbEntries)) {
    throw new MachineSettingError(
      'tlb',
      `${tlbWays} ways is not a power of two from 1 to the ${tlbEntries} entries`,
    );
  }
  if (!isWhole(maxProcesses, 1, MAX_PID - 1)) {
    throw new MachineSettingError(
      'processes',
      `${maxProcesses} is not a process table size from 1 to ${MAX_PID - 1}`,
    );
  }
  if (!isWhole(mailboxDepth, 1, MAX_MAILBOX_DEPTH)) {
    throw new MachineSettingError(
      'mailbox',
      `${mailboxDepth} is not a mailbox depth from 1 to ${MAX_MAILBOX_DEPTH}`,
    );
  }
  checkSwapSettings(spec);
  // A heap checks its options when made: make one now, with no memory, to check them at boot.
  // The area first, with a threshold any good area accepts, so a bad area is not blamed on `large`.
  probeHeap('heap area', { areaSize: spec.heapArea, largeThreshold: spec.heapArea });
  probeHeap('heap large', heapOptions);
}

/** Swap's settings: a whole number of pages of at least two (the header and one), and the rest only with swap. */
function checkSwapSettings(spec: ResolvedMachineSpec): void {
  const { swapBytes, lowWatermark, highWatermark } = spec.swap;
  if (swapBytes === 0) {
    for (const [setting, given] of [
      ['policy', spec.swap.policy],
      ['resident', spec.swap.residentLimit],
      ['watermarks', lowWatermark],
      ['swap', spec.swap.swapLatencyNs],
    ] as const) {
      if (given !== undefined)
        throw new MachineSettingError(setting, 'needs swap: add a `machine swap SIZE` line');
    }
    return;
  }
  const { policy } = spec.swap;
  if (policy !== undefined && needsFuture(policy)) {
    throw new MachineSettingError('policy', new FutureUnknownError(policy).message);
  }
  if (!(swapBytes >= 2 * FRAME_SIZE && swapBytes % FRAME_SIZE === 0)) {
    throw new MachineSettingError('swap', `${swapBytes} bytes is not a multiple of 4 KiB of at least 8 KiB`);
  }
  const frames = spec.ramBytes / FRAME_SIZE;
  if (
    lowWatermark !== undefined &&
    highWatermark !== undefined &&
    !(lowWatermark <= highWatermark && highWatermark <= frames)
  ) {
    throw new MachineSettingError(
      'watermarks',
      `low ${lowWatermark} and high ${highWatermark} must satisfy low <= high <= the ${frames} frames of RAM`,
    );
  }
}

function probeHeap(setting: string, options: HeapOptions): void {
  try {
    new Heap(NO_SPACE, options);
  } catch (error) {
    if (!(error instanceof PageframeError)) throw error;
    throw new MachineSettingError(setting, error.message.replace(/^heap: /, ''));
  }
}

function isWhole(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function isPowerOfTwo(value: number, max: number): boolean {
  return isWhole(value, 1, max) && Number.isInteger(Math.log2(value));
}

/** A space for checking heap options: the Heap constructor only validates and never touches it. */
const NO_SPACE: HeapSpace = {
  reserveAnon: refuse,
  release: refuse,
  read: refuse,
  write: refuse,
  fill: refuse,
  copy: refuse,
};
function refuse(): never {
  throw new PageframeError('EINVAL', 'the heap-options probe has no memory');
}
