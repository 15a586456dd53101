/**
 * The walk as a teacher tells it: the virtual address cut into the fields the hardware indexes
 * with, the TLB looked up first, each bit of an entry in plain words, and what the kernel does if
 * the process reads or writes the address now. Pure functions of the machine; walk-view draws them.
 */
import {
  type AddressSpace,
  PageFlags,
  type PageTableFormat,
  Protection,
  RegionFlag,
  RegionType,
  type Tlb,
} from '../../src/index.js';
import type { WalkResult } from './walk-view.js';

/** One field of a virtual address: an index into a level's table, the page offset, or the sign copies. */
export interface AddressField {
  /** 'index' of a table level, the 'offset' in the page, or 'sign' (bits the canonical form copies). */
  role: 'index' | 'offset' | 'sign';
  /** The table level the index selects in (root highest); -1 for offset and sign. */
  level: number;
  high: number;
  low: number;
  value: number;
}

/** `va` modulo 2^bits, for any bits up to 52 and a negative (sign-extended) va. */
function lowBits(va: number, bits: number): number {
  const span = 2 ** bits;
  return ((va % span) + span) % span;
}

/**
 * Cuts `va` into its fields, highest bits first: the sign copies (64-bit formats), one index a
 * level down to `leafLevel` (the level of the page the walk found; 0 when it found none), and the
 * offset inside the page, which takes the bits of the levels below a large page.
 */
export function splitAddress(format: PageTableFormat, va: number, leafLevel = 0): AddressField[] {
  const fields: AddressField[] = [];
  if (format.signExtended) {
    fields.push({ role: 'sign', level: -1, high: 63, low: format.vaBits, value: va < 0 ? 1 : 0 });
  }
  for (let level = format.levels - 1; level >= leafLevel; level--) {
    const low = format.levelShift(level);
    const high = level === format.levels - 1 ? format.vaBits - 1 : low + format.indexBits - 1;
    fields.push({ role: 'index', level, high, low, value: format.indexOf(va, level) });
  }
  const offsetBits = format.levelShift(leafLevel);
  fields.push({ role: 'offset', level: -1, high: offsetBits - 1, low: 0, value: lowBits(va, offsetBits) });
  return fields;
}

export interface TlbProbe {
  vpn: number;
  set: number;
  /** The way of the set that holds the page for this address space, or -1 (a miss). */
  way: number;
  /** The valid entries of the set: way in the set, page, ASID (-1 global), physical page. */
  entries: { way: number; va: number; asid: number; pa: number; match: boolean }[];
  /** Whether the TLB holds this space's entries now (without ASIDs, only the loaded space's). */
  loaded: boolean;
}

/** Looks `va` up in the TLB as the MMU would before walking, without counting anything. */
export function probeTlb(
  tlb: Tlb,
  space: AddressSpace,
  va: number,
  loadedRoot: number,
  hasAsids: boolean,
): TlbProbe {
  const vpn = Math.floor(va / 4096);
  const set = vpn & tlb.setMask;
  const loaded = hasAsids || loadedRoot === space.root;
  const way = loaded ? tlb.find(vpn, space.asid) : -1;
  const entries = tlb
    .snapshot()
    .filter((entry) => Math.floor(entry.index / tlb.ways) === set)
    .map((entry) => ({
      way: entry.index % tlb.ways,
      va: entry.va,
      asid: entry.global ? -1 : entry.asid,
      pa: entry.pa,
      match: entry.index === way,
    }));
  return { vpn, set, way: way < 0 ? -1 : way % tlb.ways, entries, loaded };
}

/** What happens on an access, as the fault handler would decide it. */
export type Outcome =
  | 'translates'
  | 'sets-dirty'
  | 'segfault'
  | 'demand-zero'
  | 'phys'
  | 'cow-copy'
  | 'cow-takeover';

export interface AccessPrediction {
  access: 'read' | 'write';
  outcome: Outcome;
  /** One sentence: what the hardware and then the kernel do. */
  text: string;
}

/**
 * What a read and a write at `va` by the space's own mode would do now: translate, fault and be
 * refused (SIGSEGV), or fault and be resolved (a zeroed frame, the region's PHYS frame, a
 * copy-on-write copy or takeover). Mirrors the kernel's fault path, so a test can do the access
 * and compare.
 */
export function predictAccesses(
  space: AddressSpace,
  result: WalkResult,
  refCount: Uint16Array,
): AccessPrediction[] {
  return (['read', 'write'] as const).map((access) => predict(space, result, refCount, access));
}

function predict(
  space: AddressSpace,
  result: WalkResult,
  refCount: Uint16Array,
  access: 'read' | 'write',
): AccessPrediction {
  const regions = space.regions;
  const va = result.va;
  const i = regions.find(va);
  const refuse = (why: string): AccessPrediction => ({
    access,
    outcome: 'segfault',
    text: `The ${access} faults and the kernel refuses it: ${why}. The process gets SIGSEGV.`,
  });
  const leaf = result.levels.at(-1)?.entry;
  const present = result.pa >= 0 && leaf?.kind === 'page';
  if (i < 0 || regions.type(i) === RegionType.Free)
    return refuse(present ? 'no region of this process holds the address' : 'no region maps this address');
  let protection = regions.protection(i);
  if (protection & Protection.Write) protection |= Protection.Read;
  const needed = access === 'read' ? Protection.Read : Protection.Write;
  if (!(protection & needed))
    return refuse(`the region does not allow ${access === 'read' ? 'reading' : 'writing'}`);
  if (!present) {
    if (regions.type(i) === RegionType.Phys)
      return {
        access,
        outcome: 'phys',
        text: `The ${access} faults (not present); the region maps device or physical memory, so the kernel maps the frame it names and the access is retried.`,
      };
    return {
      access,
      outcome: 'demand-zero',
      text: `The ${access} faults (not present); the region allows it, so the kernel takes a free frame, fills it with zeros, maps it and retries: a minor fault, the first touch of the page.`,
    };
  }
  const flags = leaf?.flags ?? 0;
  if (access === 'read')
    return { access, outcome: 'translates', text: `The read translates to ${hexOf(result.pa)}: no fault.` };
  if (flags & PageFlags.Write) {
    if (!(flags & PageFlags.Dirty))
      return {
        access,
        outcome: 'sets-dirty',
        text: 'The write is allowed: the walker sets the D (dirty) bit on the way, and the kernel is not involved.',
      };
    return { access, outcome: 'translates', text: 'The write translates: no fault.' };
  }
  // A read-only entry in a writable region: copy-on-write is pending.
  const frame = Math.floor(result.pa / 4096);
  const holders = refCount[frame];
  const shared = regions.type(i) === RegionType.Phys || (regions.flags(i) & RegionFlag.Shared) !== 0;
  if (shared || holders <= 1)
    return {
      access,
      outcome: 'cow-takeover',
      text: `The write faults (protection: the entry is read-only). ${
        shared ? 'The region is shared on purpose' : 'No one else holds the frame any more (refcount 1)'
      }, so the kernel just sets the write bit and flushes this page from the TLB; no copy.`,
    };
  return {
    access,
    outcome: 'cow-copy',
    text: `The write faults (protection: the entry is read-only, copy-on-write). The frame has ${holders} holders, so the kernel copies it into a new frame of this process, maps the copy writable and drops one reference to the old one.`,
  };
}

function hexOf(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/**
 * A field of an entry in plain words, for the level it is at: what it means here and now, not
 * just its name. Returns '' for fields that say nothing a student needs (cache control, PAT).
 */
export function plainWords(
  name: string,
  value: number,
  context: { leaf: boolean; regionWritable: boolean; refCount: number },
): string {
  const { leaf, regionWritable, refCount } = context;
  switch (name) {
    case 'P':
    case 'V':
      return value
        ? 'present: the walker may use this entry'
        : 'not present: any access here faults to the kernel';
    case 'R/W':
    case 'W':
      if (value)
        return leaf
          ? 'writes allowed'
          : 'writes allowed below this entry (if the lower levels allow them too)';
      if (leaf && regionWritable)
        return refCount > 1
          ? `read-only although the region is writable: copy-on-write is pending (${refCount} holders); the first write faults and copies`
          : 'read-only although the region is writable: copy-on-write is pending; the first write faults and the kernel takes the frame over';
      return leaf ? 'read-only: a write faults' : 'read-only for everything below';
    case 'U/S':
    case 'U':
      return value ? 'user mode may use it' : 'kernel only: a user access faults';
    case 'A':
      return value
        ? 'accessed: the walker set it on a use (the kernel reads it to age pages)'
        : 'not used since it was cleared';
    case 'D':
      return value
        ? 'dirty: written since mapped (it must be saved before the frame is reused)'
        : 'clean: not written yet';
    case 'G':
      return value ? 'global: its TLB entry survives an address-space switch' : '';
    case 'PS':
      return value ? 'a large page ends the walk here' : '';
    case 'XD':
      return value ? 'no execute: an instruction fetch faults' : '';
    case 'X':
      return value ? 'instructions may be fetched' : '';
    case 'R':
      return value ? 'readable' : leaf ? 'not readable' : 'R, W, X all 0: points to the next table';
    default:
      return '';
  }
}
