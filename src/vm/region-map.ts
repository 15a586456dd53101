/**
 * The region map of one address space: the seed's fixed-size array of MemRegions, sorted by
 * address, covering the whole range with no hole (free space is FREE regions), searched by
 * binary search.
 *
 * Records live in parallel typed arrays (region-records.ts). Every change is one RegionEdit
 * (region-edit.ts): the affected window (plus its two neighbours, for merging) is planned into a
 * scratch buffer, the new count is checked against the limit, and only then the arrays change.
 * So a refused change leaves the map untouched.
 *
 * Free space is found without scanning regions: a gap tree (gap-tree.ts) over the array slots
 * holds each FREE region's size, and first fit descends it to the leftmost gap that is large
 * enough in O(log n). A splice shifts the tail of the array anyway, and the tree is refreshed
 * over the same slots.
 */
import { AddressRangeError, AlignmentError, InvariantError, LimitError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { GapTree, NO_GAP } from './gap-tree.js';
import { RegionEdit, Rewrite } from './region-edit.js';
import { canMerge, RegionRecords } from './region-records.js';
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
  private regionCount = 0;
  private readonly records: RegionRecords;
  private readonly edit: RegionEdit;
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
    this.records = new RegionRecords(capacity);
    this.edit = new RegionEdit(capacity);
    this.gaps = new GapTree(capacity);
    this.records.base[0] = start;
    this.records.ceiling[0] = end;
    this.regionCount = 1;
    this.refreshGaps(0, 1);
  }

  /** Number of regions, FREE ones included. */
  get count(): number {
    return this.regionCount;
  }

  base(i: number): number {
    return this.records.base[i];
  }
  ceiling(i: number): number {
    return this.records.ceiling[i];
  }
  type(i: number): RegionType {
    return this.records.type[i] as RegionType;
  }
  protection(i: number): Protection {
    return this.records.protection[i];
  }
  flags(i: number): number {
    return this.records.flags[i];
  }
  physBase(i: number): number {
    return this.records.physBase[i];
  }
  name(i: number): string {
    return this.records.name[i];
  }

  /** Index of the region holding `va` by binary search, or -1 outside the map's range. */
  find(va: number): number {
    if (!(va >= this.start && va < this.end)) return NOT_FOUND;
    const base = this.records.base;
    let lo = 0;
    let hi = this.regionCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (base[mid] <= va) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  region(i: number): RegionInfo {
    const records = this.records;
    return {
      base: records.base[i],
      ceiling: records.ceiling[i],
      type: records.type[i] as RegionType,
      protection: records.protection[i],
      flags: records.flags[i],
      physBase: records.physBase[i],
      name: records.name[i],
    };
  }

  regions(): RegionInfo[] {
    const out: RegionInfo[] = [];
    for (let i = 0; i < this.regionCount; i++) out.push(this.region(i));
    return out;
  }

  /** The regions that are not FREE. */
  usedRegions(): RegionInfo[] {
    return this.regions().filter((region) => region.type !== RegionType.Free);
  }

  /** Whether [base, ceiling) lies inside one FREE region. */
  isFree(base: number, ceiling: number): boolean {
    const i = this.find(base);
    return i >= 0 && this.records.type[i] === RegionType.Free && ceiling <= this.records.ceiling[i];
  }

  /** Whether no byte of [base, ceiling) is FREE. */
  isFullyUsed(base: number, ceiling: number): boolean {
    let i = this.find(base);
    if (i < 0) return false;
    for (; i < this.regionCount && this.records.base[i] < ceiling; i++) {
      if (this.records.type[i] === RegionType.Free) return false;
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
    for (let i = 0; i < this.regionCount; i++)
      if (this.records.type[i] === RegionType.Free) total += this.records.ceiling[i] - this.records.base[i];
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
    return this.plan(base, ceiling, Rewrite.Set, attributes, 0);
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
    const count = other.regionCount;
    this.records.base.set(other.records.base.subarray(0, count));
    this.records.ceiling.set(other.records.ceiling.subarray(0, count));
    this.records.physBase.set(other.records.physBase.subarray(0, count));
    this.records.type.set(other.records.type.subarray(0, count));
    this.records.protection.set(other.records.protection.subarray(0, count));
    this.records.flags.set(other.records.flags.subarray(0, count));
    for (let i = 0; i < count; i++) this.records.name[i] = other.records.name[i];
    const old = this.regionCount;
    this.regionCount = count;
    this.refreshGaps(0, Math.max(old, count));
  }

  /** Throws InvariantError unless the regions are sorted, disjoint, cover the range, merged, and the gap tree agrees. */
  check(): void {
    const records = this.records;
    const fail = (message: string): never => {
      throw new InvariantError(`region map ${hex(this.start)}..${hex(this.end)}: ${message}`);
    };
    if (this.regionCount < 1 || this.regionCount > this.limit)
      fail(`count ${this.regionCount} outside 1..${this.limit}`);
    if (records.base[0] !== this.start) fail(`first region starts at ${hex(records.base[0])}`);
    if (records.ceiling[this.regionCount - 1] !== this.end)
      fail(`last region ends at ${hex(records.ceiling[this.regionCount - 1])}`);
    // The region's name is made only for a message: check() runs after every step of the tests.
    const at = (i: number): string => `region ${i} ${hex(records.base[i])}..${hex(records.ceiling[i])}`;
    for (let i = 0; i < this.regionCount; i++) {
      if (!(records.base[i] < records.ceiling[i])) fail(`${at(i)} is empty or reversed`);
      if (records.base[i] % PAGE_SIZE !== 0 || records.ceiling[i] % PAGE_SIZE !== 0)
        fail(`${at(i)} is not page-aligned`);
      if (i > 0 && records.base[i] !== records.ceiling[i - 1])
        fail(`${at(i)} does not follow its predecessor`);
      if (records.type[i] > RegionType.Phys) fail(`${at(i)} has type ${records.type[i]}`);
      if (
        records.type[i] === RegionType.Free &&
        (records.protection[i] | records.flags[i] | records.physBase[i]) !== 0
      ) {
        fail(`${at(i)} is FREE but carries attributes`);
      }
      if (i > 0 && canMerge(records, i - 1, records, i))
        fail(`${at(i)} should have merged with its predecessor`);
      const gap = records.type[i] === RegionType.Free ? records.ceiling[i] - records.base[i] : 0;
      if (this.gaps.gap(i) !== gap) fail(`${at(i)}: gap index holds ${this.gaps.gap(i)}`);
    }
    this.gaps.check(this.regionCount, fail);
  }

  toString(): string {
    return this.regions()
      .map(
        (region) =>
          `${hex(region.base)}-${hex(region.ceiling)} ${REGION_TYPE_NAMES[region.type]}${region.name ? ` ${region.name}` : ''}`,
      )
      .join('\n');
  }

  // --- inside ---

  private firstFit(bytes: number, alignment: number, fromIndex: number, minAddress: number): number {
    let from = Math.max(0, fromIndex);
    while (from < this.regionCount) {
      const i = this.gaps.leftmost(from, bytes);
      if (i === NO_GAP) return NOT_FOUND;
      const at = alignUp(Math.max(this.records.base[i], minAddress), alignment);
      if (at + bytes <= this.records.ceiling[i]) return at;
      from = i + 1;
    }
    return NOT_FOUND;
  }

  /** Brings the gap index up to date over slots [fromSlot, toSlot). */
  private refreshGaps(fromSlot: number, toSlot: number): void {
    const records = this.records;
    for (let i = fromSlot; i < toSlot; i++) {
      this.gaps.setGap(
        i,
        i < this.regionCount && records.type[i] === RegionType.Free
          ? records.ceiling[i] - records.base[i]
          : 0,
      );
    }
    this.gaps.propagate(fromSlot, toSlot);
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

  /** Checks the range and plans the edit; returns the count after it. */
  private plan(
    base: number,
    ceiling: number,
    mode: Rewrite,
    attributes: RegionAttributes | undefined,
    value: number,
  ): number {
    this.checkRange(base, ceiling);
    const first = this.find(base);
    const last = this.find(ceiling - 1);
    return this.edit.plan(
      this.records,
      this.regionCount,
      first,
      last,
      base,
      ceiling,
      mode,
      attributes,
      value,
    );
  }

  /** Plans the edit, refuses it over the limit, and only then splices it in. */
  private splice(
    base: number,
    ceiling: number,
    mode: Rewrite,
    attributes: RegionAttributes | undefined,
    value: number,
  ): void {
    const newCount = this.plan(base, ceiling, mode, attributes, value);
    if (newCount > this.limit) {
      throw new LimitError(
        `changing ${hex(base)}..${hex(ceiling)} would need ${newCount} regions; the limit is ${this.limit}`,
      );
    }
    const old = this.regionCount;
    this.edit.splice(this.records, old);
    this.regionCount = newCount;
    this.refreshGaps(this.edit.windowFirst, Math.max(old, newCount));
  }
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
