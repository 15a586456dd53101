/** The MMU layer: page-table formats, page tables in RAM, the walker and the TLB. */

export { NonCanonicalAddressError, NotInRamError } from './errors.js';
export {
  Access,
  ALL_FLAGS,
  FAULT_CAUSE_NAMES,
  FaultCause,
  flagNames,
  Mode,
  PageFlags,
  PageSize,
  PERMISSION_FLAGS,
  RiscvCause,
  X86ErrorCode,
} from './flags.js';
export { createFormat, decodeEntry, FORMATS, type FormatName } from './formats.js';
export { I386Format } from './i386-format.js';
export { BufferMemory, type MemoryBacking, type PhysicalMemoryAccess } from './memory-access.js';
export { Mmu, type MmuHardware, type MmuOptions, type TlbDisagreement } from './mmu.js';
export type {
  DecodedEntry,
  EntryField,
  FormatFamily,
  FormatOptions,
  PageTableFormat,
} from './page-table-format.js';
export { type LeafVisitor, type LookupResult, PageTables } from './page-tables.js';
export { Sv39Format } from './sv39-format.js';
export { GLOBAL_ASID, MAX_ASID, Tlb, type TlbConfig, type TlbCounters, type TlbEntry } from './tlb.js';
export { X8664Format } from './x86-64-format.js';
