/**
 * What the Linux personality needs of a hart (cpu/hart.ts provides it): run user code until a
 * trap, read and write registers, save and restore a context for process switches and fork, and
 * drop its cached translations when the kernel changes mappings.
 */
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
}

export type HartFactory<Context> = (mmu: Mmu, memory: PhysicalMemory) => UserHart<Context>;

/** Why run() returned. */
export const HartStop = { Trap: 1, Budget: 2 } as const;

/** scause values of the traps a user program raises (RISC-V privileged specification). */
export const TrapCause = {
  InstructionMisaligned: 0,
  InstructionAccessFault: 1,
  IllegalInstruction: 2,
  Breakpoint: 3,
  LoadMisaligned: 4,
  LoadAccessFault: 5,
  StoreMisaligned: 6,
  StoreAccessFault: 7,
  UserEcall: 8,
  InstructionPageFault: 12,
  LoadPageFault: 13,
  StorePageFault: 15,
} as const;

/** Registers by ABI name. */
export const Register = { ra: 1, sp: 2, a0: 10, a1: 11, a2: 12, a3: 13, a4: 14, a5: 15, a7: 17 } as const;
