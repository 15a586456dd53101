/**
 * The paging-structure cache of one MMU's walker (Intel SDM vol. 3, 4.10.3, the PDE cache; RISC-V
 * allows the same): for a 2 MiB leaf-table span of the current context, the leaf table it
 * resolves to and what the upper entries contribute, so that a TLB miss reads the leaf entry only
 * instead of three or four entries. Used by the x86-64 and Sv39 walkers (on i386 it would save
 * one read, and the lookup costs as much: docs/mmu.md).
 *
 * Exactly as correct as the hardware's: an entry is made only by a walk that read present table
 * pointers down to a 4 KiB leaf and, allowed, set A in every upper entry (the hardware sets them
 * on the walk that fills the cache; a walk served from the cache sets A and D in the leaf only).
 * Mmu empties it on every invalidation and address-space switch (INVLPG and a CR3 write flush
 * the current PCID's paging-structure caches; SFENCE.VMA may be given the same meaning), and an
 * entry made before a table page was freed (PageTables' count of freed tables) is never used:
 * a freed table is the only way pageframe's tables stop pointing where they did.
 */
import type { PhysicalMemoryAccess } from './memory-access.js';

/** Slots: direct-mapped by span number (Intel's PDE caches hold a few dozen entries). */
export const STRUCTURE_CACHE_SLOTS = 32;
export const STRUCTURE_CACHE_MASK = STRUCTURE_CACHE_SLOTS - 1;
/** Tag of an empty slot: no span number of any format (below 2^26 in magnitude) equals it. */
const EMPTY = 0x7fffffff;
/** The words of a slot whose memory cannot lend its word arrays: every read is undefined. */
const NO_WORDS = new Int32Array(0);

export class StructureCache {
  /** Span number (the address's bits above the leaf table's span, as an int32) of each slot. */
  readonly span = new Int32Array(STRUCTURE_CACHE_SLOTS).fill(EMPTY);
  /** Physical address of the span's leaf table. */
  readonly table = new Float64Array(STRUCTURE_CACHE_SLOTS);
  /**
   * The leaf table's words, from index `wordIndex` (the memory's wordArrayOf and wordIndexOf), so
   * that the common miss reads its entry without read32: an empty array when the memory has no
   * wordArrayOf, and then the miss reads through read32.
   */
  readonly words: Int32Array[] = new Array<Int32Array>(STRUCTURE_CACHE_SLOTS).fill(NO_WORDS);
  readonly wordIndex = new Int32Array(STRUCTURE_CACHE_SLOTS);
  /**
   * The rights bits (rights.ts) the upper entries allow (x86: R/W, U/S and XD of each; all six
   * in Sv39, whose pointers carry none): a leaf's rights ANDed with them are the walk's.
   */
  readonly rights = new Uint8Array(STRUCTURE_CACHE_SLOTS);
  /** freedTables[0] when the slot was made: the slot serves only while no table was freed since. */
  readonly freedStamp = new Float64Array(STRUCTURE_CACHE_SLOTS);
  /**
   * Table pages freed so far in the tables walked (PageTables.freedTables; a cell of its own, left
   * at 0, over an emulator's memory, whose software must invalidate as on hardware).
   */
  freedTables: Float64Array = new Float64Array(1);
  /** Whether walks make entries (Mmu's `structureCache` option); off, the cache stays empty. */
  enabled = true;
  /** Slots made since the last clear: clear() has nothing to do at 0. */
  private made = 0;

  /**
   * Remembers that `span` resolves to leaf table `table` (in `memory`) through upper entries
   * allowing `rights`.
   */
  put(span: number, table: number, rights: number, memory: PhysicalMemoryAccess): void {
    if (!this.enabled) return;
    const slot = span & STRUCTURE_CACHE_MASK;
    this.span[slot] = span;
    this.table[slot] = table;
    this.words[slot] = memory.wordArrayOf?.(table) ?? NO_WORDS;
    this.wordIndex[slot] = memory.wordIndexOf?.(table) ?? 0;
    this.rights[slot] = rights;
    this.freedStamp[slot] = this.freedTables[0];
    this.made++;
  }

  /** Empties every slot (an invalidation or address-space switch). */
  clear(): void {
    if (this.made === 0) return;
    this.span.fill(EMPTY);
    this.made = 0;
  }

  /** Slots that hold an entry still usable now, for tests and reports. */
  get size(): number {
    let n = 0;
    for (let slot = 0; slot < STRUCTURE_CACHE_SLOTS; slot++)
      if (this.span[slot] !== EMPTY && this.freedStamp[slot] === this.freedTables[0]) n++;
    return n;
  }
}
