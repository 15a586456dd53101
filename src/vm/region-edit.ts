/**
 * One change to a region map, all-or-nothing by construction: planned into a scratch buffer, the
 * new count checked against the limit by the caller, and only then spliced in. RegionMap uses it.
 */

import { canMerge, RegionRecords } from './region-records.js';
import type { RegionAttributes } from './region-types.js';
import { RegionType } from './region-types.js';

/** How an edit changes the regions inside its range. */
export const Rewrite = {
  /** Replace them with one region of the given attributes. */
  Set: 0,
  /** Keep each region but give it new protection (FREE pieces stay FREE). */
  Protect: 1,
  /** Keep each region but OR in flags and clear protection bits (FREE pieces stay FREE). */
  Modify: 2,
} as const;
export type Rewrite = (typeof Rewrite)[keyof typeof Rewrite];

/**
 * The planned edit. An edit touches a window of regions: the ones the range overlaps plus one
 * neighbour on each side, so that the new pieces merge with what surrounds them.
 */
export class RegionEdit {
  /** First slot of the window the plan replaces. */
  windowFirst = 0;
  /** Last slot of that window. */
  windowLast = 0;
  /** How many pieces replace the window (scratch slots 0 to pieces - 1). */
  pieces = 0;
  /** How many regions the map holds once the plan is spliced in. */
  newCount = 0;
  private readonly scratch: RegionRecords;

  /** `capacity`: the map's limit plus the transient pieces of one edit. */
  constructor(capacity: number) {
    this.scratch = new RegionRecords(capacity);
  }

  /**
   * Plans rewriting [base, ceiling), which overlaps regions first to last of the `count` in
   * `records`, into the scratch buffer, and returns the count after it. `records` is not touched.
   * `value` is the protection for Protect, and for Modify the flags to add (bits 7:0) and the
   * protection bits to clear (bits 15:8).
   */
  plan(
    records: RegionRecords,
    count: number,
    first: number,
    last: number,
    base: number,
    ceiling: number,
    mode: Rewrite,
    attributes: RegionAttributes | undefined,
    value: number,
  ): number {
    const windowFirst = Math.max(0, first - 1);
    const windowLast = Math.min(count - 1, last + 1);
    let pieces = 0;
    for (let k = windowFirst; k <= windowLast; k++) {
      const regionBase = records.base[k];
      const regionCeiling = records.ceiling[k];
      const type = records.type[k];
      const protection = records.protection[k];
      const flags = records.flags[k];
      const physBase = records.physBase[k];
      const name = records.name[k];
      const insideBase = Math.max(regionBase, base);
      const insideCeiling = Math.min(regionCeiling, ceiling);
      pieces = this.emit(
        regionBase,
        Math.min(regionCeiling, base),
        type,
        protection,
        flags,
        physBase,
        name,
        pieces,
      );
      if (insideBase < insideCeiling) {
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
            insideBase,
            insideCeiling,
            type,
            type === RegionType.Free ? 0 : value,
            flags,
            physBase + (insideBase - regionBase),
            name,
            pieces,
          );
        } else {
          pieces = this.emit(
            insideBase,
            insideCeiling,
            type,
            protection & ~(value >>> 8),
            flags | (value & 0xff),
            physBase + (insideBase - regionBase),
            name,
            pieces,
          );
        }
      }
      const after = Math.max(regionBase, ceiling);
      pieces = this.emit(
        after,
        regionCeiling,
        type,
        protection,
        flags,
        physBase + (after - regionBase),
        name,
        pieces,
      );
    }
    this.windowFirst = windowFirst;
    this.windowLast = windowLast;
    this.pieces = pieces;
    this.newCount = count - (windowLast - windowFirst + 1) + pieces;
    return this.newCount;
  }

  /**
   * Replaces the window of `records` (which held `count` regions when the plan was made) with
   * the planned pieces, shifting the regions after it; slots freed at the end are cleared.
   */
  splice(records: RegionRecords, count: number): void {
    const scratch = this.scratch;
    const { windowFirst, pieces, newCount } = this;
    const tailFrom = this.windowLast + 1;
    const tailTo = windowFirst + pieces;
    if (tailFrom !== tailTo && tailFrom < count) {
      records.base.copyWithin(tailTo, tailFrom, count);
      records.ceiling.copyWithin(tailTo, tailFrom, count);
      records.physBase.copyWithin(tailTo, tailFrom, count);
      records.type.copyWithin(tailTo, tailFrom, count);
      records.protection.copyWithin(tailTo, tailFrom, count);
      records.flags.copyWithin(tailTo, tailFrom, count);
      records.name.copyWithin(tailTo, tailFrom, count);
    }
    for (let k = 0; k < pieces; k++) {
      const i = windowFirst + k;
      records.base[i] = scratch.base[k];
      records.ceiling[i] = scratch.ceiling[k];
      records.physBase[i] = scratch.physBase[k];
      records.type[i] = scratch.type[k];
      records.protection[i] = scratch.protection[k];
      records.flags[i] = scratch.flags[k];
      records.name[i] = scratch.name[k];
    }
    for (let i = newCount; i < count; i++) {
      records.type[i] = 0;
      records.name[i] = '';
    }
  }

  /** Appends a piece to the scratch buffer, merging it into the last piece when they can merge. */
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
    const scratch = this.scratch;
    if (type === RegionType.Free) {
      protection = 0;
      flags = 0;
      name = '';
    }
    // Only a PHYS region names frames; any other keeps 0, so a split and a rejoin leave no trace.
    if (type !== RegionType.Phys) physBase = 0;
    scratch.base[count] = base;
    scratch.ceiling[count] = ceiling;
    scratch.type[count] = type;
    scratch.protection[count] = protection;
    scratch.flags[count] = flags;
    scratch.physBase[count] = physBase;
    scratch.name[count] = name;
    if (count > 0 && canMerge(scratch, count - 1, scratch, count)) {
      scratch.ceiling[count - 1] = ceiling;
      return count;
    }
    return count + 1;
  }
}
