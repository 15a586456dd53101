/**
 * The hart's path to memory: every load, store and fetch is translated by the MMU in user mode.
 * In front of the MMU sits a direct-mapped translation cache, as in TinyEMU and libriscv: for
 * each of read, write and execute, 256 slots of (virtual page number, host view of the frame's
 * RAM chunk, offset of the frame in it), so a hit is a tag compare and a DataView access. A miss
 * calls Mmu.translate (the modelled TLB, else the walk of the Sv39 tables in RAM, which sets A
 * and D and checks R/W/X and U) and fills the slot.
 *
 * The cache only ever holds translations the modelled TLB holds too, so the TLB's hit and miss
 * counts are exactly those of the run: a write slot is filled only after a write translation
 * succeeded (so the leaf's D bit is set and the first store to a clean page still walks), a TLB
 * eviction seen on a miss drops the evicted page's slots, and any invalidation or root switch
 * (Mmu.invalidations) drops slots before the next run. Addresses at or above 2^38 (the kernel half
 * and non-canonical ones) always take the slow path, where the MMU faults them.
 *
 * Misaligned loads and stores are emulated, as Linux does for user programs: an access inside
 * one page works directly; one that crosses a page translates both pages first (all-or-nothing)
 * and moves bytes. Atomics need natural alignment and trap otherwise.
 */
import { Access, FaultCause, Mode } from '../mmu/flags.js';
import type { Mmu } from '../mmu/mmu.js';
import type { Tlb } from '../mmu/tlb.js';
import type { PhysicalMemory } from '../phys/physical-memory.js';
import { TRAP, TrapCause } from './trap.js';

export const SLOT_BITS = 8;
const SLOTS = 1 << SLOT_BITS;
const SLOT_MASK = SLOTS - 1;
const CHUNK_SHIFT = 16;
const READ = Access.Read;
const WRITE = Access.Write;
const EXECUTE = Access.Execute;
const USER = Mode.User;
const PROTECTION = FaultCause.Protection;
/** Page numbers below this (addresses below 2^38) can be cached: the high word is below 64. */
const FAST_PAGES = 2 ** 26;

/** The kinds of access an access recorder sees (lackey's I, L, S, M). */
export const AccessKind = { Load: 0, Store: 1, Fetch: 2, Modify: 3 } as const;
export type AccessKind = (typeof AccessKind)[keyof typeof AccessKind];
/**
 * Sees one access: its kind, virtual address and size, and `pa`, the physical address of its
 * first byte (what LRU needs: the frame), or -1 when a cached slot served it (never while recording).
 */
export type AccessRecorder = (kind: AccessKind, va: number, size: number, pa: number) => void;

/** The virtual address held in a register pair, as a number (exact below 2^53). */
export function addressOf(lo: number, hi: number): number {
  return hi * 4294967296 + (lo >>> 0);
}

const EMPTY_VIEW = new DataView(new ArrayBuffer(8));

class SlotArray {
  readonly tag = new Int32Array(SLOTS).fill(-1);
  readonly view: DataView[] = new Array<DataView>(SLOTS).fill(EMPTY_VIEW);
  readonly base = new Int32Array(SLOTS);

  clear(): void {
    this.tag.fill(-1);
  }

  drop(vpn: number): void {
    const slot = vpn & SLOT_MASK;
    if (this.tag[slot] === vpn) this.tag[slot] = -1;
  }
}

export class MemoryPort {
  readonly mmu: Mmu;
  readonly memory: PhysicalMemory;
  readonly reads = new SlotArray();
  readonly writes = new SlotArray();
  readonly fetches = new SlotArray();
  /** The high word of the last 64-bit load. */
  high = 0;
  /** Cause and value (stval) of the trap last thrown. */
  trapCause = 0;
  trapValue = 0;
  /** Translations that missed the fast path (each one reached Mmu.translate). */
  misses = 0;
  /** sstatus.MXR: loads may read executable pages. */
  mxr = false;
  /** Set by the hart: sees every access, and while set nothing is cached (each access is seen). */
  recorder: AccessRecorder | null = null;
  /** The page the last fetch lookup found: its first address and the view and offset of its frame. */
  fetchStart = 0;
  fetchView: DataView = EMPTY_VIEW;
  fetchBase = 0;

  private readonly tlb: Tlb;
  private readonly chunkViews: (DataView | undefined)[] = [];
  private readonly setPages: Float64Array;
  private seenInvalidations: number;
  private seenEvictions: number;

  /**
   * Flat mode, for comparison only: no MMU, the virtual address is the physical one. The same
   * fast path runs; its misses fill from the identity instead of Mmu.translate.
   */
  readonly flat: boolean;

  constructor(mmu: Mmu, memory: PhysicalMemory, flat = false) {
    this.flat = flat;
    this.mmu = mmu;
    this.memory = memory;
    this.tlb = mmu.tlb;
    this.setPages = new Float64Array(this.tlb.ways);
    this.seenInvalidations = mmu.invalidations;
    this.seenEvictions = this.tlb.evictions;
  }

  /** Drops every cached translation. */
  flush(): void {
    this.reads.clear();
    this.writes.clear();
    this.fetches.clear();
  }

  /**
   * Called when the hart starts running: drops what invalidations and root switches since the
   * last run made stale, and everything if another user of the TLB evicted entries meanwhile.
   */
  synchronize(): void {
    const mmu = this.mmu;
    if (this.flat) return;
    const changes = mmu.invalidations - this.seenInvalidations;
    if (changes === 1 && !Number.isNaN(mmu.lastInvalidatedPage)) this.dropPage(mmu.lastInvalidatedPage);
    else if (changes !== 0 || this.tlb.evictions !== this.seenEvictions || this.recorder) this.flush();
    this.seenInvalidations = mmu.invalidations;
    this.seenEvictions = this.tlb.evictions;
  }

  // --- loads and stores: the fast path, else translate and fill ---

  load8(lo: number, hi: number): number {
    const vpn = (lo >>> 12) | (hi << 20);
    const slot = vpn & SLOT_MASK;
    const reads = this.reads;
    if (reads.tag[slot] === vpn && hi >>> 6 === 0)
      return reads.view[slot].getUint8(reads.base[slot] + (lo & 0xfff));
    return this.loadSlow(lo, hi, 1);
  }

  load16(lo: number, hi: number): number {
    const vpn = (lo >>> 12) | (hi << 20);
    const slot = vpn & SLOT_MASK;
    const reads = this.reads;
    const offset = lo & 0xfff;
    if (reads.tag[slot] === vpn && hi >>> 6 === 0 && offset <= 4094)
      return reads.view[slot].getUint16(reads.base[slot] + offset, true);
    return this.loadSlow(lo, hi, 2);
  }

  /** A 32-bit load, as a signed int32. */
  load32(lo: number, hi: number): number {
    const vpn = (lo >>> 12) | (hi << 20);
    const slot = vpn & SLOT_MASK;
    const reads = this.reads;
    const offset = lo & 0xfff;
    if (reads.tag[slot] === vpn && hi >>> 6 === 0 && offset <= 4092)
      return reads.view[slot].getInt32(reads.base[slot] + offset, true);
    return this.loadSlow(lo, hi, 4);
  }

  /** A 64-bit load: returns the low word, leaves the high word in `high`. */
  load64(lo: number, hi: number): number {
    const vpn = (lo >>> 12) | (hi << 20);
    const slot = vpn & SLOT_MASK;
    const reads = this.reads;
    const offset = lo & 0xfff;
    if (reads.tag[slot] === vpn && hi >>> 6 === 0 && offset <= 4088) {
      const view = reads.view[slot];
      const at = reads.base[slot] + offset;
      this.high = view.getInt32(at + 4, true);
      return view.getInt32(at, true);
    }
    return this.loadSlow(lo, hi, 8);
  }

  store8(lo: number, hi: number, value: number): void {
    const vpn = (lo >>> 12) | (hi << 20);
    const slot = vpn & SLOT_MASK;
    const writes = this.writes;
    if (writes.tag[slot] === vpn && hi >>> 6 === 0)
      writes.view[slot].setUint8(writes.base[slot] + (lo & 0xfff), value);
    else this.storeSlow(lo, hi, 1, value, 0);
  }

  store16(lo: number, hi: number, value: number): void {
    const vpn = (lo >>> 12) | (hi << 20);
    const slot = vpn & SLOT_MASK;
    const writes = this.writes;
    const offset = lo & 0xfff;
    if (writes.tag[slot] === vpn && hi >>> 6 === 0 && offset <= 4094)
      writes.view[slot].setUint16(writes.base[slot] + offset, value, true);
    else this.storeSlow(lo, hi, 2, value, 0);
  }

  store32(lo: number, hi: number, value: number): void {
    const vpn = (lo >>> 12) | (hi << 20);
    const slot = vpn & SLOT_MASK;
    const writes = this.writes;
    const offset = lo & 0xfff;
    if (writes.tag[slot] === vpn && hi >>> 6 === 0 && offset <= 4092)
      writes.view[slot].setInt32(writes.base[slot] + offset, value, true);
    else this.storeSlow(lo, hi, 4, value, 0);
  }

  store64(lo: number, hi: number, valueLo: number, valueHi: number): void {
    const vpn = (lo >>> 12) | (hi << 20);
    const slot = vpn & SLOT_MASK;
    const writes = this.writes;
    const offset = lo & 0xfff;
    if (writes.tag[slot] === vpn && hi >>> 6 === 0 && offset <= 4088) {
      const view = writes.view[slot];
      const at = writes.base[slot] + offset;
      view.setInt32(at, valueLo, true);
      view.setInt32(at + 4, valueHi, true);
    } else this.storeSlow(lo, hi, 8, valueLo, valueHi);
  }

  /**
   * Translates an atomic's address for a read-modify-write (a store page fault if not writable;
   * misaligned traps) and returns its physical address. `store` is false for LR.
   */
  atomicAddress(lo: number, hi: number, size: number, store: boolean): number {
    const va = addressOf(lo, hi);
    if ((lo & (size - 1)) !== 0) this.raise(store ? TrapCause.StoreMisaligned : TrapCause.LoadMisaligned, va);
    const pa = this.translate(va, store ? WRITE : READ);
    if (this.recorder) this.recorder(store ? AccessKind.Modify : AccessKind.Load, va, size, pa);
    return pa;
  }

  /** Reads `size` bytes (1, 2, 4 or 8, inside one page) at `pa`: low word returned, high in `high`. */
  readPhysical(pa: number, size: number): number {
    const view = this.chunkView(pa);
    const at = pa & 0xffff;
    if (size === 1) return view.getUint8(at);
    if (size === 2) return view.getUint16(at, true);
    if (size === 8) this.high = view.getInt32(at + 4, true);
    return view.getInt32(at, true);
  }

  writePhysical(pa: number, size: number, valueLo: number, valueHi: number): void {
    const view = this.chunkView(pa);
    const at = pa & 0xffff;
    if (size === 1) view.setUint8(at, valueLo);
    else if (size === 2) view.setUint16(at, valueLo, true);
    else {
      view.setInt32(at, valueLo, true);
      if (size === 8) view.setInt32(at + 4, valueHi, true);
    }
  }

  /**
   * Finds the page holding `pc` for an instruction fetch: fills fetchStart, fetchView and
   * fetchBase, or throws an instruction page fault.
   */
  fetchPage(pc: number): void {
    const vpn = Math.floor(pc / 4096);
    const slot = vpn & SLOT_MASK;
    const fetches = this.fetches;
    let pa = -1;
    if (fetches.tag[slot] === vpn && vpn >= 0 && vpn < FAST_PAGES) {
      this.fetchView = fetches.view[slot];
      this.fetchBase = fetches.base[slot];
    } else {
      pa = this.translate(pc, EXECUTE);
      const framePa = pa - (pc - vpn * 4096);
      this.fetchView = this.chunkView(framePa);
      this.fetchBase = framePa & 0xffff;
    }
    this.fetchStart = vpn * 4096;
    if (this.recorder) {
      const compressed = (this.fetchView.getUint8(this.fetchBase + (pc - this.fetchStart)) & 3) !== 3;
      this.recorder(AccessKind.Fetch, pc, compressed ? 2 : 4, pa);
    }
  }

  /** The halfword at `va` for a fetch (an instruction that crosses into the next page). */
  fetchHalf(va: number): number {
    return this.readPhysical(this.translate(va, EXECUTE), 2);
  }

  // --- the slow path ---

  private loadSlow(lo: number, hi: number, size: number): number {
    const va = addressOf(lo, hi);
    const offset = lo & 0xfff;
    if (offset + size <= 4096) {
      const pa = this.translate(va, READ);
      if (this.recorder) this.recorder(AccessKind.Load, va, size, pa);
      return this.readPhysical(pa, size);
    }
    // Crosses into the next page: both pages are translated before anything is read.
    const first = 4096 - offset;
    const pa = this.translate(va, READ);
    const next = this.translate(va + first, READ);
    if (this.recorder) this.recorder(AccessKind.Load, va, size, pa);
    let low = 0;
    let high = 0;
    for (let i = 0; i < size; i++) {
      const byte = this.memory.read8(i < first ? pa + i : next + i - first);
      if (i < 4) low |= byte << (8 * i);
      else high |= byte << (8 * (i - 4));
    }
    this.high = high;
    return size === 2 ? low & 0xffff : low;
  }

  private storeSlow(lo: number, hi: number, size: number, valueLo: number, valueHi: number): void {
    const va = addressOf(lo, hi);
    const offset = lo & 0xfff;
    if (offset + size <= 4096) {
      const pa = this.translate(va, WRITE);
      if (this.recorder) this.recorder(AccessKind.Store, va, size, pa);
      this.writePhysical(pa, size, valueLo, valueHi);
      return;
    }
    const first = 4096 - offset;
    const pa = this.translate(va, WRITE);
    const next = this.translate(va + first, WRITE);
    if (this.recorder) this.recorder(AccessKind.Store, va, size, pa);
    for (let i = 0; i < size; i++) {
      const byte = i < 4 ? valueLo >>> (8 * i) : valueHi >>> (8 * (i - 4));
      this.memory.write8(i < first ? pa + i : next + i - first, byte & 0xff);
    }
  }

  /**
   * Mmu.translate in user mode; throws the page fault (cause 12, 13 or 15, stval = va) or fills
   * the fast slots: reads on a read, reads and writes on a write (the walk has set D), fetches
   * on an execute.
   */
  private translate(va: number, access: Access): number {
    this.misses++;
    if (this.flat) return this.identity(va, access);
    const vpn = Math.floor(va / 4096);
    let pa = this.translateTracked(va, vpn, access);
    if (pa < 0) {
      // sstatus.MXR: a load may read a page that is executable but not readable. Served
      // without a fast slot (the TLB holds the page for execution only).
      if (access === READ && this.mxr && this.mmu.faultCause === PROTECTION) {
        pa = this.translateTracked(va, vpn, EXECUTE);
        if (pa >= 0) return pa;
      }
      this.raise(this.mmu.faultCode, va);
    }
    if (vpn >= 0 && vpn < FAST_PAGES && !this.recorder) {
      const framePa = pa - (va - vpn * 4096);
      const view = this.chunkView(framePa);
      const base = framePa & 0xffff;
      if (access === EXECUTE) this.fill(this.fetches, vpn, view, base);
      else {
        this.fill(this.reads, vpn, view, base);
        if (access === WRITE) this.fill(this.writes, vpn, view, base);
      }
    }
    return pa;
  }

  /** Mmu.translate in user mode, dropping the slots of any page the TLB evicts to make room. */
  private translateTracked(va: number, vpn: number, access: Access): number {
    const tlb = this.tlb;
    const evictions = tlb.evictions;
    const first = (vpn & tlb.setMask) * tlb.ways;
    for (let i = 0; i < tlb.ways; i++) this.setPages[i] = tlb.vpn[first + i];
    const pa = this.mmu.translate(va, access, USER);
    if (tlb.evictions !== evictions) this.dropEvicted();
    this.seenEvictions = tlb.evictions;
    return pa;
  }

  /** Flat mode: the virtual address is the physical one; outside RAM is an access fault. */
  private identity(va: number, access: Access): number {
    if (!(va >= 0 && va < this.memory.size)) {
      const cause =
        access === EXECUTE
          ? TrapCause.InstructionAccessFault
          : access === WRITE
            ? TrapCause.StoreAccessFault
            : TrapCause.LoadAccessFault;
      this.raise(cause, va);
    }
    const vpn = Math.floor(va / 4096);
    if (vpn < FAST_PAGES && !this.recorder) {
      const view = this.chunkView(va);
      const base = (vpn * 4096) & 0xffff;
      if (access === EXECUTE) this.fill(this.fetches, vpn, view, base);
      else {
        this.fill(this.reads, vpn, view, base);
        this.fill(this.writes, vpn, view, base);
      }
    }
    return va;
  }

  private fill(slots: SlotArray, vpn: number, view: DataView, base: number): void {
    const slot = vpn & SLOT_MASK;
    slots.tag[slot] = vpn;
    slots.view[slot] = view;
    slots.base[slot] = base;
  }

  /** Drops the slots of the pages that were in the missed page's TLB set and are gone now. */
  private dropEvicted(): void {
    const tlb = this.tlb;
    for (let i = 0; i < tlb.ways; i++) {
      const was = this.setPages[i];
      if (Number.isNaN(was) || tlb.find(was, this.mmu.asid) >= 0) continue;
      this.dropPage(was);
    }
  }

  private dropPage(vpn: number): void {
    if (!(vpn >= 0 && vpn < FAST_PAGES)) return;
    this.reads.drop(vpn);
    this.writes.drop(vpn);
    this.fetches.drop(vpn);
  }

  /**
   * A DataView of the RAM chunk holding `pa`. The chunk is backed first: a view of the shared
   * zero chunk would go stale when the chunk is first written.
   */
  private chunkView(pa: number): DataView {
    const chunk = pa >>> CHUNK_SHIFT;
    let view = this.chunkViews[chunk];
    if (view === undefined) {
      const bytes = this.memory.frameBytes(pa >>> 12);
      view = new DataView(bytes.buffer);
      this.chunkViews[chunk] = view;
    }
    return view;
  }

  raise(cause: number, value: number): never {
    this.trapCause = cause;
    this.trapValue = value;
    throw TRAP;
  }
}
