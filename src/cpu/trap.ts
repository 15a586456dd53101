/**
 * Traps: the RISC-V exception causes a user-mode hart raises (privileged spec, scause), and the
 * one preallocated signal the memory path throws to unwind to the interpreter's loop, which
 * stops with the cause and value it finds in the hart.
 */

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
export type TrapCause = (typeof TrapCause)[keyof typeof TrapCause];

/** Thrown (one instance, no allocation) when an access traps; never escapes Hart.run. */
export class TrapSignal extends Error {
  constructor() {
    super('a hart trap in flight (internal: caught by the interpreter)');
  }
}

export const TRAP = new TrapSignal();
