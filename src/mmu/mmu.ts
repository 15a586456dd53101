/**
 * One CPU's MMU: a current page-table root and address-space id (CR3 / satp), a TLB, and the
 * hardware page-table walker of its format's family. translate() returns a physical address, or
 * -1 with the fault described in the fault* fields (CR2 / stval, the x86 error code or RISC-V
 * cause, the level): no object is allocated per translation or per fault. Used by src/vm (every
 * access of the modelled machine) and by emulators over memory of their own.
 *
 * Modelled control state: x86 CR0.WP = 1, CR4.PSE = 1, CR4.PGE = 1, EFER.NXE = 1 (x86-64), no
 * SMEP / SMAP / protection keys; x86-64 CR4.PCIDE = 1. RISC-V: Svadu (the walker sets A and D),
 * MXR = 0, SUM from the `sum` field (default false).
 */
import { InvalidArgumentError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { AsidRoots } from './asid-roots.js';
import { translateMany, translateRange } from './batch-translate.js';
import { riscvFaultCode, x86FaultCode } from './fault-codes.js';
import { FaultRefill, NEEDS_LEAF_READ } from './fault-refill.js';
import { Access, FAULT_CAUSE_NAMES, FaultCause, Mode } from './flags.js';
import type { PhysicalMemoryAccess } from './memory-access.js';
import type { MmuHardware, MmuOptions } from './mmu-options.js';
import type { PageTableFormat } from './page-table-format.js';
import type { PageTables } from './page-tables.js';
import {
  ABSENT_LEAF,
  COMMON_FRAME_MASK,
  COMMON_GLOBAL,
  COMMON_RIGHTS_MASK,
  NOT_COMMON,
  type PageWalker,
} from './page-walker.js';
import { rightsPair, WRITE_RIGHTS } from './rights.js';
import { Sv39Walker } from './sv39-walker.js';
import { GLOBAL_ASID, Tlb } from './tlb.js';
import { findTlbDisagreements, type TlbDisagreement } from './tlb-disagreements.js';
import { ENTRY_FRAME_MASK, HIT_COUNTER as HIT_COUNTER_ELEMENT, TlbHitIndex } from './tlb-hit-index.js';
import { I386Walker, X86Walker } from './x86-walker.js';

export type { MmuHardware, MmuOptions } from './mmu-options.js';
export type { TlbDisagreement } from './tlb-disagreements.js';

const PAGE_SIZE = 4096;
const PAGE_OFFSET_MASK = PAGE_SIZE - 1;
const PAGE_SHIFT = 12;

// Module-local copies of the imported constants translate() and its miss path use: V8 does not
// fold an imported binding into optimized code. Measured on compiled JavaScript: a TLB hit
// 1.47 ns with these copies, 2.9 ns with imported ones.
const HIT_COUNTER = HIT_COUNTER_ELEMENT;
const FRAME_MASK = ENTRY_FRAME_MASK;
const GLOBAL = GLOBAL_ASID;
const CLEAN_PAGE_RIGHTS = ~WRITE_RIGHTS;
const WRITE = Access.Write;
const NON_CANONICAL = FaultCause.NonCanonical;
const PROTECTION = FaultCause.Protection;
const ACCESS_FAULT = FaultCause.AccessFault;
const UNCOMMON = NOT_COMMON;
const ABSENT = ABSENT_LEAF;
/** miss()'s way before any set search (find() and probe() answer -1 or a way). */
const NOT_SEARCHED = -2;
const LEAF_FRAME = COMMON_FRAME_MASK;
const GLOBAL_LEAF = COMMON_GLOBAL;
const RIGHTS_MASK = COMMON_RIGHTS_MASK;

export class Mmu {
  /** The tables this MMU walks, when they are pageframe's (null over an emulator's memory). */
  declare readonly pageTables: PageTables | null;
  declare readonly format: PageTableFormat;
  declare readonly memory: PhysicalMemoryAccess;
  declare readonly tlb: Tlb;
  /** Physical address of the current root (CR3 bits 31:12, satp.PPN * 4096). */
  root: number;
  /** Current ASID (PCID on x86-64; always 0 on i386). Change with setRoot. */
  asid = 0;

  // The last fault (valid after translate returned -1).
  faultCause: FaultCause = FaultCause.None;
  /** Level of the entry that caused the fault (levels - 1 = root; -1 for non-canonical). */
  faultLevel = -1;
  /** CR2 / stval: the faulting virtual address. */
  faultAddress = 0;
  faultAccess: Access = Access.Read;
  faultMode: Mode = Mode.Kernel;
  /**
   * x86 page-fault error code (0 for a non-canonical #GP) or RISC-V cause 12 / 13 / 15 (5 / 7 /
   * 1 for an access fault): derived from the fields above when read, not on the fault path.
   */
  get faultCode(): number {
    const cause = this.faultCause;
    if (this.riscv) return riscvFaultCode(cause, this.faultAccess);
    return x86FaultCode(cause, this.faultAccess, this.faultMode, this.fetchFaults);
  }

  /** Faults so far, and walks done (one per TLB miss or untracked translation). */
  faults = 0;
  walks = 0;
  /**
   * Invalidations so far (a setRoot counts as one) and the page number of the last one (NaN when
   * it covered more than one page). Caches of translations kept outside the TLB, such as a CPU's
   * fast path, compare the count with the one they last saw to learn that mappings changed.
   */
  invalidations = 0;
  lastInvalidatedPage = Number.NaN;

  /**
   * This Mmu's hit index (tlb-hit-index.ts), filled by the TLB while this Mmu's address space is
   * the TLB's current one. Initialised here, never reassigned: V8 then treats the field as a
   * constant on the hit path.
   */
  private readonly hitIndex = new TlbHitIndex();
  private readonly hitEntries = this.hitIndex.entries;
  declare private readonly walker: PageWalker;
  /** Whether addresses are sign-extended (x86-64, Sv39): checked for canonical form on a miss. */
  declare private readonly signExtended: boolean;
  /** RISC-V fault codes (else x86), and whether an x86 fetch fault sets I/D (with NX only). */
  declare private readonly riscv: boolean;
  declare private readonly fetchFaults: boolean;
  /** The TLB refill after a fault (preload, preloadFrame) and what the faulting miss found. */
  declare private readonly refill: FaultRefill;
  /** Roots last installed for each ASID, for recycling and the TLB checker. */
  declare private readonly roots: AsidRoots;

  /**
   * An MMU over pageframe's PageTables (roots must be live roots of them), or over a format and
   * any physical memory (an emulator's: any 4 KiB-aligned root inside RAM is accepted, as the
   * hardware would take a guest's CR3 or satp). `options.tlb` shares or passes in a Tlb;
   * otherwise one of `options.entries` and `options.ways` is made.
   */
  constructor(tables: PageTables | MmuHardware, options: MmuOptions = {}) {
    this.pageTables = isPageTables(tables) ? tables : null;
    this.format = tables.format;
    this.memory = tables.memory;
    this.tlb = options.tlb ?? new Tlb(options, this.hitIndex);
    this.walker = createWalker(this.format);
    this.refill = new FaultRefill(this.walker, this.memory, this.tlb, this.hitIndex, this.format.accessedBit);
    this.walker.cache.enabled = options.structureCache ?? true;
    if (isPageTables(tables)) this.walker.cache.freedTables = tables.freedTables;
    this.signExtended = this.format.signExtended;
    this.riscv = this.format.family === 'riscv';
    this.fetchFaults = this.format.hasNoExecute;
    this.roots = new AsidRoots(this.pageTables, this.memory);
    this.root = isPageTables(tables) ? tables.kernelRoot : (options.root ?? 0);
    this.roots.check(this.root);
    this.roots.install(0, this.root);
    this.tlb.claim(this.hitIndex, 0);
  }

  /** RISC-V sstatus.SUM: supervisor loads and stores may touch U pages (no effect on x86). */
  get sum(): boolean {
    return this.walker instanceof Sv39Walker && this.walker.sum;
  }
  set sum(value: boolean) {
    if (!(this.walker instanceof Sv39Walker) || this.walker.sum === value) return;
    this.walker.sum = value;
    // The TLB caches rights computed under the old SUM; hardware checks SUM at each access.
    this.invalidateAll();
  }

  /**
   * Installs a root and ASID: a CR3 write (i386: flushes every non-global entry; x86-64: flushes
   * the new PCID's non-global entries unless `keep`, CR3 bit 63) or a satp write (Sv39: flushes
   * nothing, software issues SFENCE.VMA). Whatever `keep` says, an ASID last installed with
   * another root is flushed: its entries belong to that root. So an OS may recycle ASIDs (more
   * address spaces than the 4095 PCIDs) as Linux does, flushing on reuse; a real TLB may drop
   * entries at any time, so the extra flush is one the hardware could have made.
   */
  setRoot(root: number, asid = 0, keep = false): void {
    this.roots.check(root);
    const limit = this.format.asidCount;
    if (!Number.isInteger(asid) || asid < 0 || asid >= limit) {
      throw new InvalidArgumentError(
        `ASID ${asid} is out of range for ${this.format.name} (0..${limit - 1})`,
      );
    }
    const recycled = this.roots.install(asid, root);
    this.root = root;
    this.asid = asid;
    this.invalidated(Number.NaN);
    if (limit === 1) this.tlb.invalidateNonGlobal();
    else if (recycled || (this.format.family === 'x86' && !keep)) this.tlb.invalidateAsid(asid);
    this.tlb.claim(this.hitIndex, asid);
  }

  /**
   * Translates `va` for `access` in `mode` through the TLB: the physical address, or -1 with the
   * fault in the fault* fields. A hit reads no table; a miss walks, sets A / D and fills the TLB.
   * On i386 `va` is a 32-bit linear address: it is taken modulo 2^32 (ToUint32), as a register
   * would hold it. On the 64-bit formats a number outside the canonical range faults.
   */
  translate(va: number, access: Access, mode: Mode): number {
    // The hit index holds pages below 4 GiB in frames below 2 GiB by page number, each element
    // (frame XOR page address) | rights: a hit is one load, a rights test and an XOR.
    // `va === va >>> 0` keeps any other number (above 4 GiB, negative, fractional) off it.
    const entries = this.hitEntries;
    const entry = entries[va >>> PAGE_SHIFT];
    if ((entry & (1 << (mode * 3 + access))) !== 0 && va === va >>> 0) {
      const pa = (entry & FRAME_MASK) ^ va; // a frame below 2 GiB: non-negative
      entries[HIT_COUNTER]++; // after the load: V8 re-checks the array after a store to it
      return pa;
    }
    return this.miss(va, access, mode);
  }

  /**
   * A hit-index miss. Almost every one is the common case: an address below 4 GiB whose page its
   * TLB set does not hold either (probe), whose walk is the walker's common case (walkCommon: a
   * present 4 KiB leaf that allows the access), filled into the way probe chose (fillChosen), or
   * whose leaf entry is absent (a demand fault, reported at once). Those three are small enough
   * for V8 to inline here whole. Everything else (a hit in the set, large pages, other faults,
   * addresses from 4 GiB up or frames from 2 GiB up) takes the general path below. Out of line
   * (too big for V8 to inline), so that translate() stays small enough to be inlined into the
   * caller's loop.
   */
  private miss(va: number, access: Access, mode: Mode): number {
    const tlb = this.tlb;
    const current = this.asid;
    let found = NOT_SEARCHED; // the set search's answer, for the general path
    if (va === va >>> 0 && tlb.hitIndex === this.hitIndex && tlb.context === current) {
      const page = va >>> PAGE_SHIFT;
      // With no unindexed way, a page without an element is in no way: no set search.
      const probe =
        tlb.unindexed === 0 && this.hitEntries[page] === 0
          ? -1 - tlb.wayToFill(page)
          : tlb.probe(page, current);
      found = probe < 0 ? -1 : probe;
      if (probe < 0) {
        const leaf = this.walker.walkCommon(this.memory, this.root, va, mode * 3 + access, access === WRITE);
        if (leaf !== UNCOMMON) {
          tlb.misses++;
          this.walks++;
          if (this.hitEntries[HIT_COUNTER] < 0) tlb.foldHits(); // past 2^31 hits: fold before the int32 wraps twice
          if (leaf === ABSENT) return this.walkFault(va, access, mode, false); // a demand fault
          const frame = leaf & LEAF_FRAME;
          tlb.fillChosen(
            -1 - probe,
            page,
            (leaf & GLOBAL_LEAF) !== 0 ? GLOBAL : current,
            frame,
            leaf & RIGHTS_MASK,
          );
          return frame | (va & PAGE_OFFSET_MASK);
        }
      }
    }
    if (tlb.hitIndex !== this.hitIndex) tlb.claim(this.hitIndex, this.asid);
    if (!this.signExtended) {
      va >>>= 0; // a 32-bit linear address: the number is taken modulo 2^32
    } else if (!this.format.isCanonical(va)) {
      tlb.misses++;
      return this.fault(va, access, mode, NON_CANONICAL, -1);
    }
    // Integer arithmetic for addresses below 4 GiB (V8 keeps a number that may exceed int32 as a double).
    const vpn = va === va >>> 0 ? va >>> PAGE_SHIFT : Math.floor(va / PAGE_SIZE);
    const pair = mode * 3 + access;
    const way = found !== NOT_SEARCHED ? found : tlb.find(vpn, this.asid);
    if (way >= 0 && (tlb.rights[way] & (1 << pair)) !== 0) {
      this.hitEntries[HIT_COUNTER]++;
      tlb.indexWay(way);
      return tlb.pa[way] + (va & PAGE_OFFSET_MASK);
    }
    tlb.misses++;
    if (this.hitEntries[HIT_COUNTER] < 0) tlb.foldHits(); // past 2^31 hits: fold before the int32 wraps twice
    this.walks++;
    const walker = this.walker;
    const walked = walker.walk(this.memory, this.root, va, pair, access === WRITE, true);
    if (!walked || (walker.rights & (1 << pair)) === 0 || walker.pa >= this.memory.size) {
      return this.walkFault(va, access, mode, walked);
    }
    const rights = walker.dirty ? walker.rights : walker.rights & CLEAN_PAGE_RIGHTS;
    const level = walker.level;
    const spanLog = level === 0 ? 0 : this.format.levelShift(level) - PAGE_SHIFT;
    const asid = walker.global ? GLOBAL : this.asid;
    tlb.fill(vpn, asid, walker.pa - (va & PAGE_OFFSET_MASK), rights, spanLog, way);
    return walker.pa;
  }

  /**
   * The fault of a walk that failed, found no right for the access, or reached beyond RAM. Out
   * of line, so that the miss path stays small enough for V8 to inline.
   */
  private walkFault(va: number, access: Access, mode: Mode, walked: boolean): number {
    const walker = this.walker;
    // A fault at level 0 read an entry of the leaf table: the fault handler will want that table.
    if (this.pageTables !== null && walker.level === 0 && (walked || walker.cause !== ACCESS_FAULT)) {
      this.pageTables.noteLeafTable(this.root, va, walker.entry - (walker.entry % PAGE_SIZE));
    }
    if (!walked) return this.fault(va, access, mode, walker.cause, walker.level);
    const cause = (walker.rights & (1 << (mode * 3 + access))) === 0 ? PROTECTION : ACCESS_FAULT;
    return this.fault(va, access, mode, cause, walker.level);
  }

  /**
   * Linux's update_mmu_cache: after a fault handler made the 4 KiB leaf entry at `leafAt` (the
   * entry for `va` under the current root) present, makes the access translate() would retry,
   * reading only that entry: A set in it (D too for a write), the TLB filled with the entry a walk
   * would make, the access counted as a TLB miss but not as a walk. Returns what translate()
   * would. Walks instead without pageframe's PageTables (whose upper entries grant everything)
   * or with `leafAt` -1. The upper entries' A bits are left as the faulting walk found them.
   */
  preload(va: number, access: Access, mode: Mode, leafAt: number): number {
    if (leafAt < 0 || this.pageTables === null || (this.signExtended && !this.format.isCanonical(va)))
      return this.translate(va, access, mode);
    if (!this.signExtended) va >>>= 0;
    const pair = mode * 3 + access;
    const walker = this.walker;
    this.tlb.misses++;
    if (!walker.leaf(this.memory, leafAt, va, pair, access === WRITE, true))
      return this.fault(va, access, mode, walker.cause, walker.level);
    if ((walker.rights & (1 << pair)) === 0) return this.fault(va, access, mode, PROTECTION, 0);
    if (walker.pa >= this.memory.size) return this.fault(va, access, mode, ACCESS_FAULT, 0);
    return this.refill.fromWalker(va, this.asid);
  }

  /**
   * preload() for the 4 KiB entry a fault handler just wrote at `leafAt` as `template | frame`:
   * `templateLow` / `templateHigh` are the words of the same entry for frame 0 (bits 31:0 and
   * 63:32, 0 on i386), `frame` the physical address of the page. The TLB is filled with no read
   * or decoding of the entry (fault-refill.ts). An entry that would need A or D written, or whose
   * frame lies beyond RAM, takes preload()'s way. The caller vouches for the words.
   */
  preloadFrame(
    va: number,
    access: Access,
    mode: Mode,
    leafAt: number,
    templateLow: number,
    templateHigh: number,
    frame: number,
  ): number {
    if (leafAt < 0 || this.pageTables === null || (this.signExtended && !this.format.isCanonical(va)))
      return this.translate(va, access, mode);
    const pair = mode * 3 + access;
    const at = this.signExtended ? va : va >>> 0;
    const pa = this.refill.fromTemplate(
      at,
      access,
      pair,
      leafAt,
      templateLow,
      templateHigh,
      frame,
      this.asid,
    );
    return pa !== NEEDS_LEAF_READ ? pa : this.preload(va, access, mode, leafAt);
  }

  /**
   * Translates the `count` addresses start, start + stride, ... into out[0..count), for a loop
   * that would otherwise call translate() per word: one TLB lookup per 4 KiB page, then the
   * page's addresses by addition. Returns `count`, or the index of the first address that
   * faults (out is filled up to it; the fault* fields describe the fault). The TLB counts one
   * access per page.
   */
  translateRange(
    start: number,
    count: number,
    stride: number,
    access: Access,
    mode: Mode,
    out: Float64Array,
  ): number {
    return translateRange(this, start, count, stride, access, mode, out);
  }

  /**
   * Translates addresses[0..count) into out[0..count), as translate() each. Returns `count`, or
   * the index of the first address that faults (out filled up to it, fault* fields set).
   */
  translateMany(
    addresses: ArrayLike<number>,
    count: number,
    access: Access,
    mode: Mode,
    out: Float64Array,
  ): number {
    return translateMany(this, addresses, count, access, mode, out);
  }

  /**
   * Translates without the TLB and without setting A / D: what the page tables say now. For
   * checkers and debuggers; faults are reported as by translate().
   */
  translateUntracked(va: number, access: Access, mode: Mode, root = this.root): number {
    this.walks++;
    if (!this.signExtended) {
      va >>>= 0; // a 32-bit linear address, taken modulo 2^32 as translate() takes it
    } else if (!this.format.isCanonical(va)) {
      return this.fault(va, access, mode, FaultCause.NonCanonical, -1);
    }
    const walker = this.walker;
    const pair = rightsPair(access, mode);
    if (!walker.walk(this.memory, root, va, pair, false, false)) {
      return this.fault(va, access, mode, walker.cause, walker.level);
    }
    if ((walker.rights & (1 << pair)) === 0)
      return this.fault(va, access, mode, FaultCause.Protection, walker.level);
    if (walker.pa >= this.memory.size)
      return this.fault(va, access, mode, FaultCause.AccessFault, walker.level);
    return walker.pa;
  }

  /** INVLPG va (x86: this PCID's entries and global ones) or SFENCE.VMA va, asid. */
  invalidatePage(va: number, asid = this.asid): void {
    this.tlb.invalidatePage(Math.floor(va / PAGE_SIZE), asid);
    this.invalidated(Math.floor(va / PAGE_SIZE));
  }

  /** INVPCID single-context or SFENCE.VMA x0, asid: the non-global entries of `asid`. */
  invalidateAsid(asid: number): void {
    this.tlb.invalidateAsid(asid);
    this.invalidated(Number.NaN);
  }

  /** INVPCID all-context or SFENCE.VMA x0, x0: everything, global entries included. */
  invalidateAll(): void {
    this.tlb.invalidateAll();
    this.invalidated(Number.NaN);
  }

  /**
   * Every invalidation and address-space switch also empties the paging-structure cache: INVLPG
   * and INVPCID flush the PCID's paging-structure caches whatever the address, as does a CR3
   * write; SFENCE.VMA is given the same meaning (it must order non-leaf entries only without an
   * address, and a cache may always drop entries).
   */
  private invalidated(page: number): void {
    this.invalidations++;
    this.lastInvalidatedPage = page;
    this.walker.cache.clear();
  }

  /** Leaf-table spans the paging-structure cache holds now (0 with the cache off). */
  get structureCacheSize(): number {
    return this.walker.cache.size;
  }

  /**
   * TLB entries that disagree with the page tables now: the tables map nothing there, map another
   * frame, or grant fewer rights than the entry holds. `rootOf` gives each ASID's root (default:
   * the root last installed with that ASID; global entries are checked against the current root).
   */
  tlbDisagreements(rootOf?: (asid: number) => number | undefined): TlbDisagreement[] {
    return findTlbDisagreements(
      this.tlb,
      this.walker,
      this.memory,
      this.root,
      rootOf ?? ((asid) => this.roots.rootOf(asid)),
      (root) => this.roots.isRoot(root),
    );
  }

  /** The root last installed with `asid`: the one its TLB entries belong to. */
  rootOfAsid(asid: number): number | undefined {
    return this.roots.rootOf(asid);
  }

  /** Fault cause name and details of the last fault, for messages. */
  describeFault(): string {
    const access = ['read', 'write', 'execute'][this.faultAccess];
    const mode = this.faultMode === Mode.User ? 'user' : 'kernel';
    const cause = FAULT_CAUSE_NAMES[this.faultCause];
    const code =
      this.format.family === 'riscv' ? `cause ${this.faultCode}` : `error code ${hex(this.faultCode, 2)}`;
    return `${mode} ${access} of ${hex(this.faultAddress)}: ${cause} at level ${this.faultLevel} (${code})`;
  }

  private fault(va: number, access: Access, mode: Mode, cause: FaultCause, level: number): number {
    this.faults++;
    this.faultCause = cause;
    this.faultLevel = level;
    this.faultAddress = va;
    this.faultAccess = access;
    this.faultMode = mode;
    return -1;
  }
}

/** The walker of a format: one class a walk, so that the miss path's call reaches it directly. */
function createWalker(format: PageTableFormat): PageWalker {
  if (format.family === 'riscv') return new Sv39Walker(format);
  return format.entryBytes === 4 ? new I386Walker(format) : new X86Walker(format);
}

function isPageTables(tables: PageTables | MmuHardware): tables is PageTables {
  return typeof (tables as PageTables).isRoot === 'function';
}
