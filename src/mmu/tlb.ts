/**
 * The translation lookaside buffer: a set-associative cache of translations in parallel typed
 * arrays, tagged with address-space ids. Each entry caches one 4 KiB page (a large page is cached
 * as the 4 KiB pieces that were used, "splintered", and remembers the large page's size so that
 * invalidating any address inside it removes every piece, as INVLPG and SFENCE.VMA require).
 * Used by Mmu; one Tlb may be given to several Mmu objects that take turns (see claim).
 *
 * Index: set = vpn & (sets - 1). Replacement inside a set: an invalid way if any, otherwise
 * round-robin over the ways (a per-set victim pointer, FIFO order of insertion).
 *
 * Tags: the virtual page number (a float64, since sign-extended 64-bit page numbers exceed
 * 32 bits; NaN marks an empty way and never compares equal) and the ASID (GLOBAL_ASID for a
 * global entry, which matches every ASID). Rights: six bits (rights.ts), already combined over
 * every level of the walk; write bits are set only once the entry's D bit is set, so the first
 * store to a clean page misses and walks to set D, as on hardware. The current ASID's entries
 * are also in a hit index by page number (tlb-hit-index.ts).
 */
import { InvalidArgumentError, InvariantError } from '../common/errors.js';
import {
  ENTRY_FRAME_MASK,
  HIT_COUNTER as HIT_COUNTER_ELEMENT,
  INDEXED_FRAMES_END as INDEXED_FRAMES_LIMIT,
  INDEXED_PAGES as INDEXED_PAGES_LIMIT,
  TlbHitIndex,
} from './tlb-hit-index.js';

export const GLOBAL_ASID = -1;

// Module-local copies of the constants the fill uses: V8 does not fold an imported binding into
// optimized code (see "Performance" in docs/mmu.md).
const GLOBAL = GLOBAL_ASID;
const HIT_COUNTER = HIT_COUNTER_ELEMENT;
const INDEXED_PAGES = INDEXED_PAGES_LIMIT;
/** ASIDs go up to 2^16 - 1 (Sv39's 16 bits; x86-64 PCIDs are 12): lowWays has one slot more, for global entries. */
export const MAX_ASID = (1 << 16) - 1;
const ASID_SLOTS = MAX_ASID + 2;
const INDEXED_FRAMES_END = INDEXED_FRAMES_LIMIT;
const FRAME_MASK = ENTRY_FRAME_MASK;

export interface TlbConfig {
  /** Total entries, a power of two (default 64). */
  entries?: number;
  /** Ways per set, a power of two dividing entries (default 4; 1 is direct-mapped, entries is fully associative). */
  ways?: number;
}

export interface TlbCounters {
  hits: number;
  misses: number;
  /** Valid entries pushed out by a fill. */
  evictions: number;
  /** Invalidation operations (invalidatePage / invalidateAsid / invalidateAll / address-space switches that flush). */
  flushes: number;
  /** Entries removed by those operations. */
  invalidatedEntries: number;
}

/** One TLB entry, copied out for reports and the checker (not used on the hot path). */
export interface TlbEntry {
  index: number;
  va: number;
  asid: number;
  global: boolean;
  pa: number;
  rights: number;
  /** Size of the page the entry was splintered from. */
  pageSize: number;
}

export class Tlb {
  declare readonly entries: number;
  declare readonly ways: number;
  declare readonly sets: number;
  declare readonly setMask: number;
  /** Virtual page number of each way (NaN = empty). */
  declare readonly vpn: Float64Array;
  /** ASID of each way, GLOBAL_ASID for global entries. */
  declare readonly asid: Int32Array;
  /** Physical address of the cached 4 KiB page. */
  declare readonly pa: Float64Array;
  /** Rights bits (rights.ts). */
  declare readonly rights: Uint8Array;
  /** log2 of the original page's size in 4 KiB pages (0, 9, 10 or 18). */
  declare readonly spanLog: Uint8Array;
  /**
   * The current address space's entries by page number: the index of the Mmu whose address space
   * is current (each Mmu has its own; see claim).
   */
  hitIndex: TlbHitIndex;
  /** The ASID whose entries (and the global ones) the hit index holds. */
  context = 0;
  /**
   * Valid ways of the current context (its own or global) holding a page below 2^20 whose hit-index
   * element is 0: left out of the index by a switch or by insert(), in a frame from 2 GiB up, or
   * whose element went with another way of the same page. While it is 0, a page whose element is
   * 0 is in no way of the current context, and the miss takes the victim without a set search.
   */
  unindexed = 0;
  misses = 0;
  evictions = 0;
  flushes = 0;
  invalidatedEntries = 0;

  declare private readonly victim: Uint32Array;
  /** Valid entries splintered from a large page: invalidatePage scans everything only when some exist. */
  private largeEntries = 0;
  /** Valid entries (ways whose tag is not NaN). */
  private filled = 0;
  /**
   * Valid global entries. While 0, a page is in one way of the current context at most (two can
   * hold it only as a global entry and one of the context's own).
   */
  private globalWays = 0;
  /**
   * Valid ways whose page is below 2^20 (the hit index's range), by ASID + 1 (global entries at
   * 0): a switch learns how many ways of the new context are unindexed without a pass over them.
   */
  declare private readonly lowWays: Int32Array;
  /**
   * The pages whose element went from 0 to set since the index was last emptied (some may be 0
   * again), so that emptying it clears only those; past `entries` of them, emptying clears every
   * way's page instead.
   */
  declare private readonly indexedPages: Int32Array;
  private indexedPageCount = 0;
  private hitsFolded = 0;

  /**
   * A TLB of `config`'s size, with `index` as its first hit index (an Mmu passes its own; a TLB
   * made alone gets one).
   */
  constructor(config: TlbConfig = {}, index: TlbHitIndex = new TlbHitIndex()) {
    const entries = config.entries ?? 64;
    const ways = config.ways ?? Math.min(4, entries);
    if (!isPowerOfTwo(entries) || !isPowerOfTwo(ways) || ways > entries) {
      throw new InvalidArgumentError(
        `TLB of ${entries} entries and ${ways} ways: both must be powers of two, ways <= entries`,
      );
    }
    this.entries = entries;
    this.ways = ways;
    this.sets = entries / ways;
    this.setMask = this.sets - 1;
    this.vpn = new Float64Array(entries).fill(Number.NaN);
    this.asid = new Int32Array(entries);
    this.pa = new Float64Array(entries);
    this.rights = new Uint8Array(entries);
    this.spanLog = new Uint8Array(entries);
    this.victim = new Uint32Array(this.sets);
    this.lowWays = new Int32Array(ASID_SLOTS);
    this.indexedPages = new Int32Array(entries + 1);
    this.hitIndex = index;
  }

  /** Hits so far (exact up to 2^32 hits between two misses or reads). */
  get hits(): number {
    this.foldHits();
    return this.hitsFolded;
  }

  /** Moves the hot path's int32 hit count into the float64 total. */
  foldHits(): void {
    this.hitsFolded += this.hitIndex.entries[HIT_COUNTER] >>> 0;
    this.hitIndex.entries[HIT_COUNTER] = 0;
  }

  /**
   * Makes address space `asid` current, with its entries in `index` (an Mmu's own hit index):
   * the previous index is emptied, so the Mmu that translated through it misses and claims the
   * TLB back. Several Mmu objects can share a TLB this way, one at a time, like hardware threads.
   */
  claim(index: TlbHitIndex, asid: number): void {
    if (this.hitIndex === index && this.context === asid) return; // the index mirrors this context already
    checkAsid(asid, 'claim', false);
    if (this.hitIndex !== index) {
      this.foldHits();
      this.unindexAll();
      this.hitIndex = index;
      index.entries[HIT_COUNTER] = 0;
    }
    this.setContext(asid);
  }

  /**
   * Makes `asid` (0 to MAX_ASID) current. Its entries (and the global ones) stay in their sets:
   * the hit index is emptied, not rebuilt, and each entry goes back into it on its first hit (the
   * miss path's set search, counted as a hit). The index is emptied from the pages it noted
   * since the last switch, so a switch costs what ran since, not a pass over the ways.
   */
  setContext(asid: number): void {
    checkAsid(asid, 'setContext', false);
    this.context = asid;
    this.unindexAll();
  }

  /** Puts way `way` into the hit index with all its rights, when the index can hold it. */
  indexWay(way: number): void {
    const vpn = this.vpn[way];
    const asid = this.asid[way];
    if ((asid !== this.context && asid !== GLOBAL_ASID) || !this.hitIndex.holds(vpn, this.pa[way])) return;
    if (this.hitIndex.entries[vpn] === 0) {
      this.unindexed -= this.currentHolders(vpn, -1);
      this.noteIndexed(vpn);
    }
    this.hitIndex.put(vpn, this.pa[way], this.rights[way]);
  }

  /** The way holding `vpn` for `asid` (or a global entry), or -1. Counts nothing. */
  find(vpn: number, asid: number): number {
    const first = (vpn & this.setMask) * this.ways;
    for (let way = first; way < first + this.ways; way++) {
      if (this.vpn[way] === vpn && (this.asid[way] === asid || this.asid[way] === GLOBAL_ASID)) return way;
    }
    return -1;
  }

  /**
   * Caches a translation and returns its way: the way already caching (vpn, asid), refreshed, or
   * one from the replacement policy. `found` is find(vpn, asid) when the caller has it. The entry
   * is not in the hit index until its first hit in the set (indexWay); fill() indexes at once.
   */
  insert(
    vpn: number,
    asid: number,
    pa: number,
    rights: number,
    spanLog: number,
    found = this.find(vpn, asid),
  ): number {
    checkAsid(asid, 'insert', true);
    const way = this.wayFor(vpn, asid, found);
    this.place(way, vpn, asid, pa, rights, spanLog);
    return way;
  }

  /**
   * insert() for the MMU's miss path: caches a translation (`rights` not 0) and puts it into the
   * hit index at once (when the index can hold it). `found` is find(vpn, asid). Small enough,
   * with what it calls, for V8 to inline it into the miss path whole.
   */
  fill(vpn: number, asid: number, pa: number, rights: number, spanLog: number, found: number): void {
    const way = this.wayFor(vpn, asid, found);
    this.place(way, vpn, asid, pa, rights, spanLog);
    // The hit index's put() written out (V8 inlines the miss path whole only within a budget).
    if (
      (asid === this.context || asid === GLOBAL) &&
      vpn >= 0 &&
      vpn < INDEXED_PAGES &&
      pa < INDEXED_FRAMES_END
    ) {
      const index = this.hitIndex;
      const entries = index.entries;
      if (entries[vpn] === 0) {
        index.used++;
        this.unindexed -= this.globalWays === 0 ? 1 : this.currentHolders(vpn, -1);
        this.noteIndexed(vpn);
      }
      entries[vpn] = ((pa ^ (vpn << 12)) & FRAME_MASK) | rights;
    }
  }

  /**
   * find(), then the replacement policy's choice, for the MMU's common miss: the way holding
   * `vpn` for `asid` (or a global entry of it), else `-1 - way` for the way a fill would take (the
   * set's first empty way, else its round-robin victim; a full TLB, the usual case, has no empty
   * way to look for). Counts nothing.
   */
  probe(vpn: number, asid: number): number {
    const tags = this.vpn;
    const first = (vpn & this.setMask) * this.ways;
    const end = first + this.ways;
    for (let way = first; way < end; way++) {
      if (tags[way] === vpn && (this.asid[way] === asid || this.asid[way] === GLOBAL)) return way;
    }
    return -1 - this.wayToFill(vpn);
  }

  /**
   * The way a fill of page `vpn` takes when no way holds it (probe's choice): the set's first
   * empty way, else its round-robin victim (a full TLB, the usual case, has no empty way).
   */
  wayToFill(vpn: number): number {
    const first = (vpn & this.setMask) * this.ways;
    return this.filled === this.entries ? first + this.victim[vpn & this.setMask] : this.emptyOrVictim(first);
  }

  /**
   * fill() for the MMU's common miss, into the way probe() chose (`-1 - probe`): a 4 KiB page
   * `vpn` below 2^20 that is not in the hit index (probe found it in no way, and an element is
   * set only while a way holds its page), tagged `asid` (the current context or GLOBAL_ASID), in
   * frame `pa` below 2 GiB, so that it goes into the hit index at once. The way's old entry, if
   * any, is evicted (forget() written out); its page's element goes as the new one comes, which
   * leaves the count of elements in use as it was. Once unindexed is 0 and the element of `vpn`
   * is 0, no way of the current context holds `vpn`, and wayToFill() may stand for probe().
   */
  fillChosen(way: number, vpn: number, asid: number, pa: number, rights: number): void {
    const tags = this.vpn;
    const index = this.hitIndex;
    const entries = index.entries;
    const old = tags[way];
    if (Number.isNaN(old)) {
      this.filled++;
      index.used++;
    } else {
      const set = vpn & this.setMask;
      this.victim[set] = (this.victim[set] + 1) & (this.ways - 1);
      this.evictions++;
      // Only a valid large-page piece has a spanLog other than 0: none to look at while there are none.
      if (this.largeEntries !== 0 && this.spanLog[way] !== 0) {
        this.largeEntries--;
        this.spanLog[way] = 0;
      }
      const oldAsid = this.asid[way];
      if (old >= 0 && old < INDEXED_PAGES) this.lowWays[oldAsid + 1]--;
      if ((oldAsid === this.context || oldAsid === GLOBAL) && old >= 0 && old < INDEXED_PAGES) {
        if (entries[old] !== 0) {
          entries[old] = 0;
          if (this.globalWays !== 0) this.unindexed += this.currentHolders(old, way);
        } else {
          index.used++;
          this.unindexed--;
        }
      } else index.used++;
      if (oldAsid === GLOBAL) this.globalWays--;
    }
    if (asid === GLOBAL) this.globalWays++;
    this.lowWays[asid + 1]++;
    tags[way] = vpn;
    this.asid[way] = asid;
    this.pa[way] = pa;
    this.rights[way] = rights;
    entries[vpn] = ((pa ^ (vpn << 12)) & FRAME_MASK) | rights;
    this.noteIndexed(vpn);
  }

  /**
   * Removes the entries for the page containing virtual page `vpn` that belong to `asid` or are
   * global (INVLPG; SFENCE.VMA with rs1 and rs2). Any piece of a large page containing it goes too.
   */
  invalidatePage(vpn: number, asid: number): void {
    this.flushes++;
    if (this.largeEntries === 0) {
      const first = (vpn & this.setMask) * this.ways;
      for (let way = first; way < first + this.ways; way++) {
        if (this.vpn[way] === vpn && (this.asid[way] === asid || this.asid[way] === GLOBAL_ASID))
          this.drop(way);
      }
      return;
    }
    for (let way = 0; way < this.entries; way++) {
      const tag = this.vpn[way];
      if (Number.isNaN(tag) || (this.asid[way] !== asid && this.asid[way] !== GLOBAL_ASID)) continue;
      const span = 2 ** this.spanLog[way];
      if (Math.floor(tag / span) === Math.floor(vpn / span)) this.drop(way);
    }
  }

  /** Removes the non-global entries of `asid` (INVPCID single-context; SFENCE.VMA x0, asid). */
  invalidateAsid(asid: number): void {
    this.flushes++;
    for (let way = 0; way < this.entries; way++) if (this.asid[way] === asid) this.drop(way);
  }

  /** Removes every non-global entry of every ASID (a CR3 write without PCID). */
  invalidateNonGlobal(): void {
    this.flushes++;
    for (let way = 0; way < this.entries; way++) if (this.asid[way] !== GLOBAL_ASID) this.drop(way);
  }

  /** Removes everything, global entries included (INVPCID all-context; SFENCE.VMA x0, x0). */
  invalidateAll(): void {
    this.flushes++;
    for (let way = 0; way < this.entries; way++) this.drop(way);
  }

  /** Valid entries now. */
  get validEntries(): number {
    return this.filled;
  }

  counters(): TlbCounters {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      flushes: this.flushes,
      invalidatedEntries: this.invalidatedEntries,
    };
  }

  resetCounters(): void {
    this.hitIndex.entries[HIT_COUNTER] = 0;
    this.hitsFolded = 0;
    this.misses = 0;
    this.evictions = 0;
    this.flushes = 0;
    this.invalidatedEntries = 0;
  }

  /** Copies of the valid entries, for reports and checkers. */
  snapshot(): TlbEntry[] {
    const out: TlbEntry[] = [];
    for (let way = 0; way < this.entries; way++) {
      if (Number.isNaN(this.vpn[way])) continue;
      out.push({
        index: way,
        va: this.vpn[way] * 4096,
        asid: this.asid[way],
        global: this.asid[way] === GLOBAL_ASID,
        pa: this.pa[way],
        rights: this.rights[way],
        pageSize: 4096 * 2 ** this.spanLog[way],
      });
    }
    return out;
  }

  /**
   * The TLB's own invariants: every hit-index element in use mirrors a valid entry of the current
   * context (its frame and exactly its rights), the index counts its elements in use right, and
   * the large-entry and indexed-way counts are right. A pass over the ways, not over the 2^20
   * elements: an element in use for no page the TLB holds shows as a count above the ways'.
   * Throws InvariantError.
   */
  check(): void {
    let large = 0;
    for (let way = 0; way < this.entries; way++) {
      if (this.spanLog[way] === 0) continue;
      if (Number.isNaN(this.vpn[way]))
        throw new InvariantError(`TLB way ${way} is empty but has a page size`);
      large++;
    }
    let valid = 0;
    for (let way = 0; way < this.entries; way++) if (!Number.isNaN(this.vpn[way])) valid++;
    if (valid !== this.filled) {
      throw new InvariantError(`TLB counts ${this.filled} valid entries but holds ${valid}`);
    }
    if (large !== this.largeEntries) {
      throw new InvariantError(`TLB counts ${this.largeEntries} large-page entries but holds ${large}`);
    }
    const index = this.hitIndex;
    let inUse = 0;
    for (let way = 0; way < this.entries; way++) {
      const vpn = this.vpn[way];
      if (!this.isCurrent(way) || !(vpn >= 0 && vpn < INDEXED_PAGES) || index.entries[vpn] === 0) continue;
      if (this.find(vpn, this.context) !== way) continue; // a page in two ways counts once
      inUse++;
      if (!this.mirrors(vpn, index.frameOf(vpn), index.rightsOf(vpn))) {
        throw new InvariantError(
          `TLB hit-index element of page ${vpn} (frame ${index.frameOf(vpn)}, rights ${index.rightsOf(vpn)}) does not mirror a TLB entry`,
        );
      }
    }
    if (inUse !== index.used) {
      throw new InvariantError(
        `TLB hit index has ${index.used} elements in use, ${inUse} of them for pages the TLB holds`,
      );
    }
    let unindexed = 0;
    let globals = 0;
    for (let way = 0; way < this.entries; way++) {
      const vpn = this.vpn[way];
      if (this.isCurrent(way) && vpn >= 0 && vpn < INDEXED_PAGES && index.entries[vpn] === 0) unindexed++;
      if (!Number.isNaN(vpn) && this.asid[way] === GLOBAL_ASID) globals++;
    }
    if (unindexed !== this.unindexed || globals !== this.globalWays) {
      throw new InvariantError(
        `TLB counts ${this.unindexed} unindexed ways and ${this.globalWays} global ones, but holds ${unindexed} and ${globals}`,
      );
    }
    this.checkLowWays();
  }

  /**
   * lowWays against the ways, for every ASID a way holds, the current one and global entries. A
   * count gone wrong for an ASID no way holds shows when that ASID becomes current: the switch
   * takes `unindexed` from it, and the pass above recounts that.
   */
  private checkLowWays(): void {
    const held = new Map<number, number>([
      [this.context, 0],
      [GLOBAL_ASID, 0],
    ]);
    for (let way = 0; way < this.entries; way++) {
      const vpn = this.vpn[way];
      if (vpn >= 0 && vpn < INDEXED_PAGES) held.set(this.asid[way], (held.get(this.asid[way]) ?? 0) + 1);
    }
    for (const [asid, ways] of held) {
      if (this.lowWays[asid + 1] !== ways) {
        throw new InvariantError(
          `TLB counts ${this.lowWays[asid + 1]} ways below 4 GiB for ASID ${asid}, but holds ${ways}`,
        );
      }
    }
  }

  /** Valid ways of the current context (its own or global) holding page `vpn`, other than `except`. */
  private currentHolders(vpn: number, except: number): number {
    const first = (vpn & this.setMask) * this.ways;
    let holders = 0;
    for (let way = first; way < first + this.ways; way++)
      if (way !== except && this.vpn[way] === vpn && this.isCurrent(way)) holders++;
    return holders;
  }

  /** Whether way `way` holds an entry of the current context (its own or a global one). */
  private isCurrent(way: number): boolean {
    return (
      !Number.isNaN(this.vpn[way]) && (this.asid[way] === this.context || this.asid[way] === GLOBAL_ASID)
    );
  }

  /** Whether a valid entry of the current context caches page `vpn` at `pa` with exactly `rights`. */
  private mirrors(vpn: number, pa: number, rights: number): boolean {
    for (let way = 0; way < this.entries; way++) {
      if (this.vpn[way] === vpn && this.pa[way] === pa && this.rights[way] === rights && this.isCurrent(way))
        return true;
    }
    return false;
  }

  /**
   * The way a new entry for page `vpn` of `asid` goes to, its old entry forgotten: `found`, the
   * way already caching it, when it is of `asid` (a global entry of another page table found for
   * this page stays: the new entry is kept apart); else an empty way of its set, else the set's
   * round-robin victim, whose entry is evicted (counted).
   */
  private wayFor(vpn: number, asid: number, found: number): number {
    let way = found;
    if (way < 0 || this.asid[way] !== asid) {
      const ways = this.ways;
      const set = vpn & this.setMask;
      way = set * ways;
      const end = way + ways;
      while (way < end && !Number.isNaN(this.vpn[way])) way++;
      if (way === end) {
        const victim = this.victim[set];
        this.victim[set] = (victim + 1) & (ways - 1);
        this.evictions++;
        way = end - ways + victim;
      }
    }
    this.forget(way);
    return way;
  }

  /** The first empty way of the set starting at way `first`, else the set's round-robin victim. */
  private emptyOrVictim(first: number): number {
    for (let way = first; way < first + this.ways; way++) if (Number.isNaN(this.vpn[way])) return way;
    return first + this.victim[first / this.ways];
  }

  /** Writes an entry into way `way`, whose old entry is forgotten. */
  private place(way: number, vpn: number, asid: number, pa: number, rights: number, spanLog: number): void {
    if (Number.isNaN(this.vpn[way])) this.filled++;
    this.vpn[way] = vpn;
    this.asid[way] = asid;
    this.pa[way] = pa;
    this.rights[way] = rights;
    this.spanLog[way] = spanLog;
    if (spanLog !== 0) this.largeEntries++;
    if (asid === GLOBAL) this.globalWays++;
    if (vpn >= 0 && vpn < INDEXED_PAGES) this.lowWays[asid + 1]++;
    const current = asid === this.context || asid === GLOBAL;
    if (current && vpn >= 0 && vpn < INDEXED_PAGES && this.hitIndex.entries[vpn] === 0) this.unindexed++;
  }

  /** Empties a way by an invalidation (counted). */
  private drop(way: number): void {
    if (Number.isNaN(this.vpn[way])) return;
    this.forget(way);
    this.vpn[way] = Number.NaN;
    this.rights[way] = 0;
    this.spanLog[way] = 0;
    this.filled--;
    this.invalidatedEntries++;
  }

  /**
   * The bookkeeping of a way's entry leaving (large-entry count, hit-index element), without
   * marking the way empty: the caller refills it at once or empties it. An entry of the current
   * context clears its page's element whichever way put it there (the page may be in another way
   * too, as a global entry and one of the context's own): an element is only ever a shortcut to a
   * way, and a page whose element is cleared is found in its set instead, which counts as the
   * same hit. Another context's entry leaves the element alone: only a current way sets one.
   */
  private forget(way: number): void {
    const vpn = this.vpn[way];
    if (Number.isNaN(vpn)) return;
    if (this.spanLog[way] !== 0) this.largeEntries--;
    const asid = this.asid[way];
    if (vpn >= 0 && vpn < INDEXED_PAGES) this.lowWays[asid + 1]--;
    if ((asid === this.context || asid === GLOBAL_ASID) && vpn >= 0 && vpn < INDEXED_PAGES) {
      if (this.hitIndex.entries[vpn] !== 0) {
        this.hitIndex.remove(vpn);
        if (this.globalWays !== 0) this.unindexed += this.currentHolders(vpn, way);
      } else this.unindexed--;
    }
    if (asid === GLOBAL_ASID) this.globalWays--;
  }

  /** Notes that page `vpn`'s element went from 0 to set (unindexAll clears it). */
  private noteIndexed(vpn: number): void {
    const count = this.indexedPageCount;
    if (count < this.entries) this.indexedPages[count] = vpn;
    this.indexedPageCount = count + 1;
  }

  /**
   * Empties the hit index: clears the pages noted since it was last emptied (or, past `entries`
   * of them, every way's page, a pass over the ways), which leaves every way of the current
   * context unindexed: as many as lowWays counts for it and for global entries.
   */
  private unindexAll(): void {
    const index = this.hitIndex;
    if (this.indexedPageCount <= this.entries) {
      const pages = this.indexedPages;
      for (let k = 0; k < this.indexedPageCount; k++) index.remove(pages[k]);
    } else {
      const tags = this.vpn;
      for (let way = 0; way < this.entries; way++) {
        const vpn = tags[way];
        if (vpn >= 0 && vpn < INDEXED_PAGES) index.remove(vpn);
      }
    }
    this.indexedPageCount = 0;
    this.unindexed = this.lowWays[this.context + 1] + this.lowWays[0];
  }
}

/**
 * Throws unless `asid` is an ASID (0 to MAX_ASID, or GLOBAL_ASID where a global entry may be
 * meant): the per-ASID counts have a slot for each, and one out of range would miscount silently.
 * The miss path's fill() and fillChosen() take the ASID the Mmu checked when it was set.
 */
function checkAsid(asid: number, op: string, globalAllowed: boolean): void {
  if (Number.isInteger(asid) && asid >= (globalAllowed ? GLOBAL : 0) && asid <= MAX_ASID) return;
  throw new InvalidArgumentError(
    `TLB ${op}: ASID ${asid} is out of range (0..${MAX_ASID}${globalAllowed ? ', or GLOBAL_ASID (-1)' : ''})`,
  );
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
