/**
 * Checks a KernelConfig before anything is booted: each bad field is an InvalidArgumentError that
 * names the field and what it accepts, so a refused configuration allocates nothing. The physical
 * fields (ramBytes, memoryMap, allocator, fill) are the PhysicalMemoryManager's: it checks them,
 * with the same kind of error, before it allocates RAM.
 */
import { InvalidArgumentError } from '../common/errors.js';
import type { FormatName } from '../mmu/page-table-format.js';
import type { TlbConfig } from '../mmu/tlb.js';
import type { PhysicalMemoryConfig } from '../phys/types.js';
import {
  FutureUnknownError,
  isPolicyName,
  needsFuture,
  POLICY_NAMES,
  type PolicyName,
} from '../swap/policies/replacement-policy.js';
import type { SwapConfig } from '../vm/vm-swap.js';

/** Pids are frame-table owner ids (16 bits; 0 is the kernel). */
export const MAX_PID = 0xffff;
/** Largest region table per address space (its typed arrays are made up front). */
export const MAX_REGION_LIMIT = 1 << 20;
/** Largest mailbox depth (messages a mailbox holds). */
export const MAX_MAILBOX_DEPTH = 1 << 20;
/** Largest TLB (entries, and ways). */
export const MAX_TLB_ENTRIES = 1 << 16;

const FORMATS: readonly FormatName[] = ['i386', 'x86-64', 'sv39'];

/** The fields of a KernelConfig that this check knows (KernelConfig extends it). */
export interface CheckedKernelConfig extends PhysicalMemoryConfig {
  format?: FormatName;
  tlb?: TlbConfig;
  maxProcesses?: number;
  regionLimit?: number;
  wrapFrames?: unknown;
  mailboxDepth?: number;
  swapBytes?: number;
  swapLatencyNs?: number;
  policy?: PolicyName;
  policySeed?: number;
  futureKnown?: boolean;
  lowWatermark?: number;
  highWatermark?: number;
  residentLimit?: number;
}

/** Largest swap device (its slot table is made up front: 2 bytes a slot). */
export const MAX_SWAP_BYTES = 2 ** 40;

/**
 * The swap device and reclaim settings of a config, or undefined when it has no swap
 * (`swapBytes` absent or 0). The fields were checked by checkKernelConfig.
 */
export function swapSettings(config: CheckedKernelConfig): SwapConfig | undefined {
  if (config.swapBytes === undefined || config.swapBytes === 0) {
    return undefined;
  }
  return {
    bytes: config.swapBytes,
    latencyNs: config.swapLatencyNs,
    policy: config.policy,
    seed: config.policySeed,
    lowWatermark: config.lowWatermark,
    highWatermark: config.highWatermark,
    residentLimit: config.residentLimit,
  };
}

/** Throws InvalidArgumentError naming the first bad field; returns normally when all are good. */
export function checkKernelConfig(config: CheckedKernelConfig): void {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InvalidArgumentError(`kernel config ${String(config)} must be an object`);
  }
  const { format, tlb, maxProcesses, regionLimit, wrapFrames, mailboxDepth } = config;
  if (format !== undefined && !FORMATS.includes(format)) {
    throw bad('format', format, FORMATS.map((f) => `'${f}'`).join(', '));
  }
  if (tlb !== undefined) {
    if (typeof tlb !== 'object' || tlb === null) throw bad('tlb', tlb, 'an object { entries?, ways? }');
    const { entries, ways } = tlb;
    if (entries !== undefined && !isPowerOfTwo(entries, MAX_TLB_ENTRIES)) {
      throw bad('tlb.entries', entries, `a power of two from 1 to ${MAX_TLB_ENTRIES}`);
    }
    if (ways !== undefined && !(isPowerOfTwo(ways, MAX_TLB_ENTRIES) && ways <= (entries ?? 64))) {
      throw bad('tlb.ways', ways, `a power of two from 1 to tlb.entries (${entries ?? 64})`);
    }
  }
  if (maxProcesses !== undefined && !isInteger(maxProcesses, 1, MAX_PID - 1)) {
    throw bad('maxProcesses', maxProcesses, `an integer from 1 to ${MAX_PID - 1}`);
  }
  if (regionLimit !== undefined && !isInteger(regionLimit, 1, MAX_REGION_LIMIT)) {
    throw bad('regionLimit', regionLimit, `an integer from 1 to ${MAX_REGION_LIMIT}`);
  }
  if (wrapFrames !== undefined && typeof wrapFrames !== 'function') {
    throw bad('wrapFrames', wrapFrames, 'a function (pmm) => FrameSource');
  }
  if (mailboxDepth !== undefined && !isInteger(mailboxDepth, 1, MAX_MAILBOX_DEPTH)) {
    throw bad('mailboxDepth', mailboxDepth, `an integer from 1 to ${MAX_MAILBOX_DEPTH}`);
  }
  checkSwapFields(config);
}

/** The swap fields: each bad one is named; the ones that need swap are refused without it. */
function checkSwapFields(config: CheckedKernelConfig): void {
  const { swapBytes, swapLatencyNs, policy, policySeed, lowWatermark, highWatermark, residentLimit } = config;
  if (
    swapBytes !== undefined &&
    !(isInteger(swapBytes, 0, MAX_SWAP_BYTES) && swapBytes % 4096 === 0 && swapBytes !== 4096)
  ) {
    throw bad('swapBytes', swapBytes, `0 (no swap) or a multiple of 4096 from 8192 to ${MAX_SWAP_BYTES}`);
  }
  if (
    swapLatencyNs !== undefined &&
    !(typeof swapLatencyNs === 'number' && Number.isFinite(swapLatencyNs) && swapLatencyNs >= 0)
  ) {
    throw bad('swapLatencyNs', swapLatencyNs, 'a finite number of nanoseconds >= 0');
  }
  if (policy !== undefined && !(typeof policy === 'string' && isPolicyName(policy))) {
    throw bad('policy', policy, POLICY_NAMES.map((p) => `'${p}'`).join(', '));
  }
  if (policy !== undefined && needsFuture(policy) && config.futureKnown !== true) {
    throw new FutureUnknownError(policy, 'kernel config');
  }
  if (policySeed !== undefined && !isInteger(policySeed, -(2 ** 31), 2 ** 32 - 1)) {
    throw bad('policySeed', policySeed, 'a 32-bit integer');
  }
  if (lowWatermark !== undefined && !isInteger(lowWatermark, 0, 2 ** 31 - 1)) {
    throw bad('lowWatermark', lowWatermark, 'a whole number of frames');
  }
  if (highWatermark !== undefined && !isInteger(highWatermark, lowWatermark ?? 0, 2 ** 31 - 1)) {
    throw bad(
      'highWatermark',
      highWatermark,
      `a whole number of frames >= lowWatermark (${lowWatermark ?? 0})`,
    );
  }
  if (residentLimit !== undefined && !isInteger(residentLimit, 0, 2 ** 31 - 1)) {
    throw bad('residentLimit', residentLimit, 'a whole number of pages (0: no limit)');
  }
  if (!swapBytes) {
    const needsSwap = { swapLatencyNs, policy, policySeed, lowWatermark, highWatermark, residentLimit };
    for (const [field, value] of Object.entries(needsSwap)) {
      if (value !== undefined) throw bad(field, value, 'usable without swap (set swapBytes)');
    }
  }
}

function bad(field: string, value: unknown, accepted: string): InvalidArgumentError {
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return new InvalidArgumentError(`kernel config: ${field} ${shown} is not ${accepted}`);
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isPowerOfTwo(value: unknown, max: number): boolean {
  return isInteger(value, 1, max) && (value & (value - 1)) === 0;
}
