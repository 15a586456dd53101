/**
 * The architecture-neutral vocabulary of the MMU: mapping flags, access kinds, privilege modes
 * and fault causes. Each page-table format encodes the flags into its own entry bits.
 * They are small integer constants (not strings) because they travel on the translation hot path.
 */

/** Mapping flags, OR-ed together. A format keeps only the ones it can express (see effectiveFlags). */
export const PageFlags = {
  None: 0,
  /** Loads allowed. Implied by a present entry on x86 (every present page is readable). */
  Read: 1 << 0,
  /** Stores allowed. */
  Write: 1 << 1,
  /** Instruction fetches allowed. Implied on i386 (32-bit paging has no NX bit). */
  Execute: 1 << 2,
  /** Reachable from user mode. */
  User: 1 << 3,
  /** Global: survives an address-space switch in the TLB. */
  Global: 1 << 4,
  /** Accessed, set by the walker; may be given to map() to pre-set it. */
  Accessed: 1 << 5,
  /** Dirty, set by the walker on a store; may be given to map() to pre-set it. */
  Dirty: 1 << 6,
  /** Software-available bits: x86 bits 9, 10, 11; RISC-V RSW bits 8, 9 (Sv39 has no Soft2). */
  Soft0: 1 << 7,
  Soft1: 1 << 8,
  Soft2: 1 << 9,
} as const;
export type PageFlags = number;

/** Flags a caller chooses; Accessed and Dirty are hardware state that protect() preserves. */
export const PERMISSION_FLAGS =
  PageFlags.Read |
  PageFlags.Write |
  PageFlags.Execute |
  PageFlags.User |
  PageFlags.Global |
  PageFlags.Soft0 |
  PageFlags.Soft1 |
  PageFlags.Soft2;

export const ALL_FLAGS = PERMISSION_FLAGS | PageFlags.Accessed | PageFlags.Dirty;

/** What a memory access does. The numbers index the TLB's permission bits. */
export const Access = { Read: 0, Write: 1, Execute: 2 } as const;
export type Access = (typeof Access)[keyof typeof Access];

/** The privilege the access runs at (x86 CPL 3 vs 0-2; RISC-V U vs S). */
export const Mode = { Kernel: 0, User: 1 } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** Why a translation failed. */
export const FaultCause = {
  None: 0,
  /** An entry on the walk had P = 0 (V = 0 on RISC-V). */
  NotPresent: 1,
  /** The entries exist but forbid this access in this mode. */
  Protection: 2,
  /** An entry had a reserved bit set (x86 RSVD; RISC-V reserved encodings, misaligned superpage). */
  ReservedBit: 3,
  /** The virtual address is outside the format's canonical range. */
  NonCanonical: 4,
  /**
   * The walk or the access reached a physical address outside RAM: an entry points past its end
   * (RISC-V access fault; on x86 a machine check, not a page fault).
   */
  AccessFault: 5,
} as const;
export type FaultCause = (typeof FaultCause)[keyof typeof FaultCause];

export const FAULT_CAUSE_NAMES = [
  'none',
  'not present',
  'protection',
  'reserved bit',
  'non-canonical',
  'access fault',
] as const;

/** x86 page-fault error-code bits (SDM vol. 3, 4.7). */
export const X86ErrorCode = { Present: 1, Write: 2, User: 4, Reserved: 8, Fetch: 16 } as const;

/** RISC-V exception causes of page and access faults (privileged spec, scause). */
export const RiscvCause = {
  InstructionAccessFault: 1,
  LoadAccessFault: 5,
  StoreAccessFault: 7,
  InstructionPageFault: 12,
  LoadPageFault: 13,
  StorePageFault: 15,
} as const;

/** Page sizes in bytes. */
export const PageSize = {
  Size4K: 4096,
  Size2M: 2 * 1024 * 1024,
  Size4M: 4 * 1024 * 1024,
  Size1G: 1024 * 1024 * 1024,
} as const;

/** Names of the flags set in `flags`, for messages: "R W U". */
export function flagNames(flags: number): string {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(PageFlags)) if (bit !== 0 && flags & bit) names.push(name);
  return names.length === 0 ? 'None' : names.join(' ');
}
