/** The CPU layer: a RISC-V RV64GC user-mode hart on the Sv39 MMU. */

export { Csr } from './csr.js';
export { Hart, type HartContext, type HartOptions, StopReason } from './hart.js';
export { AccessKind, type AccessRecorder } from './memory-port.js';
export { TrapCause } from './trap.js';
