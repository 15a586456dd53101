/**
 * The vocabulary of regions: the seed's `AREA_FREE` / `AREA_PHYS` / `AREA_ANON`, protection bits
 * and flags. Plain numeric constants, because regions live in typed arrays.
 */

/** What a region of an address space holds. */
export const RegionType = {
  /** Nothing: a gap that vpm_alloc may hand out. */
  Free: 0,
  /** Anonymous memory, zero until touched (demand paged). */
  Anon: 1,
  /** A fixed physical range (device memory, a frame buffer): its pages map the frames it names. */
  Phys: 2,
} as const;
export type RegionType = (typeof RegionType)[keyof typeof RegionType];

export const REGION_TYPE_NAMES = ['free', 'anon', 'phys'] as const;

/** Protection bits of a region, as mmap's PROT_*. */
export const Protection = {
  None: 0,
  Read: 1,
  Write: 2,
  Execute: 4,
  ReadWrite: 3,
  ReadExecute: 5,
  All: 7,
} as const;
export type Protection = number;

/** Region flags. */
export const RegionFlag = {
  /**
   * Irrevocably read-only: protection may never gain Write again. Such a range may be shared
   * between spaces with reference counts (the seed's read-only IPC sharing).
   */
  Sealed: 1,
  /** Pages are shared with another space on purpose (not copy-on-write): fork shares them writable. */
  Shared: 2,
} as const;

/** One region as an object, for reports and tests (never on a hot path). */
export interface RegionInfo {
  base: number;
  /** First address past the region. */
  ceiling: number;
  type: RegionType;
  protection: Protection;
  flags: number;
  /** For PHYS: the physical address that `base` maps. 0 otherwise. */
  physBase: number;
  name: string;
}

/** What a caller sets on a range: everything but the bounds. */
export interface RegionAttributes {
  type: RegionType;
  protection?: Protection;
  flags?: number;
  physBase?: number;
  name?: string;
}

export function protectionText(protection: Protection): string {
  return `${protection & Protection.Read ? 'r' : '-'}${protection & Protection.Write ? 'w' : '-'}${
    protection & Protection.Execute ? 'x' : '-'
  }`;
}
