/** The kernel layer: the machine, the process table, the cross-layer invariant checker. */
export { AsidAllocator } from './asid-allocator.js';
export { UnknownProcessError } from './errors.js';
export {
  DEFAULT_MAX_PROCESSES,
  type ExitHook,
  type HolderCounter,
  Kernel,
  type KernelConfig,
} from './kernel.js';
export {
  checkKernelConfig,
  MAX_MAILBOX_DEPTH,
  MAX_PID,
  MAX_REGION_LIMIT,
  MAX_TLB_ENTRIES,
} from './kernel-config.js';
export { Process } from './process.js';
