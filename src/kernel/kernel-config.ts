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
