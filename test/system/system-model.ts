/**
 * What the system tests share: the machine they boot, the referee that runs an operation under
 * the model's expectation and proves a refused one changed nothing, and the violation it raises.
 * Used by model-run.ts (the model test and the soak), failure-injection and bad-input tests.
 */
import {
  AlignmentError,
  BusyError,
  InvalidArgumentError,
  NotAllocatedError,
  OutOfMemoryError,
  PageframeError,
} from '../../src/common/errors.js';
import { hex } from '../../src/common/format.js';
import type { Heap } from '../../src/heap/heap.js';
import { MailboxFullError } from '../../src/ipc/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { FrameState, FrameUse, KERNEL_OWNER } from '../../src/phys/frame-table.js';
import type { FrameAllocatorKind, FrameSource } from '../../src/phys/types.js';
import type { PolicyName } from '../../src/swap/policies/replacement-policy.js';
import type { AddressSpace } from '../../src/vm/address-space.js';
import { ProtectionError, SegmentationFaultError } from '../../src/vm/errors.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';
import type { Refusal } from './reference-model.js';
import { contentsDifference, machineDifference, machineSnapshot } from './snapshot.js';

/**
 * Known bug, kept out of the generator until its fix lands (then set it to false): "A region
 * marked shared shares only the pages present at fork: a page first touched after the fork gets a
 * separate frame in each process. MAP_SHARED semantics: both see one frame." While true, the
 * model test maps no MAP_SHARED regions.
 */
export const KNOWN_BUG_SHARED_AFTER_FORK = false;

export const FORMATS: readonly FormatName[] = ['i386', 'x86-64', 'sv39'];
export const ALLOCATORS: readonly FrameAllocatorKind[] = ['buddy', 'first-fit'];

export interface SystemModelOptions {
  format: FormatName;
  allocator: FrameAllocatorKind;
  seed: number;
  ops: number;
  /** One operation in this many runs with the k-th frame allocation inside it failing (default 8). */
  injectOneIn?: number;
  /** Prove every n-th refusal unchanged by snapshots (default 1: every one). */
  refusalCheckOneIn?: number;
  /** Boot a small RAM with a swap device, so the working set runs under memory pressure. */
  swap?: ModelSwap;
}

/** A swap machine of the campaign: its policy, and a resident limit some processes get. */
export interface ModelSwap {
  policy: PolicyName;
  /** Pages a process may keep resident (0: none); set on one process in three when non-zero. */
  residentLimit: number;
  /** The seed of the random policy's choices (default 13, the seed the regression tests found bugs with). */
  policySeed?: number;
}

/** The policies the campaign's swap machines draw from ('opt' needs a trace of the future). */
export const MODEL_POLICIES: readonly PolicyName[] = ['fifo', 'clock', 'aging', 'lru', 'random'];
/** RAM of a swap machine: the model's working set (five windows, heaps, messages) does not fit. */
export const SWAP_RAM_BYTES = 256 << 10;
/** A small swap device that still holds what does not fit in RAM. */
export const SWAP_DEVICE_BYTES = 4 << 20;

export interface SystemModelResult {
  ops: number;
  /** Operations the model said must fail, and that failed so, leaving the machine unchanged. */
  refusals: number;
  /** Operations an injected allocation failure stopped, leaving the machine unchanged. */
  injectedFailures: number;
  /** Operations run, by kind. */
  byKind: Record<string, number>;
  /** Pages reclaim took out of RAM (0 without swap). */
  evictions: number;
  /** Pages read back from the swap device (0 without swap). */
  swapIns: number;
  /** Refused or injected-failure operations during which reclaim evicted pages. */
  reclaimedRefusals: number;
  /** Blocks the kernel heap handed out (malloc, calloc and realloc that succeeded). */
  kernelBlocks: number;
}

/** A disagreement between the kernel and the model, with the step that showed it. */
export class ModelViolation extends Error {
  readonly step: number;
  readonly operation: string;

  constructor(step: number, operation: string, detail: string) {
    super(`step ${step} (${operation}): ${detail}`);
    this.name = 'ModelViolation';
    this.step = step;
    this.operation = operation;
  }
}

export const REFUSAL_CLASSES: Record<Refusal, new (...args: never[]) => PageframeError> = {
  BusyError,
  NotAllocatedError,
  ProtectionError,
  InvalidArgumentError,
  MailboxFullError,
  AlignmentError,
};

export const RAM_BYTES = 8 << 20;
export const MAILBOX_DEPTH = 3;
export const MAX_LIVE = 5;

/** Boots the machine every run uses, with failure injection between the pmm and the layers above. */
export function bootModelKernel(
  format: FormatName,
  allocator: FrameAllocatorKind,
  swap?: ModelSwap,
): { kernel: Kernel; failing: FailingFrameSource } {
  let failing: PressureFailingFrameSource | undefined;
  const pressure = swap
    ? { swapBytes: SWAP_DEVICE_BYTES, policy: swap.policy, policySeed: swap.policySeed ?? 13 }
    : {};
  const kernel = new Kernel({
    format,
    allocator,
    ramBytes: swap ? SWAP_RAM_BYTES : RAM_BYTES,
    ...pressure,
    tlb: { entries: 32, ways: 2 },
    mailboxDepth: MAILBOX_DEPTH,
    wrapFrames: (pmm) => {
      failing = new PressureFailingFrameSource(pmm, swap !== undefined);
      return failing;
    },
  });
  if (!failing) throw new Error('wrapFrames was not called');
  return { kernel, failing };
}

/**
 * Failure injection on a machine that may reclaim. The failing source sits below reclaim, so a
 * single refused allocation is retried once reclaim freed a frame: the operation then succeeds,
 * which tests the retry. On a swap machine every other injection (even k) is stubborn: from the
 * k-th allocation on, every one fails until disarmed, so the operation sees OutOfMemoryError
 * after reclaim ran, and must still change nothing a space can see.
 */
export class PressureFailingFrameSource extends FailingFrameSource {
  private stubborn = false;
  private failing = false;

  constructor(
    inner: FrameSource,
    private readonly reclaims: boolean,
  ) {
    super(inner);
  }

  override failAfter(k: number): void {
    super.failAfter(k);
    this.stubborn = this.reclaims && k % 2 === 0;
    this.failing = false;
  }

  override disarm(): void {
    super.disarm();
    this.stubborn = false;
    this.failing = false;
  }

  override allocFrame(use: FrameUse, owner: number): number {
    if (this.failing) throw new OutOfMemoryError('out of physical memory: injected failure, still failing');
    try {
      return super.allocFrame(use, owner);
    } catch (error) {
      if (this.stubborn && error instanceof OutOfMemoryError) this.failing = true;
      throw error;
    }
  }
}

/** The outcome of one attempted operation. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; injected: boolean };

/**
 * Runs `action` under the model's expectation: `expected` null means it must succeed (or stop at
 * an injected failure), else it must throw that error. A refusal or an injected failure must leave
 * the whole machine as it was (snapshot comparison). Shared by the runner and the other system tests.
 */
export class Referee {
  refusals = 0;
  injectedFailures = 0;
  /** Refusals and injected failures during which reclaim evicted (compared by contents). */
  reclaimedRefusals = 0;
  step = 0;
  operation = '';
  /** Refusals seen; every `refusalCheckOneIn`-th is proven by snapshots (they cost a millisecond). */
  private refusalsSeen = 0;
  refusalCheckOneIn = 1;

  constructor(
    readonly kernel: Kernel,
    readonly failing: FailingFrameSource,
    readonly heaps: () => Map<string, Heap>,
  ) {}

  violation(detail: string): ModelViolation {
    return new ModelViolation(this.step, this.operation, detail);
  }

  snapshot() {
    return machineSnapshot(this.kernel, { heaps: this.heaps() });
  }

  attempt<T>(expected: Refusal | null, action: () => T, failAfter = -1): Attempt<T> {
    const checkRefusal = expected !== null && this.refusalsSeen++ % this.refusalCheckOneIn === 0;
    const before = checkRefusal || failAfter >= 0 ? this.snapshot() : null;
    if (failAfter >= 0) this.failing.failAfter(failAfter);
    let value: T;
    try {
      value = action();
    } catch (error) {
      this.failing.disarm();
      if (!(error instanceof PageframeError)) {
        throw this.violation(
          `threw a ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}, not a PageframeError`,
        );
      }
      if (error.message.length < 10)
        throw this.violation(`the message of ${error.name} is '${error.message}'`);
      const injected = failAfter >= 0 && expected === null && error instanceof OutOfMemoryError;
      const refused = expected !== null && error instanceof REFUSAL_CLASSES[expected];
      if (!injected && !refused) {
        throw this.violation(
          `threw ${error.constructor.name}: ${error.message}; the model expected ${expected ?? 'success'}`,
        );
      }
      this.unchanged(before);
      if (injected) this.injectedFailures++;
      else this.refusals++;
      return { ok: false, injected };
    }
    this.failing.disarm();
    if (expected !== null) throw this.violation(`succeeded; the model expected ${expected}`);
    return { ok: true, value };
  }

  /** For calls that report running out of memory by returning 0 (malloc and friends). */
  unchanged(before: ReturnType<Referee['snapshot']> | null): void {
    if (!before) return;
    const after = this.snapshot();
    let difference = machineDifference(before, after);
    // Reclaim inside the operation moved pages to swap: it must still have changed no byte any
    // space sees, nor anything else (contentsDifference).
    if (difference && before.swap && after.swap && after.swap.evictions !== before.swap.evictions) {
      this.reclaimedRefusals++;
      difference = contentsDifference(before, after);
    }
    if (difference) throw this.violation(`a refused operation changed the machine: ${difference}`);
  }
}

/** Reads `length` bytes at `va` of a space, returning the fault instead of throwing it. */
export function readOrFault(
  space: AddressSpace,
  va: number,
  length: number,
): Uint8Array | SegmentationFaultError {
  const buffer = new Uint8Array(length);
  try {
    space.read(va, buffer);
  } catch (error) {
    if (error instanceof SegmentationFaultError) return error;
    throw error;
  }
  return buffer;
}

export function firstDifference(got: Uint8Array, want: Uint8Array): string | null {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== want[i]) return `byte ${i} is ${got[i]}, expected ${want[i]}`;
  }
  return null;
}

/** Every frame a run leaves behind once all is torn down must be one it found at boot or a kernel table. */
export function leftovers(kernel: Kernel, atBoot: Uint8Array): string | null {
  const { state, use, owner } = kernel.pmm.frames;
  for (let pfn = 0; pfn < state.length; pfn++) {
    if (state[pfn] !== FrameState.Allocated || atBoot[pfn]) continue;
    if (use[pfn] === FrameUse.PageTable && owner[pfn] === KERNEL_OWNER) continue;
    return `frame ${hex(pfn * 4096)} (use ${use[pfn]}, owner ${owner[pfn]}) is still allocated`;
  }
  return null;
}
