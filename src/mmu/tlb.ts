/**
 * The translation lookaside buffer: a set-associative cache of translations in parallel typed
 * arrays. Each entry caches one 4 KiB page (a large page is cached as the 4 KiB pieces that were
 * used, "splintered", and remembers the large page's size so that invalidating any address
 * inside it removes every piece, as INVLPG and SFENCE.VMA require).
 *
 * Index: set = vpn & (sets - 1). Replacement inside a set: an invalid way if any, otherwise
 * round-robin over the ways (a per-set victim pointer, FIFO order of insertion).
 *
 * Tags: the virtual page number (a float64, since sign-extended 64-bit page numbers exceed
 * 32 bits; NaN marks an empty way and never compares equal) and the ASID (GLOBAL_ASID for a
 * global entry, which matches every ASID). Rights: six bits, bit (mode * 3 + access), already
 * combined over every level of the walk; write bits are set only once the entry's D bit is set,
 * so the first store to a clean page misses and walks to set D, as on hardware.
 *
 * The hit index: looking through the ways of a set costs more than the rest of a translation, so
 * the TLB also keeps, for the current ASID only, a direct-mapped index of the entries it holds.
 * With 32-bit page numbers (i386) it has one table per (mode, access) pair: slot vpn & 255 of
 * pair p holds the vpn and the physical address of an entry that grants p, so a hit is one tag
 * load and one compare (no rights test). Wide page numbers use one table whose slot also holds
 * the rights. It is a cache of the TLB's own contents (every drop clears that page's slots, a
 * context switch rebuilds it), never of the page tables: a slot miss falls back to the sets, and
 * only a set miss walks.
 */
import { InvalidArgumentError, InvariantError } from '../common/errors.js';

export const GLOBAL_ASID = -1;

/**
 * Slots in the hit index: a constant, so the hot path's index arithmetic needs no field loads
 * (mmu.ts uses the literals). A TLB with more entries still works: the index is only a cache of
 * the sets, and entries it cannot hold are found in their set.
 */
export const INDEX_LOG = 8;
export const INDEX_MASK = (1 << INDEX_LOG) - 1;
const INDEX_SLOTS = 1 << INDEX_LOG;
/** (mode, access) pairs: a rights bit each, bit mode * 3 + access. */
const PAIRS = 6;
/** The `indexed` bit of the wide hit index. */
const INDEXED_WIDE = 0x40;

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
  /** Virtual address of the cached 4 KiB page. */
  va: number;
  asid: number;
  global: boolean;
  /** Physical address of the cached 4 KiB page. */
  pa: number;
  /** Rights: bit (mode * 3 + access). */
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
  /** Rights bits, see the file comment. */
  declare readonly rights: Uint8Array;
  /** log2 of the original page's size in 4 KiB pages (0, 9, 10 or 18). */
  declare readonly spanLog: Uint8Array;
  declare private readonly victim: Uint32Array;
  /**
   * The hit-index slots that may hold way i's page: bit p for pair p's table (32-bit page
   * numbers), INDEXED_WIDE for the wide table. Dropping the way clears only those slots.
   */
  declare private readonly indexed: Uint8Array;
  /** Valid entries splintered from a large page: invalidatePage scans everything only when some exist. */
  private largeEntries = 0;

  /** Whether virtual page numbers exceed 32 bits (x86-64, Sv39): selects which tag array the hit index uses. */
  declare readonly wide: boolean;
  /** The ASID whose entries (and the global ones) the hit index holds. */
  context = 0;
  /**
   * The hit index for 32-bit page numbers, and the hit counter, in one int32 array so a hit
   * touches a single typed array: element 0 counts hits not yet folded into `hits`; slot `s`
   * (= vpn & INDEX_MASK) of pair `p` (= mode * 3 + access) is elements at = 1 + 2 (256p + s) (the
   * vpn, -1 = empty) and at + 1 (the physical address of the cached page, as int32 bits). A tag
   * is there only while its entry grants the pair. Wide formats leave every tag at -1.
   */
  declare readonly index32: Int32Array;
  /** The hit index for wide page numbers (x86-64, Sv39): tags (NaN = empty), addresses, rights. */
  declare readonly indexTagWide: Float64Array;
  declare readonly indexPaWide: Float64Array;
  declare readonly indexRightsWide: Uint8Array;
  private hitsFolded = 0;

  misses = 0;
  evictions = 0;
  flushes = 0;
  invalidatedEntries = 0;

  constructor(config: TlbConfig = {}, wide = false) {
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
    this.indexed = new Uint8Array(entries);
    this.wide = wide;
    this.index32 = new Int32Array(1 + 2 * PAIRS * INDEX_SLOTS).fill(-1);
    this.index32[0] = 0;
    this.indexTagWide = new Float64Array(INDEX_SLOTS).fill(Number.NaN);
    this.indexPaWide = new Float64Array(INDEX_SLOTS);
    this.indexRightsWide = new Uint8Array(INDEX_SLOTS);
  }

  /** Hits so far (exact up to 2^32 hits between two misses or reads: see index32). */
  get hits(): number {
    this.foldHits();
    return this.hitsFolded;
  }

  /** Moves the hot path's int32 hit count into the float64 total. */
  foldHits(): void {
    this.hitsFolded += this.index32[0] >>> 0;
    this.index32[0] = 0;
  }

  /** Makes `asid` current: the hit index is rebuilt from the entries of `asid` and the global ones. */
  setContext(asid: number): void {
    this.context = asid;
    const hits = this.index32[0];
    this.index32.fill(-1);
    this.index32[0] = hits;
    this.indexTagWide.fill(Number.NaN);
    this.indexed.fill(0);
    for (let i = 0; i < this.entries; i++) {
      if (!Number.isNaN(this.vpn[i]) && (this.asid[i] === asid || this.asid[i] === GLOBAL_ASID))
        this.indexEntry(i);
    }
  }

  /** Puts way `i` into the hit index (it must belong to the current context). */
  indexEntry(i: number): void {
    const vpn = this.vpn[i];
    const slot = vpn & INDEX_MASK;
    this.indexed[i] = this.wide ? INDEXED_WIDE : this.rights[i];
    if (this.wide) {
      this.indexTagWide[slot] = vpn;
      this.indexPaWide[slot] = this.pa[i];
      this.indexRightsWide[slot] = this.rights[i];
    } else {
      const index = this.index32;
      const pa = this.pa[i] | 0;
      const rights = this.rights[i];
      for (let pair = 0, at = 1 + 2 * slot; pair < PAIRS; pair++, at += 2 * INDEX_SLOTS) {
        if ((rights & (1 << pair)) !== 0) {
          index[at] = vpn;
          index[at + 1] = pa;
        } else if (index[at] === vpn) {
          index[at] = -1; // an older entry's rights for this page are no longer cached
        }
      }
    }
  }

  /**
   * Puts way `i` into the 32-bit hit index for one (mode, access) pair only, which it must grant
   * (the miss path: the pair just walked for; the other pairs are indexed on their first hit in
   * the set). The way must belong to the current context.
   */
  indexPair(i: number, pair: number): void {
    const vpn = this.vpn[i] | 0;
    const at = 1 + (((pair << INDEX_LOG) | (vpn & INDEX_MASK)) << 1);
    this.index32[at] = vpn;
    this.index32[at + 1] = this.pa[i];
    this.indexed[i] |= 1 << pair;
  }

  /** Clears the hit-index slots in `pairs` (see `indexed`) that hold page `vpn`. */
  private unindex(vpn: number, pairs: number): void {
    const slot = vpn & INDEX_MASK;
    if (this.wide) {
      if (this.indexTagWide[slot] === vpn) this.indexTagWide[slot] = Number.NaN;
    } else {
      const index = this.index32;
      const tag = vpn | 0;
      const base = 1 + 2 * slot;
      // One step per pair in `pairs` (usually one): the lowest set bit each time.
      for (let bits = pairs; bits !== 0; bits &= bits - 1) {
        const at = base + ((31 - Math.clz32(bits & -bits)) << (INDEX_LOG + 1));
        if (index[at] === tag) index[at] = -1;
      }
    }
  }

  /** The way holding `vpn` for `asid` (or a global entry), or -1. Counts nothing. */
  find(vpn: number, asid: number): number {
    const first = (vpn & this.setMask) * this.ways;
    for (let i = first; i < first + this.ways; i++) {
      if (this.vpn[i] === vpn && (this.asid[i] === asid || this.asid[i] === GLOBAL_ASID)) return i;
    }
    return -1;
  }

  /**
   * Caches a translation, replacing an existing entry for the same page and ASID, and returns its
   * way. `found` is find(vpn, asid) when the caller already has it (the miss path does). With wide
   * page numbers the entry goes into the hit index at once (if of the current context); with
   * 32-bit ones the caller indexes the pair it needs (indexPair), or the first hit in the set does.
   */
  insert(
    vpn: number,
    asid: number,
    pa: number,
    rights: number,
    spanLog: number,
    found = this.find(vpn, asid),
  ): number {
    const way = this.store(vpn, asid, pa, rights, spanLog, found);
    if (this.wide && (asid === this.context || asid === GLOBAL_ASID)) this.indexEntry(way);
    return way;
  }

  /**
   * insert() for 32-bit page numbers, on the MMU's miss path: caches a translation that grants
   * `pair` (mode * 3 + access) and puts it into that pair's hit-index table. `found` is
   * find(vpn, asid). Same replacement and counters as insert(); written for the case at hand
   * (integer tags, the victim known once the set has no empty way, one index slot).
   */
  fill32(
    vpn: number,
    asid: number,
    pa: number,
    rights: number,
    spanLog: number,
    found: number,
    pair: number,
  ): void {
    const way = this.store(vpn, asid, pa, rights, spanLog, found);
    if (asid === this.context || asid === GLOBAL_ASID) {
      const at = 1 + (((pair << INDEX_LOG) | (vpn & INDEX_MASK)) << 1);
      this.index32[at] = vpn;
      this.index32[at + 1] = pa;
      this.indexed[way] = 1 << pair;
    }
  }

  /**
   * Writes an entry and returns its way: the way already caching (vpn, asid), refreshed, or a
   * new one from the replacement policy when the page is not cached, or only as a global entry
   * of another page table (kept apart).
   */
  private store(
    vpn: number,
    asid: number,
    pa: number,
    rights: number,
    spanLog: number,
    found: number,
  ): number {
    let way = found;
    if (way < 0 || this.asid[way] !== asid) way = this.wayFor(vpn);
    else this.forget(way);
    this.vpn[way] = vpn;
    this.asid[way] = asid;
    this.pa[way] = pa;
    this.rights[way] = rights;
    this.spanLog[way] = spanLog;
    if (spanLog !== 0) this.largeEntries++;
    return way;
  }

  /**
   * The way a new entry for page `vpn` goes to: an empty way of its set, else the set's
   * round-robin victim, whose entry is evicted (counted, its index slots cleared).
   */
  private wayFor(vpn: number): number {
    const ways = this.ways;
    const set = vpn & this.setMask;
    const first = set * ways;
    for (let i = first; i < first + ways; i++) if (Number.isNaN(this.vpn[i])) return i;
    const victim = this.victim[set];
    this.victim[set] = (victim + 1) & (ways - 1);
    this.evictions++;
    this.forget(first + victim);
    return first + victim;
  }

  /**
   * Removes the entries for the page containing virtual page `vpn` that belong to `asid` or are
   * global (INVLPG; SFENCE.VMA with rs1 and rs2). Any piece of a large page containing it goes too.
   */
  invalidatePage(vpn: number, asid: number): void {
    this.flushes++;
    if (this.largeEntries === 0) {
      const first = (vpn & this.setMask) * this.ways;
      for (let i = first; i < first + this.ways; i++) {
        if (this.vpn[i] === vpn && (this.asid[i] === asid || this.asid[i] === GLOBAL_ASID)) this.drop(i);
      }
      return;
    }
    for (let i = 0; i < this.entries; i++) {
      const tag = this.vpn[i];
      if (Number.isNaN(tag) || (this.asid[i] !== asid && this.asid[i] !== GLOBAL_ASID)) continue;
      const span = 2 ** this.spanLog[i];
      if (Math.floor(tag / span) === Math.floor(vpn / span)) this.drop(i);
    }
  }

  /** Removes the non-global entries of `asid` (INVPCID single-context; SFENCE.VMA x0, asid). */
  invalidateAsid(asid: number): void {
    this.flushes++;
    for (let i = 0; i < this.entries; i++)
      if (this.asid[i] === asid && !Number.isNaN(this.vpn[i])) this.drop(i);
  }

  /** Removes every non-global entry of every ASID (a CR3 write without PCID). */
  invalidateNonGlobal(): void {
    this.flushes++;
    for (let i = 0; i < this.entries; i++) {
      if (this.asid[i] !== GLOBAL_ASID && !Number.isNaN(this.vpn[i])) this.drop(i);
    }
  }

  /** Removes everything, global entries included (INVPCID all-context; SFENCE.VMA x0, x0). */
  invalidateAll(): void {
    this.flushes++;
    for (let i = 0; i < this.entries; i++) if (!Number.isNaN(this.vpn[i])) this.drop(i);
  }

  /** Valid entries now. */
  get validEntries(): number {
    let n = 0;
    for (let i = 0; i < this.entries; i++) if (!Number.isNaN(this.vpn[i])) n++;
    return n;
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
    this.index32[0] = 0;
    this.hitsFolded = 0;
    this.misses = 0;
    this.evictions = 0;
    this.flushes = 0;
    this.invalidatedEntries = 0;
  }

  /** Copies of the valid entries, for reports and checkers. */
  snapshot(): TlbEntry[] {
    const out: TlbEntry[] = [];
    for (let i = 0; i < this.entries; i++) {
      if (Number.isNaN(this.vpn[i])) continue;
      out.push({
        index: i,
        va: this.vpn[i] * 4096,
        asid: this.asid[i],
        global: this.asid[i] === GLOBAL_ASID,
        pa: this.pa[i],
        rights: this.rights[i],
        pageSize: 4096 * 2 ** this.spanLog[i],
      });
    }
    return out;
  }

  /**
   * The TLB's own invariants: every hit-index slot in use mirrors a valid entry of the current
   * context (same page, frame and rights), and the large-entry count is right. Throws InvariantError.
   */
  check(): void {
    let large = 0;
    for (let i = 0; i < this.entries; i++) if (!Number.isNaN(this.vpn[i]) && this.spanLog[i] !== 0) large++;
    if (large !== this.largeEntries) {
      throw new InvariantError(`TLB counts ${this.largeEntries} large-page entries but holds ${large}`);
    }
    for (let slot = 0; slot < INDEX_SLOTS; slot++) {
      if (this.wide) {
        const vpn = this.indexTagWide[slot];
        if (
          !Number.isNaN(vpn) &&
          !this.mirrors(vpn, this.indexPaWide[slot], this.indexRightsWide[slot], true)
        ) {
          throw new InvariantError(`TLB hit-index slot ${slot} (page ${vpn}) does not mirror a TLB entry`);
        }
      }
      for (let pair = 0; pair < PAIRS; pair++) {
        const at = 1 + 2 * (pair * INDEX_SLOTS + slot);
        const vpn = this.index32[at];
        if (vpn === -1) continue;
        const pa = this.index32[at + 1] >>> 0;
        if (this.wide || (vpn & INDEX_MASK) !== slot || !this.mirrors(vpn, pa, 1 << pair, false)) {
          throw new InvariantError(
            `TLB hit-index slot ${slot} of rights pair ${pair} (page ${vpn}) does not mirror a TLB entry`,
          );
        }
      }
    }
  }

  /**
   * Whether a valid entry of the current context caches page `vpn` at `pa` with the rights
   * `rights` (exactly those, or at least those when not `exact`).
   */
  private mirrors(vpn: number, pa: number, rights: number, exact: boolean): boolean {
    for (let i = 0; i < this.entries; i++) {
      if (this.vpn[i] !== vpn || this.pa[i] !== pa) continue;
      if (this.asid[i] !== this.context && this.asid[i] !== GLOBAL_ASID) continue;
      if (exact ? this.rights[i] === rights : (this.rights[i] & rights) === rights) return true;
    }
    return false;
  }

  private drop(i: number): void {
    this.clear(i);
    this.invalidatedEntries++;
  }

  private clear(i: number): void {
    if (Number.isNaN(this.vpn[i])) return;
    this.forget(i);
    this.vpn[i] = Number.NaN;
    this.rights[i] = 0;
  }

  /**
   * The bookkeeping of way i's entry leaving (large-entry count, hit-index slots), without
   * marking the way empty: the caller refills it at once or empties it.
   */
  private forget(i: number): void {
    const vpn = this.vpn[i];
    if (Number.isNaN(vpn)) return;
    if (this.spanLog[i] !== 0) this.largeEntries--;
    const pairs = this.indexed[i];
    if (pairs !== 0) {
      this.indexed[i] = 0;
      this.unindex(vpn, pairs);
    }
  }
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
