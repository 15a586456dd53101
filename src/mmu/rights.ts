/**
 * The six rights bits a walk yields and the TLB caches: bit (mode * 3 + access), already combined
 * over every level of the walk. Shared by the walkers, the TLB and Mmu.
 */
import { Access, Mode } from './flags.js';

/** (mode, access) pairs, one rights bit each. */
export const RIGHTS_PAIRS = 6;

/** The index of the rights bit for `access` in `mode`. */
export function rightsPair(access: Access, mode: Mode): number {
  return mode * 3 + access;
}

export const Rights = {
  KernelRead: 1 << rightsPair(Access.Read, Mode.Kernel),
  KernelWrite: 1 << rightsPair(Access.Write, Mode.Kernel),
  KernelExecute: 1 << rightsPair(Access.Execute, Mode.Kernel),
  UserRead: 1 << rightsPair(Access.Read, Mode.User),
  UserWrite: 1 << rightsPair(Access.Write, Mode.User),
  UserExecute: 1 << rightsPair(Access.Execute, Mode.User),
} as const;

/** Both write bits: cleared from a TLB entry until its page's D bit is set. */
export const WRITE_RIGHTS = Rights.KernelWrite | Rights.UserWrite;
