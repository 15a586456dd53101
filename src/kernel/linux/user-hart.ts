/**
 * What the Linux personality needs of a hart (cpu/hart.ts provides it): run user code until a
 * trap, read and write registers, save and restore a context for process switches and fork, and
 * drop its cached translations when the kernel changes mappings.
 */
import type { AccessRecorder } from '../../cpu/memory-port.js';
import type { Mmu } from '../../mmu/mmu.js';
import type { PhysicalMemory } from '../../phys/physical-memory.js';

export interface UserHart<Context> {
  pc: number;
  readRegister(index: number): bigint;
  writeRegister(index: number, value: bigint): void;
  /** Runs at most `maxInstructions`; returns StopReason (Trap or Budget). */
  run(maxInstructions: number): number;
  readonly trapCause: number;
  readonly trapValue: number;
  readonly instret: number;
  saveContext(): Context;
  restoreContext(context: Context): void;
  flushTranslations(): void;
  /**
   * Sees every access with its physical address (cpu/hart.ts has it): null when unset; a hart
   * without it cannot run exact LRU.
   */
  onAccess?: AccessRecorder | null;
}

export type HartFactory<Context> = (mmu: Mmu, memory: PhysicalMemory) => UserHart<Context>;

/** Why run() returned: the hart's own stop reasons. */
export { StopReason as HartStop } from '../../cpu/hart.js';

/** scause values of the traps a user program raises: the hart's own. */
export { TrapCause } from '../../cpu/trap.js';

/** Registers by ABI name. */
export const Register = { ra: 1, sp: 2, a0: 10, a1: 11, a2: 12, a3: 13, a4: 14, a5: 15, a7: 17 } as const;
