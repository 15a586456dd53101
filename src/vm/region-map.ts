/**
 * The region map of one address space: the seed's fixed-size array of MemRegions, sorted by
 * address, covering the whole range with no hole (free space is FREE regions), searched by
 * binary search.
 *
 * Records live in parallel typed arrays (addresses are doubles so that 64-bit sign-extended
 * addresses stay exact). Every change goes through one splice: the affected window (plus its two
 * neighbours, for merging) is rewritten into a scratch buffer, the new count is checked against
 * the limit, and only then the arrays change. So a refused change leaves the map untouched.
 *
 * Free space is found without scanning regions: a gap tree (gap-tree.ts) over the array slots
 * holds each FREE region's size, and first fit descends it to the leftmost gap that is large
 * enough in O(log n). A splice shifts the tail of the array anyway, and the tree is refreshed
 * over the same slots.
 */
import { AddressRangeError, AlignmentError, InvariantError, LimitError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { GapTree, NO_GAP } from './gap-tree.js';
import {
  type Protection,
  REGION_TYPE_NAMES,
  type RegionAttributes,
  type RegionInfo,
  RegionType,
} from './region-types.js';

export const PAGE_SIZE = 4096;
/** The seed's array holds room for about 1000 MemRegions. */
export const DEFAULT_REGION_LIMIT = 1000;

/** What find() and findFree() return for nothing: never a page-aligned address, even in a negative kernel half. */
export const NOT_FOUND = -1;

/** How a splice changes the regions inside the range. */
const Rewrite = {
  /** Replace them with one region of the given attributes. */
  Set: 0,
  /** Keep each region but give it new protection (FREE pieces stay FREE). */
  Protect: 1,
  /** Keep each region but OR in flags and clear protection bits (FREE pieces stay FREE). */
  Modify: 2,
} as const;
type Rewrite = (typeof Rewrite)[keyof typeof Rewrite];

/** A growable set of region records in parallel arrays (the map itself and its scratch buffer). */
class RegionRecords {
  base: Float64Array;
  ceiling: Float64Array;
  physBase: Float64Array;
  type: Uint8Array;
  protection: Uint8Array;
  flags: Uint8Array;
  name: string[];

  constructor(capacity: number) {
    this.base = new Float64Array(capacity);
    this.ceiling = new Float64Array(capacity);
    this.physBase = new Float64Array(capacity);
    this.type = new Uint8Array(capacity);
    this.protection = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.name = new Array<string>(capacity).fill('');
  }
}

export interface RegionMapOptions {
  /** Most regions (FREE ones included, as in the seed's array). Default 1000. */
  limit?: number;
  /** Lowest address the free-space search hands out (a null guard); default the map's start. */
  searchFloor?: number;
}

export class RegionMap {
  readonly start: number;
  readonly end: number;
  readonly limit: number;
  readonly searchFloor: number;
  private n = 0;
  private readonly r: RegionRecords;
  private readonly scratch: RegionRecords;
  private readonly gaps: GapTree;

  constructor(start: number, end: number, options: RegionMapOptions = {}) {
    const limit = options.limit ?? DEFAULT_REGION_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`region limit ${limit} must be >= 1`);
    if (start % PAGE_SIZE !== 0 || end % PAGE_SIZE !== 0 || !(start < end)) {
      throw new AlignmentError(
        `region map range ${hex(start)}..${hex(end)} must be page-aligned and non-empty`,
      );
    }
    this.start = start;
    this.end = end;
    this.limit = limit;
    this.searchFloor = Math.max(start, options.searchFloor ?? start);
    // Room for the limit plus the transient pieces of one splice (two splits and two neighbours).
    const capacity = limit + 4;
    this.r = new RegionRecords(capacity);
    this.scratch = new RegionRecords(capacity);
    this.gaps = new GapTree(capacity);
    this.r.base[0] = start;
    this.r.ceiling[0] = end;
    this.n = 1;
    this.refreshGaps(0, 1);
  }

  /** Number of regions, FREE ones included. */
  get count(): number {
    return this.n;
  }

  base(i: number): number {
    return this.r.base[i];
  }
  ceiling(i: number): number {
    return this.r.ceiling[i];
  }
  type(i: number): RegionType {
    return this.r.type[i] as RegionType;
  }
  protection(i: number): Protection {
    return this.r.protection[i];
  }
  flags(i: number): number {
    return this.r.flags[i];
  }
  physBase(i: number): number {
    return this.r.physBase[i];
  }
  name(i: number): string {
    return this.r.name[i];
  }

  /** Index of the region holding `va` by binary search, or -1 outside the map's range. */
  find(va: number): number {
    if (!(va >= this.start && va < this.end)) return NOT_FOUND;
    const base = this.r.base;
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (base[mid] <= va) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  region(i: number): RegionInfo {
    const r = this.r;
    return {
      base: r.base[i],
      ceiling: r.ceiling[i],
      type: r.type[i] as RegionType,
      protection: r.protection[i],
      flags: r.flags[i],
      physBase: r.physBase[i],
      name: r.name[i],
    };
  }

  regions(): RegionInfo[] {
    const out: RegionInfo[] = [];
    for (let i = 0; i < this.n; i++) out.push(this.region(i));
    return out;
  }

  /** The regions that are not FREE. */
  usedRegions(): RegionInfo[] {
    return this.regions().filter((r) => r.type !== RegionType.Free);
  }

  /** Whether [base, ceiling) lies inside one FREE region. */
  isFree(base: number, ceiling: number): boolean {
    const i = this.find(base);
    return i >= 0 && this.r.type[i] === RegionType.Free && ceiling <= this.r.ceiling[i];
  }

  /** Whether no byte of [base, ceiling) is FREE. */
  isFullyUsed(base: number, ceiling: number): boolean {
    let i = this.find(base);
    if (i < 0) return false;
    for (; i < this.n && this.r.base[i] < ceiling; i++) {
      if (this.r.type[i] === RegionType.Free) return false;
    }
    return true;
  }

  /**
   * A free range of `bytes` aligned to `alignment`, first fit, or -1. With a hint, the range at
   * the hint (aligned up) when it is free, else the first fit at or above the hint, else the first
   * fit from the bottom.
   */
  findFree(bytes: number, alignment = PAGE_SIZE, hint?: number): number {
    if (hint !== undefined && hint >= this.searchFloor && hint < this.end) {
      const at = alignUp(hint, alignment);
      if (this.isFree(at, at + bytes)) return at;
      const above = this.firstFit(bytes, alignment, this.find(hint), at);
      if (above !== NOT_FOUND) return above;
    }
    return this.firstFit(bytes, alignment, this.find(this.searchFloor), this.searchFloor);
  }

  /** Sum of the FREE regions' sizes. */
  freeBytes(): number {
    let total = 0;
    for (let i = 0; i < this.n; i++)
      if (this.r.type[i] === RegionType.Free) total += this.r.ceiling[i] - this.r.base[i];
    return total;
  }

  /** Makes [base, ceiling) one region with these attributes (FREE to unmap). Throws LimitError. */
  set(base: number, ceiling: number, attributes: RegionAttributes): void {
    this.splice(base, ceiling, Rewrite.Set, attributes, 0);
  }

  /** Gives every non-FREE region inside [base, ceiling) this protection. Throws LimitError. */
  protect(base: number, ceiling: number, protection: Protection): void {
    this.splice(base, ceiling, Rewrite.Protect, undefined, protection);
  }

  /** ORs `flags` into every non-FREE region inside [base, ceiling). Throws LimitError. */
  addFlags(base: number, ceiling: number, flags: number): void {
    this.splice(base, ceiling, Rewrite.Modify, undefined, flags & 0xff);
  }

  /** ORs `flags` into and clears `clearProtection` from every non-FREE region inside the range (sealing). */
  modify(base: number, ceiling: number, flags: number, clearProtection: number): void {
    this.splice(base, ceiling, Rewrite.Modify, undefined, (flags & 0xff) | ((clearProtection & 0xff) << 8));
  }

  /** How many regions the map would hold after set(); lets callers check the limit up front. */
  countAfterSet(base: number, ceiling: number, attributes: RegionAttributes): number {
    return this.plan(base, ceiling, Rewrite.Set, attributes, 0).newCount;
  }

  /** A copy with the same regions (fork). */
  clone(): RegionMap {
    const copy = new RegionMap(this.start, this.end, { limit: this.limit, searchFloor: this.searchFloor });
    copy.copyFrom(this);
    return copy;
  }

  /** Replaces this map's regions with another map's of the same range and limit. */
  copyFrom(other: RegionMap): void {
    if (other.start !== this.start || other.end !== this.end || other.limit !== this.limit) {
      throw new RangeError('copyFrom needs a region map of the same range and limit');
    }
    const n = other.n;
    this.r.base.set(other.r.base.subarray(0, n));
    this.r.ceiling.set(other.r.ceiling.subarray(0, n));
    this.r.physBase.set(other.r.physBase.subarray(0, n));
    this.r.type.set(other.r.type.subarray(0, n));
    this.r.protection.set(other.r.protection.subarray(0, n));
    this.r.flags.set(other.r.flags.subarray(0, n));
    for (let i = 0; i < n; i++) this.r.name[i] = other.r.name[i];
    const old = this.n;
    this.n = n;
    this.refreshGaps(0, Math.max(old, n));
  }

  /** Throws InvariantError unless the regions are sorted, disjoint, cover the range, merged, and the gap tree agrees. */
  check(): void {
    const r = this.r;
    const fail = (message: string): never => {
      throw new InvariantError(`region map ${hex(this.start)}..${hex(this.end)}: ${message}`);
    };
    if (this.n < 1 || this.n > this.limit) fail(`count ${this.n} outside 1..${this.limit}`);
    if (r.base[0] !== this.start) fail(`first region starts at ${hex(r.base[0])}`);
    if (r.ceiling[this.n - 1] !== this.end) fail(`last region ends at ${hex(r.ceiling[this.n - 1])}`);
    for (let i = 0; i < this.n; i++) {
      const at = `region ${i} ${hex(r.base[i])}..${hex(r.ceiling[i])}`;
      if (!(r.base[i] < r.ceiling[i])) fail(`${at} is empty or reversed`);
      if (r.base[i] % PAGE_SIZE !== 0 || r.ceiling[i] % PAGE_SIZE !== 0) fail(`${at} is not page-aligned`);
      if (i > 0 && r.base[i] !== r.ceiling[i - 1]) fail(`${at} does not follow its predecessor`);
      if (r.type[i] > RegionType.Phys) fail(`${at} has type ${r.type[i]}`);
      if (r.type[i] === RegionType.Free && (r.protection[i] | r.flags[i] | r.physBase[i]) !== 0) {
        fail(`${at} is FREE but carries attributes`);
      }
      if (i > 0 && this.compatible(r, i - 1, r, i)) fail(`${at} should have merged with its predecessor`);
      const gap = r.type[i] === RegionType.Free ? r.ceiling[i] - r.base[i] : 0;
      if (this.gaps.gap(i) !== gap) fail(`${at}: gap index holds ${this.gaps.gap(i)}`);
    }
    this.gaps.check(this.n, fail);
  }

  toString(): string {
    return this.regions()
      .map(
        (g) => `${hex(g.base)}-${hex(g.ceiling)} ${REGION_TYPE_NAMES[g.type]}${g.name ? ` ${g.name}` : ''}`,
      )
      .join('\n');
  }

  // --- inside ---

  private firstFit(bytes: number, alignment: number, fromIndex: number, minAddress: number): number {
    let from = Math.max(0, fromIndex);
    while (from < this.n) {
      const i = this.gaps.leftmost(from, bytes);
      if (i === NO_GAP) return NOT_FOUND;
      const at = alignUp(Math.max(this.r.base[i], minAddress), alignment);
      if (at + bytes <= this.r.ceiling[i]) return at;
      from = i + 1;
    }
    return NOT_FOUND;
  }

  /** Brings the gap index up to date over slots [fromSlot, toSlot). */
  private refreshGaps(fromSlot: number, toSlot: number): void {
    const r = this.r;
    for (let i = fromSlot; i < toSlot; i++) {
      this.gaps.setGap(i, i < this.n && r.type[i] === RegionType.Free ? r.ceiling[i] - r.base[i] : 0);
    }
    this.gaps.propagate(fromSlot, toSlot);
  }

  private compatible(a: RegionRecords, i: number, b: RegionRecords, j: number): boolean {
    if (a.type[i] !== b.type[j]) return false;
    if (a.type[i] === RegionType.Free) return true;
    if (a.protection[i] !== b.protection[j] || a.flags[i] !== b.flags[j] || a.name[i] !== b.name[j])
      return false;
    if (a.type[i] === RegionType.Phys) return a.physBase[i] + (a.ceiling[i] - a.base[i]) === b.physBase[j];
    return true;
  }

  /** Appends a piece to the scratch buffer, merging it into the last piece when compatible. */
  private emit(
    base: number,
    ceiling: number,
    type: number,
    protection: number,
    flags: number,
    physBase: number,
    name: string,
    count: number,
  ): number {
    if (base >= ceiling) return count;
    const s = this.scratch;
    if (type === RegionType.Free) {
      protection = 0;
      flags = 0;
      physBase = 0;
      name = '';
    }
    s.base[count] = base;
    s.ceiling[count] = ceiling;
    s.type[count] = type;
    s.protection[count] = protection;
    s.flags[count] = flags;
    s.physBase[count] = physBase;
    s.name[count] = name;
    if (count > 0 && this.compatible(s, count - 1, s, count)) {
      s.ceiling[count - 1] = ceiling;
      return count;
    }
    return count + 1;
  }

  private checkRange(base: number, ceiling: number): void {
    if (base % PAGE_SIZE !== 0 || ceiling % PAGE_SIZE !== 0) {
      throw new AlignmentError(`range ${hex(base)}..${hex(ceiling)} is not page-aligned`);
    }
    if (!(base >= this.start && ceiling <= this.end && base < ceiling)) {
      throw new AddressRangeError(
        `range ${hex(base)}..${hex(ceiling)} is empty or outside ${hex(this.start)}..${hex(this.end)}`,
      );
    }
  }

  /** Rewrites the window into the scratch buffer without touching the map. */
  private plan(
    base: number,
    ceiling: number,
    mode: Rewrite,
    attributes: RegionAttributes | undefined,
    value: number,
  ): { lo: number; hi: number; pieces: number; newCount: number } {
    this.checkRange(base, ceiling);
    const r = this.r;
    const first = this.find(base);
    const last = this.find(ceiling - 1);
    const lo = Math.max(0, first - 1);
    const hi = Math.min(this.n - 1, last + 1);
    let pieces = 0;
    for (let k = lo; k <= hi; k++) {
      const b = r.base[k];
      const c = r.ceiling[k];
      const t = r.type[k];
      const p = r.protection[k];
      const f = r.flags[k];
      const pb = r.physBase[k];
      const nm = r.name[k];
      const inLo = Math.max(b, base);
      const inHi = Math.min(c, ceiling);
      pieces = this.emit(b, Math.min(c, base), t, p, f, pb, nm, pieces);
      if (inLo < inHi) {
        if (mode === Rewrite.Set && attributes) {
          if (k === first) {
            // The whole range becomes one piece, emitted once at the first overlapped region.
            pieces = this.emit(
              base,
              ceiling,
              attributes.type,
              attributes.protection ?? 0,
              attributes.flags ?? 0,
              attributes.physBase ?? 0,
              attributes.name ?? '',
              pieces,
            );
          }
        } else if (mode === Rewrite.Protect) {
          pieces = this.emit(
            inLo,
            inHi,
            t,
            t === RegionType.Free ? 0 : value,
            f,
            pb + (inLo - b),
            nm,
            pieces,
          );
        } else {
          // Modify: value holds flags to add (bits 7:0) and protection bits to clear (bits 15:8).
          pieces = this.emit(
            inLo,
            inHi,
            t,
            p & ~(value >>> 8),
            f | (value & 0xff),
            pb + (inLo - b),
            nm,
            pieces,
          );
        }
      }
      const after = Math.max(b, ceiling);
      pieces = this.emit(after, c, t, p, f, pb + (after - b), nm, pieces);
    }
    return { lo, hi, pieces, newCount: this.n - (hi - lo + 1) + pieces };
  }

  private splice(
    base: number,
    ceiling: number,
    mode: Rewrite,
    attributes: RegionAttributes | undefined,
    value: number,
  ): void {
    const { lo, hi, pieces, newCount } = this.plan(base, ceiling, mode, attributes, value);
    if (newCount > this.limit) {
      throw new LimitError(
        `changing ${hex(base)}..${hex(ceiling)} would need ${newCount} regions; the limit is ${this.limit}`,
      );
    }
    const r = this.r;
    const s = this.scratch;
    const tailFrom = hi + 1;
    const tailTo = lo + pieces;
    if (tailFrom !== tailTo && tailFrom < this.n) {
      r.base.copyWithin(tailTo, tailFrom, this.n);
      r.ceiling.copyWithin(tailTo, tailFrom, this.n);
      r.physBase.copyWithin(tailTo, tailFrom, this.n);
      r.type.copyWithin(tailTo, tailFrom, this.n);
      r.protection.copyWithin(tailTo, tailFrom, this.n);
      r.flags.copyWithin(tailTo, tailFrom, this.n);
      r.name.copyWithin(tailTo, tailFrom, this.n);
    }
    for (let k = 0; k < pieces; k++) {
      const i = lo + k;
      r.base[i] = s.base[k];
      r.ceiling[i] = s.ceiling[k];
      r.physBase[i] = s.physBase[k];
      r.type[i] = s.type[k];
      r.protection[i] = s.protection[k];
      r.flags[i] = s.flags[k];
      r.name[i] = s.name[k];
    }
    const old = this.n;
    this.n = newCount;
    for (let i = newCount; i < old; i++) {
      r.type[i] = 0;
      r.name[i] = '';
    }
    this.refreshGaps(lo, Math.max(old, newCount));
  }
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
