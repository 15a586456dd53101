/**
 * The TLB refill after a page fault, Linux's update_mmu_cache: once a fault handler made the
 * 4 KiB leaf entry present, the retried access fills the TLB from that entry alone, with no walk
 * from the root. Used by Mmu.preload and Mmu.preloadFrame.
 */
import { Access } from './flags.js';
import type { PhysicalMemoryAccess } from './memory-access.js';
import type { PageWalker } from './page-walker.js';
import { WRITE_RIGHTS } from './rights.js';
import { GLOBAL_ASID, type Tlb } from './tlb.js';
import type { TlbHitIndex } from './tlb-hit-index.js';

const PAGE_SIZE = 4096;
const PAGE_OFFSET_MASK = PAGE_SIZE - 1;
const PAGE_SHIFT = 12;
// Module-local copies of imported constants: V8 does not fold an imported binding into optimized code.
const GLOBAL = GLOBAL_ASID;
const CLEAN_PAGE_RIGHTS = ~WRITE_RIGHTS;
const WRITE = Access.Write;

/** fromTemplate's answer when the entry needs preload()'s way (A or D to write, a frame beyond RAM). */
export const NEEDS_LEAF_READ = -1;

export class FaultRefill {
  /** fromTemplate's last template entry (frame 0) and what the walker decoded of it. */
  private templateLow = -1;
  private templateHigh = -1;
  private templateRights = 0;
  private templateGlobal = false;
  private templateAccessed = false;
  private templateDirty = false;

  constructor(
    private readonly walker: PageWalker,
    private readonly memory: PhysicalMemoryAccess,
    private readonly tlb: Tlb,
    private readonly hitIndex: TlbHitIndex,
    private readonly accessedBit: number,
  ) {}

  /**
   * Fills the TLB for the 4 KiB entry written at `leafAt` as `template | frame` (`low` / `high`:
   * the entry's words for frame 0) and returns the physical address of `va`, or NEEDS_LEAF_READ
   * when the entry would need A or D written, does not grant `pair`, or maps a frame beyond RAM.
   * The template's rights, G and A / D are decoded once and kept while the template is the same.
   * `va` is already reduced modulo 2^32 on i386.
   */
  fromTemplate(
    va: number,
    access: Access,
    pair: number,
    leafAt: number,
    low: number,
    high: number,
    frame: number,
    asid: number,
  ): number {
    if (low !== this.templateLow || high !== this.templateHigh) this.decodeTemplate(leafAt, low, high);
    const young = access === WRITE ? this.templateDirty : this.templateAccessed;
    if (!young || (this.templateRights & (1 << pair)) === 0 || frame >= this.memory.size)
      return NEEDS_LEAF_READ;
    this.tlb.misses++;
    this.fill(va, this.templateGlobal ? GLOBAL : asid, asid, frame, this.templateRights);
    return frame + (va & PAGE_OFFSET_MASK);
  }

  /**
   * Fills the TLB from the walker's decoding of a 4 KiB leaf that grants the access (its leaf()
   * just read it) and returns the physical address of `va`.
   */
  fromWalker(va: number, asid: number): number {
    const walker = this.walker;
    const rights = walker.dirty ? walker.rights : walker.rights & CLEAN_PAGE_RIGHTS;
    this.fill(va, walker.global ? GLOBAL : asid, asid, walker.pa - (va & PAGE_OFFSET_MASK), rights);
    return walker.pa;
  }

  /** The fill itself (a set search of its own: the TLB may have changed since the faulting miss). */
  private fill(va: number, tag: number, asid: number, frame: number, rights: number): void {
    const tlb = this.tlb;
    if (tlb.hitIndex !== this.hitIndex) tlb.claim(this.hitIndex, asid);
    const vpn = va === va >>> 0 ? va >>> PAGE_SHIFT : Math.floor(va / PAGE_SIZE);
    tlb.fill(vpn, tag, frame, rights, 0, tlb.find(vpn, asid));
  }

  /** What fromTemplate keeps of a template entry: the walker's decoding of it, nothing written. */
  private decodeTemplate(leafAt: number, low: number, high: number): void {
    const walker = this.walker;
    const present = walker.leafWords(this.memory, leafAt, low, high, 0, 0, false, false);
    this.templateLow = low;
    this.templateHigh = high;
    // A clean page's write rights are not cached (as the miss path); absent: nothing granted.
    this.templateRights = !present ? 0 : walker.dirty ? walker.rights : walker.rights & CLEAN_PAGE_RIGHTS;
    this.templateGlobal = present && walker.global;
    this.templateDirty = present && walker.dirty && (low & this.accessedBit) !== 0;
    this.templateAccessed = present && (low & this.accessedBit) !== 0;
  }
}
