/**
 * A set of region records in parallel typed arrays, and the rule for when two records merge.
 * RegionMap keeps its regions in one; RegionEdit plans each change into another.
 */
import { RegionType } from './region-types.js';

/** Addresses are doubles so that 64-bit sign-extended addresses stay exact. */
export class RegionRecords {
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

/**
 * Whether record i of `a`, followed directly by record j of `b`, would be one region: the same
 * type and attributes, and for PHYS, physical addresses that continue.
 */
export function canMerge(a: RegionRecords, i: number, b: RegionRecords, j: number): boolean {
  if (a.type[i] !== b.type[j]) return false;
  if (a.type[i] === RegionType.Free) return true;
  if (a.protection[i] !== b.protection[j] || a.flags[i] !== b.flags[j] || a.name[i] !== b.name[j])
    return false;
  if (a.type[i] === RegionType.Phys) return a.physBase[i] + (a.ceiling[i] - a.base[i]) === b.physBase[j];
  return true;
}
