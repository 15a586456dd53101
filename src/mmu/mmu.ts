/**
 * One CPU's MMU: a current page-table root and address-space id (CR3 / satp), a TLB, and the
 * hardware page-table walker that reads the tables from RAM, sets accessed and dirty bits and
 * fills the TLB. translate() returns a physical address, or -1 with the fault described in the
 * fault* fields (CR2 / stval, the x86 error code or RISC-V cause, the level): no object is
 * allocated per translation or per fault.
 *
 * Modelled control state: x86 CR0.WP = 1, CR4.PSE = 1, CR4.PGE = 1, EFER.NXE = 1 (x86-64), no
 * SMEP / SMAP / protection keys; x86-64 CR4.PCIDE = 1. RISC-V: Svadu (the walker sets A and D),
 * MXR = 0, SUM from the `sum` field (default false).
 */
import { InvalidArgumentError, InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import type { PhysicalMemory } from '../phys/physical-memory.js';
import { Access, FaultCause, Mode, PageFlags, RiscvCause, X86ErrorCode } from './flags.js';
import type { PageTableFormat } from './page-table-format.js';
import type { PageTables } from './page-tables.js';
import { GLOBAL_ASID, INDEX_MASK, Tlb, type TlbConfig } from './tlb.js';

/** A TLB entry that disagrees with the page tables. */
export interface TlbDisagreement {
  /** Way index in the TLB. */
  index: number;
  va: number;
  asid: number;
  /** What the TLB holds and what the tables say (-1 when the tables map nothing). */
  tlbPa: number;
  tablePa: number;
  reason: 'not mapped' | 'different frame' | 'more rights' | 'unknown address space';
}

// Local copies of imported constants: under the test and benchmark module loaders an imported
// binding is a getter, which a per-access path should not call.
const GLOBAL = GLOBAL_ASID;
const WRITE = Access.Write;
const EXECUTE = Access.Execute;
const USER = Mode.User;
const NOT_PRESENT = FaultCause.NotPresent;
const PROTECTION = FaultCause.Protection;
const RESERVED = FaultCause.ReservedBit;
const NON_CANONICAL = FaultCause.NonCanonical;
const F_READ = PageFlags.Read;
const F_WRITE = PageFlags.Write;
const F_EXECUTE = PageFlags.Execute;
const F_USER = PageFlags.User;
const F_GLOBAL = PageFlags.Global;
const EC_PRESENT = X86ErrorCode.Present;
const EC_WRITE = X86ErrorCode.Write;
const EC_USER = X86ErrorCode.User;
const EC_RESERVED = X86ErrorCode.Reserved;
const EC_FETCH = X86ErrorCode.Fetch;
const RV_FETCH = RiscvCause.InstructionPageFault;
const RV_LOAD = RiscvCause.LoadPageFault;
const RV_STORE = RiscvCause.StorePageFault;

/** Rights bits: bit (mode * 3 + access). */
const R_KERNEL_READ = 1 << 0;
const R_KERNEL_WRITE = 1 << 1;
const R_KERNEL_EXEC = 1 << 2;
const R_USER_READ = 1 << 3;
const R_USER_WRITE = 1 << 4;
const R_USER_EXEC = 1 << 5;
const WRITE_RIGHTS = R_KERNEL_WRITE | R_USER_WRITE;

const KIND_I386 = 0;
const KIND_X86_64 = 1;
const KIND_SV39 = 2;

export class Mmu {
  // The fields a TLB hit reads (the same arrays as the Tlb's). `declare`: no class-field
  // definition, so the constructor's one assignment is the only store and V8 can treat them as
  // constant fields.
  declare private readonly wide: boolean;
  declare private readonly index32: Int32Array;
  declare private readonly indexTagWide: Float64Array;
  declare private readonly indexPaWide: Float64Array;
  declare private readonly indexRightsWide: Uint8Array;

  declare readonly pageTables: PageTables;
  declare readonly format: PageTableFormat;
  declare readonly memory: PhysicalMemory;
  declare readonly tlb: Tlb;
  /** Physical address of the current root (CR3 bits 31:12, satp.PPN * 4096). */
  declare root: number;
  /** Current ASID (PCID on x86-64; always 0 on i386). Change with setRoot. */
  asid = 0;
  /** RISC-V sstatus.SUM: supervisor loads and stores may touch U pages. */
  sum = false;

  // The last fault (valid after translate returned -1).
  faultCause: FaultCause = FaultCause.None;
  /** Level of the entry that caused the fault (levels - 1 = root; -1 for non-canonical). */
  faultLevel = -1;
  /** CR2 / stval: the faulting virtual address. */
  faultAddress = 0;
  /** x86 page-fault error code (0 for a non-canonical #GP) or RISC-V cause 12 / 13 / 15. */
  faultCode = 0;
  faultAccess: Access = Access.Read;
  faultMode: Mode = Mode.Kernel;
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

  declare private readonly kind: number;
  declare private readonly asidLimit: number;
  /** Roots last installed for each ASID, for the TLB checker. */
  private readonly asidRoots = new Map<number, number>();
  /** Results of the last resolve(). */
  private rPa = 0;
  private rRights = 0;
  private rDirty = false;
  private rGlobal = false;
  private rLevel = 0;
  private rCause: FaultCause = FaultCause.None;
  /** Entry addresses read by the last resolve(), indexed by level. */
  declare private readonly walked: Float64Array;

  constructor(pageTables: PageTables, tlbConfig: TlbConfig = {}) {
    this.pageTables = pageTables;
    this.format = pageTables.format;
    this.memory = pageTables.memory;
    this.tlb = new Tlb(tlbConfig, this.format.signExtended);
    if (INDEX_MASK !== 255) throw new InvariantError('translate() assumes 256 hit-index slots');
    this.index32 = this.tlb.index32;
    this.indexTagWide = this.tlb.indexTagWide;
    this.indexPaWide = this.tlb.indexPaWide;
    this.indexRightsWide = this.tlb.indexRightsWide;
    this.root = pageTables.kernelRoot;
    this.kind =
      this.format.name === 'i386' ? KIND_I386 : this.format.name === 'x86-64' ? KIND_X86_64 : KIND_SV39;
    this.wide = this.format.signExtended;
    this.asidLimit = this.kind === KIND_I386 ? 1 : this.kind === KIND_X86_64 ? 4096 : 65536;
    this.walked = new Float64Array(this.format.levels);
    this.asidRoots.set(0, this.root);
  }

  /**
   * Installs a root and ASID: a CR3 write (i386: flushes every non-global entry; x86-64: flushes
   * the new PCID's non-global entries unless `keep`, CR3 bit 63) or a satp write (Sv39: flushes
   * nothing, software issues SFENCE.VMA).
   */
  setRoot(root: number, asid = 0, keep = false): void {
    if (!this.pageTables.isRoot(root))
      throw new InvalidArgumentError(`${hex(root)} is not a live page-table root`);
    if (!Number.isInteger(asid) || asid < 0 || asid >= this.asidLimit) {
      throw new InvalidArgumentError(
        `ASID ${asid} is out of range for ${this.format.name} (0..${this.asidLimit - 1})`,
      );
    }
    this.root = root;
    this.asid = asid;
    this.asidRoots.set(asid, root);
    this.invalidated(Number.NaN);
    if (this.kind === KIND_I386) this.tlb.invalidateNonGlobal();
    else if (this.kind === KIND_X86_64 && !keep) this.tlb.invalidateAsid(asid);
    this.tlb.setContext(asid);
  }

  /**
   * Translates `va` for `access` in `mode` through the TLB: the physical address, or -1 with the
   * fault in the fault* fields. A hit reads no table; a miss walks, sets A / D and fills the TLB.
   * On i386 `va` is a 32-bit linear address: it is taken modulo 2^32 (ToUint32), as a register
   * would hold it. On the 64-bit formats a number outside the canonical range faults.
   */
  translate(va: number, access: Access, mode: Mode): number {
    // The i386 hit index: the table of this (mode, access) pair, slot vpn & 255, holds the page
    // only while its entry grants the pair, so a hit is one tag compare. Literals rather than the
    // imported INDEX_MASK, an imported binding being a getter under the module loaders (the
    // constructor checks that they agree). The wide formats keep every tag at -1: they never hit
    // here, and a page number is never -1.
    const vpn = va >>> 12;
    const pair = mode * 3 + access;
    const at = 1 + (((pair << 8) | (vpn & 255)) << 1);
    const index = this.index32;
    if (index[at] === vpn) {
      const pa = (index[at + 1] | (va & 0xfff)) >>> 0;
      index[0]++; // after the loads: V8 re-checks the array after a store to it
      return pa;
    }
    return this.wide ? this.translateWide(va, pair, access, mode) : this.miss32(va, pair, access, mode);
  }

  /**
   * An i386 hit-index miss: the TLB set, else the walk and the fill. Kept compact, with the
   * wide formats elsewhere, so that V8 inlines every callee on this path (each call left in costs
   * about as much as the walk), and kept out of line so translate() stays small enough to be
   * inlined into the caller's loop.
   */
  private miss32(va: number, pair: number, access: Access, mode: Mode): number {
    const tlb = this.tlb;
    va >>>= 0; // a 32-bit linear address: the number is taken modulo 2^32
    const vpn = va >>> 12;
    const way = tlb.find(vpn, this.asid);
    if (way >= 0 && (tlb.rights[way] & (1 << pair)) !== 0) {
      this.index32[0]++;
      tlb.indexEntry(way);
      return tlb.pa[way] + (va & 0xfff);
    }
    tlb.misses++;
    if (this.index32[0] < 0) tlb.foldHits(); // past 2^31 hits: fold before the int32 wraps twice
    this.walks++;

    // The i386 walk written out (SDM 4.3): the page-directory entry, then (unless PS) the
    // page-table entry, rights as the AND of both levels, A in both and D in the leaf on a store.
    // Same results as walkGeneric without the format's indirections: it is the common miss.
    const memory = this.memory;
    const pdeAt = this.root + ((va >>> 22) << 2);
    const pde = memory.read32(pdeAt);
    if ((pde & 1) === 0) return this.fault(va, access, mode, NOT_PRESENT, 1);
    let leaf = pde;
    let leafAt = pdeAt;
    let large = true;
    let frame: number;
    if (pde & 0x80) {
      if (pde & 0x003fe000) return this.fault(va, access, mode, RESERVED, 1);
      frame = ((pde & 0xffc00000) >>> 0) + (va & 0x3ff000);
    } else {
      leafAt = (pde & 0xfffff000) + ((va >>> 10) & 0xffc);
      leaf = memory.read32(leafAt);
      if ((leaf & 1) === 0) return this.fault(va, access, mode, NOT_PRESENT, 0);
      large = false;
      frame = (leaf & 0xfffff000) >>> 0;
    }
    const both = pde & leaf;
    let rights = R_KERNEL_READ | R_KERNEL_EXEC;
    if (both & 2) rights |= R_KERNEL_WRITE;
    if (both & 4) rights |= both & 2 ? R_USER_READ | R_USER_EXEC | R_USER_WRITE : R_USER_READ | R_USER_EXEC;
    if ((rights & (1 << pair)) === 0) return this.fault(va, access, mode, PROTECTION, large ? 1 : 0);
    // A in every entry used, D in the leaf on a store (written only when they change).
    if ((pde & 0x20) === 0) memory.write32(pdeAt, pde | 0x20);
    const leafNow = large ? pde | 0x20 : leaf;
    const wanted = access === WRITE ? leafNow | 0x60 : leafNow | 0x20;
    if (wanted !== leafNow) memory.write32(leafAt, wanted);
    if ((wanted & 0x40) === 0) rights &= ~WRITE_RIGHTS;
    tlb.fill32(vpn, leaf & 0x100 ? GLOBAL : this.asid, frame, rights, large ? 10 : 0, way, pair);
    return frame + (va & 0xfff);
  }

  /** A translation on x86-64 or Sv39: the wide hit index, the TLB sets, the walk. */
  private translateWide(va: number, pair: number, access: Access, mode: Mode): number {
    const tlb = this.tlb;
    const vpn = Math.floor(va / 4096);
    const slot = vpn & 255;
    if (this.indexTagWide[slot] === vpn && (this.indexRightsWide[slot] & (1 << pair)) !== 0) {
      this.index32[0]++;
      return this.indexPaWide[slot] + (va & 0xfff);
    }
    if (!this.format.isCanonical(va)) {
      tlb.misses++;
      return this.fault(va, access, mode, NON_CANONICAL, -1);
    }
    const way = tlb.find(vpn, this.asid);
    if (way >= 0 && (tlb.rights[way] & (1 << pair)) !== 0) {
      this.index32[0]++;
      tlb.indexEntry(way);
      return tlb.pa[way] + (va & 0xfff);
    }
    tlb.misses++;
    if (this.index32[0] < 0) tlb.foldHits(); // past 2^31 hits: fold before the int32 wraps twice
    this.walks++;
    return this.walkGeneric(va, access, mode);
  }

  /**
   * Translates without the TLB and without setting A / D: what the page tables say now. For
   * checkers and debuggers; faults are reported as by translate().
   */
  translateUntracked(va: number, access: Access, mode: Mode, root = this.root): number {
    this.walks++;
    if (!this.resolve(root, va)) return this.fault(va, access, mode, this.rCause, this.rLevel);
    if ((this.rRights & (1 << (mode * 3 + access))) === 0) {
      return this.fault(va, access, mode, PROTECTION, this.rLevel);
    }
    return this.rPa;
  }

  /** INVLPG va (x86: this PCID's entries and global ones) or SFENCE.VMA va, asid. */
  invalidatePage(va: number, asid = this.asid): void {
    this.tlb.invalidatePage(Math.floor(va / 4096), asid);
    this.invalidated(Math.floor(va / 4096));
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

  private invalidated(page: number): void {
    this.invalidations++;
    this.lastInvalidatedPage = page;
  }

  /**
   * TLB entries that disagree with the page tables now: the tables map nothing there, map another
   * frame, or grant fewer rights than the entry holds. `rootOf` gives each ASID's root (default:
   * the root last installed with that ASID; global entries are checked against the current root).
   */
  tlbDisagreements(rootOf?: (asid: number) => number | undefined): TlbDisagreement[] {
    const out: TlbDisagreement[] = [];
    const tlb = this.tlb;
    for (let i = 0; i < tlb.entries; i++) {
      const vpn = tlb.vpn[i];
      if (Number.isNaN(vpn)) continue;
      const asid = tlb.asid[i];
      const va = vpn * 4096;
      const root = asid === GLOBAL ? this.root : rootOf ? rootOf(asid) : this.asidRoots.get(asid);
      const base = { index: i, va, asid, tlbPa: tlb.pa[i] };
      if (root === undefined || !this.pageTables.isRoot(root)) {
        out.push({ ...base, tablePa: -1, reason: 'unknown address space' });
        continue;
      }
      if (!this.resolve(root, va)) {
        out.push({ ...base, tablePa: -1, reason: 'not mapped' });
      } else if (this.rPa !== tlb.pa[i]) {
        out.push({ ...base, tablePa: this.rPa, reason: 'different frame' });
      } else {
        const tableRights = this.rDirty ? this.rRights : this.rRights & ~WRITE_RIGHTS;
        if ((tlb.rights[i] & ~tableRights) !== 0 || (asid === GLOBAL) !== this.rGlobal) {
          out.push({ ...base, tablePa: this.rPa, reason: 'more rights' });
        }
      }
    }
    return out;
  }

  /** Fault cause name and details of the last fault, for messages. */
  describeFault(): string {
    const access = ['read', 'write', 'execute'][this.faultAccess];
    const mode = this.faultMode === USER ? 'user' : 'kernel';
    const cause = ['none', 'not present', 'protection', 'reserved bit', 'non-canonical'][this.faultCause];
    const code = this.kind === KIND_SV39 ? `cause ${this.faultCode}` : `error code ${hex(this.faultCode, 2)}`;
    return `${mode} ${access} of ${hex(this.faultAddress)}: ${cause} at level ${this.faultLevel} (${code})`;
  }

  // --- the walker ---

  /** The walk on a TLB miss, for any format: resolve, check, set A / D, fill. */
  private walkGeneric(va: number, access: Access, mode: Mode): number {
    if (!this.resolve(this.root, va)) return this.fault(va, access, mode, this.rCause, this.rLevel);
    if ((this.rRights & (1 << (mode * 3 + access))) === 0) {
      return this.fault(va, access, mode, PROTECTION, this.rLevel);
    }
    this.touch(access === WRITE);
    const dirty = this.rDirty || access === WRITE;
    const rights = dirty ? this.rRights : this.rRights & ~WRITE_RIGHTS;
    const level = this.rLevel;
    const spanLog = level === 0 ? 0 : (this.format.levelShift(level) - 12) | 0;
    const pageVpn = this.wide ? Math.floor(va / 4096) : va >>> 12;
    this.tlb.insert(pageVpn, this.rGlobal ? GLOBAL : this.asid, this.rPa - (va & 0xfff), rights, spanLog);
    return this.rPa;
  }

  /**
   * Walks `root` for `va` from RAM. On success sets rPa (the physical address of va), rRights
   * (six rights bits, ignoring D), rDirty, rGlobal, rLevel and walked[]; returns false with
   * rCause and rLevel on a fault. Writes nothing.
   */
  private resolve(root: number, va: number): boolean {
    const f = this.format;
    if (!f.isCanonical(va)) {
      this.rCause = NON_CANONICAL;
      this.rLevel = -1;
      return false;
    }
    const memory = this.memory;
    const eight = f.entryBytes === 8;
    let table = root;
    let writable = true;
    let user = true;
    let executable = true;
    let lo = 0;
    let hi = 0;
    let level = f.levels - 1;
    for (; ; level--) {
      const at = table + f.indexOf(va, level) * f.entryBytes;
      this.walked[level] = at;
      lo = memory.read32(at);
      hi = eight ? memory.read32(at + 4) : 0;
      if ((lo & 1) === 0) {
        this.rCause = NOT_PRESENT;
        this.rLevel = level;
        return false;
      }
      if (f.hasReservedBits(lo, hi, level)) {
        this.rCause = RESERVED;
        this.rLevel = level;
        return false;
      }
      if (f.isLeaf(lo, hi, level)) break;
      if (this.kind !== KIND_SV39) {
        // x86 rights are the intersection over every level.
        if ((lo & 2) === 0) writable = false;
        if ((lo & 4) === 0) user = false;
        if (hi & 0x80000000) executable = false;
      }
      table = f.addressOf(lo, hi, level);
    }
    const flags = f.flagsOf(lo, hi, level);
    let rights = 0;
    if (this.kind === KIND_SV39) {
      const r = (flags & F_READ) !== 0;
      const w = (flags & F_WRITE) !== 0;
      const x = (flags & F_EXECUTE) !== 0;
      if (flags & F_USER) {
        rights = (r ? R_USER_READ : 0) | (w ? R_USER_WRITE : 0) | (x ? R_USER_EXEC : 0);
        if (this.sum) rights |= (r ? R_KERNEL_READ : 0) | (w ? R_KERNEL_WRITE : 0);
      } else {
        rights = (r ? R_KERNEL_READ : 0) | (w ? R_KERNEL_WRITE : 0) | (x ? R_KERNEL_EXEC : 0);
      }
    } else {
      const w = writable && (flags & F_WRITE) !== 0;
      const x = executable && (flags & F_EXECUTE) !== 0;
      rights = R_KERNEL_READ | (w ? R_KERNEL_WRITE : 0) | (x ? R_KERNEL_EXEC : 0);
      if (user && flags & F_USER) {
        rights |= R_USER_READ | (w ? R_USER_WRITE : 0) | (x ? R_USER_EXEC : 0);
      }
    }
    const size = f.pageSizes[level];
    this.rPa = f.addressOf(lo, hi, level) + ((va >>> 0) & (size - 1));
    this.rRights = rights;
    this.rDirty = (lo & f.dirtyBit) !== 0;
    this.rGlobal = (flags & F_GLOBAL) !== 0;
    this.rLevel = level;
    return true;
  }

  /** Sets A in the entries the last resolve() used (x86: every level; Sv39: the leaf) and D on a store. */
  private touch(write: boolean): void {
    const f = this.format;
    const memory = this.memory;
    const a = f.accessedBit;
    const first = this.kind === KIND_SV39 ? this.rLevel : f.levels - 1;
    for (let level = first; level >= this.rLevel; level--) {
      const at = this.walked[level];
      const lo = memory.read32(at);
      const want = level === this.rLevel && write ? lo | a | f.dirtyBit : lo | a;
      if (want !== lo) memory.write32(at, want);
    }
  }

  private fault(va: number, access: Access, mode: Mode, cause: FaultCause, level: number): number {
    this.faults++;
    this.faultCause = cause;
    this.faultLevel = level;
    this.faultAddress = va;
    this.faultAccess = access;
    this.faultMode = mode;
    if (this.kind === KIND_SV39) {
      this.faultCode = access === EXECUTE ? RV_FETCH : access === WRITE ? RV_STORE : RV_LOAD;
    } else if (cause === NON_CANONICAL) {
      this.faultCode = 0; // #GP(0) on x86-64, not a page fault
    } else {
      let code = 0;
      if (cause !== NOT_PRESENT) code |= EC_PRESENT;
      if (cause === RESERVED) code |= EC_RESERVED;
      if (access === WRITE) code |= EC_WRITE;
      if (mode === USER) code |= EC_USER;
      if (access === EXECUTE && this.kind === KIND_X86_64) code |= EC_FETCH;
      this.faultCode = code;
    }
    return -1;
  }
}
