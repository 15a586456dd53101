/**
 * What a hardware page-table walker yields, shared by the two walkers (x86-walker.ts for i386 and
 * x86-64, sv39-walker.ts for RISC-V). A walk writes its result into the walker's fields instead
 * of allocating: the MMU's miss path runs one per TLB miss.
 */
import { FaultCause } from './flags.js';
import type { PhysicalMemoryAccess } from './memory-access.js';
import type { PageTableFormat } from './page-table-format.js';
import { StructureCache } from './structure-cache.js';

const NOT_PRESENT = FaultCause.NotPresent;

/**
 * What walkCommon() returns when the walk is not the common case: the caller walks in full.
 * Otherwise its result is the frame's address (below 2 GiB: a non-negative int32) ORed with
 * COMMON_GLOBAL for a global page and the rights, already without write on a clean page, as the
 * TLB caches them.
 */
export const NOT_COMMON = -1;
/**
 * What walkCommon() returns when the leaf entry it read is absent (P or V clear): the walk's
 * fault is the one walk() would report, and its cause, level (0) and entry are set as walk() sets
 * them.
 */
export const ABSENT_LEAF = -2;
export const COMMON_RIGHTS_MASK = 0x3f;
export const COMMON_GLOBAL = 0x40;
export const COMMON_FRAME_MASK = ~0xfff;

export abstract class PageWalker {
  declare readonly format: PageTableFormat;
  /** Results of the last successful walk. */
  /** Physical address of the translated byte. */
  pa = 0;
  /** Rights bits (rights.ts), ignoring D: the caller drops write rights from a clean page. */
  rights = 0;
  /** Whether the leaf's D bit is set (after the walk's own update, when it made one). */
  dirty = false;
  global = false;
  /** Level of the leaf; of the faulting entry after a fault. */
  level = 0;
  /**
   * Physical address of the entry at `level` the last walk read: the leaf, or the entry that
   * faulted (the address it would have read, for an access fault beyond RAM).
   */
  entry = 0;
  /** Why the last walk failed. */
  cause: FaultCause = FaultCause.None;
  /**
   * The paging-structure cache that walks with `update` (the MMU's, on a TLB miss) use and fill;
   * walks without it (checkers, translateUntracked) read every level.
   */
  readonly cache = new StructureCache();

  constructor(format: PageTableFormat) {
    this.format = format;
  }

  /**
   * Walks `root` for `va` (canonical). Returns false with cause and level on a fault. With
   * `update` and an access the rights allow (`pair`, a rights bit index), sets A (and D when
   * `write`) as the hardware does, and uses and fills the paging-structure cache; without it
   * writes nothing and reads every level (checkers, debuggers).
   */
  abstract walk(
    memory: PhysicalMemoryAccess,
    root: number,
    va: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean;

  /**
   * The walk of almost every TLB miss, in straight-line code and with no side effect unless it
   * succeeds: an address below 4 GiB whose leaf table is at hand (the paging-structure cache, or
   * i386's directory entry with A set), a present 4 KiB leaf with no unusual bit, a frame in RAM
   * below 2 GiB, and the access allowed. Then A (and D on a store) is set in the leaf as walk()
   * would, and the leaf is returned packed (NOT_COMMON above); for an absent leaf entry,
   * ABSENT_LEAF with the fault's fields set as walk() sets them; otherwise NOT_COMMON, and the
   * caller walks with walk(), which handles everything else. `va` is below 2^32.
   */
  abstract walkCommon(
    memory: PhysicalMemoryAccess,
    root: number,
    va: number,
    pair: number,
    write: boolean,
  ): number;

  /**
   * walk() for a 4 KiB leaf whose entry address `at` is known and whose upper entries grant
   * everything (as pageframe's tables' do): reads only the leaf, with walk()'s results and A / D
   * update. Mmu.preload uses it after a fault handler wrote the leaf.
   */
  abstract leaf(
    memory: PhysicalMemoryAccess,
    at: number,
    va: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean;

  /**
   * leaf() for an entry whose words are known (`low`, `high`: bits 31:0 and 63:32, 0 on i386), as
   * a fault handler that just wrote it knows them: the same results and A / D update, without
   * reading the entry.
   */
  abstract leafWords(
    memory: PhysicalMemoryAccess,
    at: number,
    low: number,
    high: number,
    va: number,
    pair: number,
    write: boolean,
    update: boolean,
  ): boolean;

  /**
   * The table index at a level whose index starts at address bit `shift`, from the address's
   * int32 halves (bits 31:0 unsigned, bits 63:32 signed): integer arithmetic only.
   */
  protected indexAt(vaLow: number, vaHigh: number, shift: number, mask: number): number {
    return (shift < 32 ? (vaLow >>> shift) | (vaHigh << (32 - shift)) : vaHigh >> (shift - 32)) & mask;
  }

  /**
   * walkCommon()'s answer for an absent 8-byte leaf entry of `va` read from the paging-structure
   * cache's slot `slot`, out of walkCommon (whose bytecode size decides whether V8 inlines it):
   * NOT_COMMON when the slot has no words (the memory lends none, or they were detached) and
   * nothing was read.
   */
  protected absentCachedLeaf(slot: number, va: number): number {
    const cache = this.cache;
    if (cache.words[slot].length === 0) return NOT_COMMON;
    return this.absentLeaf(cache.table[slot] + ((va >>> 12) & 511) * 8);
  }

  /** walkCommon()'s answer for an absent leaf entry at `at`: the fault's fields, as walk() sets them. */
  protected absentLeaf(at: number): number {
    this.entry = at;
    this.cause = NOT_PRESENT;
    this.level = 0;
    return ABSENT_LEAF;
  }

  protected fail(cause: FaultCause, level: number): boolean {
    this.cause = cause;
    this.level = level;
    return false;
  }
}
