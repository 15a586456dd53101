/**
 * The machine a scenario gets for every setting it leaves out (docs/scenarios.md lists them).
 * The seed's example address space is 32-bit, so i386 paging is the default format.
 */
import type { FillPolicyName, FrameAllocatorName, PagingFormat } from './ast.js';

export const DEFAULT_MACHINE = {
  ramBytes: 64 * 1024 * 1024,
  paging: 'i386' as PagingFormat,
  tlbEntries: 64,
  tlbWays: 4,
  allocator: 'buddy' as FrameAllocatorName,
  fill: 'zero' as FillPolicyName,
  heapArea: 64 * 1024,
  /** The heap's own default, and at most a quarter of the area (`machine heap area 8K` alone boots). */
  heapLarge: 16 * 1024,
  /** The seed's "say 128 processes". */
  maxProcesses: 128,
  mailboxDepth: 64,
};
