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
 */
import { InvalidArgumentError } from '../common/errors.js';

export const GLOBAL_ASID = -1;

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
  readonly entries: number;
  readonly ways: number;
  readonly sets: number;
  readonly setMask: number;
  /** Virtual page number of each way (NaN = empty). */
  readonly vpn: Float64Array;
  /** ASID of each way, GLOBAL_ASID for global entries. */
  readonly asid: Int32Array;
  /** Physical address of the cached 4 KiB page. */
  readonly pa: Float64Array;
  /** Rights bits, see the file comment. */
  readonly rights: Uint8Array;
  /** log2 of the original page's size in 4 KiB pages (0, 9, 10 or 18). */
  readonly spanLog: Uint8Array;
  private readonly victim: Uint32Array;
  /** Valid entries splintered from a large page: invalidatePage scans everything only when some exist. */
  private largeEntries = 0;

  hits = 0;
  misses = 0;
  evictions = 0;
  flushes = 0;
  invalidatedEntries = 0;

  constructor(config: TlbConfig = {}) {
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
  }

  /** The way holding `vpn` for `asid` (or a global entry), or -1. Counts nothing. */
  find(vpn: number, asid: number): number {
    const first = (vpn & this.setMask) * this.ways;
    for (let i = first; i < first + this.ways; i++) {
      if (this.vpn[i] === vpn && (this.asid[i] === asid || this.asid[i] === GLOBAL_ASID)) return i;
    }
    return -1;
  }

  /** Caches a translation, replacing an existing entry for the same page and ASID. */
  insert(vpn: number, asid: number, pa: number, rights: number, spanLog: number): void {
    const first = (vpn & this.setMask) * this.ways;
    let way = this.find(vpn, asid);
    if (way >= 0 && this.asid[way] !== asid) way = -1; // a global entry of another page table: keep it apart
    if (way < 0) {
      for (let i = first; i < first + this.ways; i++) {
        if (Number.isNaN(this.vpn[i])) {
          way = i;
          break;
        }
      }
    }
    if (way < 0) {
      const set = first / this.ways;
      way = first + this.victim[set];
      this.victim[set] = (this.victim[set] + 1) & (this.ways - 1);
      this.evictions++;
    }
    this.clear(way);
    this.vpn[way] = vpn;
    this.asid[way] = asid;
    this.pa[way] = pa;
    this.rights[way] = rights;
    this.spanLog[way] = spanLog;
    if (spanLog !== 0) this.largeEntries++;
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
    this.hits = 0;
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

  private drop(i: number): void {
    this.clear(i);
    this.invalidatedEntries++;
  }

  private clear(i: number): void {
    if (!Number.isNaN(this.vpn[i]) && this.spanLog[i] !== 0) this.largeEntries--;
    this.vpn[i] = Number.NaN;
    this.rights[i] = 0;
  }
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
