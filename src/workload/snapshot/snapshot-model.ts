/**
 * Builds a snapshot's address space in the model under one page-table format (regions with their
 * protections and names, every present page faulted in) and counts the page tables it needs.
 * Used by `pageframe snapshot` and by the scenario statement that loads a snapshot.
 */
import { Kernel } from '../../kernel/kernel.js';
import type { Process } from '../../kernel/process.js';
import { Access } from '../../mmu/flags.js';
import { createFormat } from '../../mmu/formats.js';
import type { FormatName } from '../../mmu/page-table-format.js';
import { MAX_PHYSICAL_BYTES } from '../../phys/physical-memory.js';
import type { AddressSpace } from '../../vm/address-space.js';
import { DEFAULT_REGION_LIMIT } from '../../vm/region-map.js';
import { Protection } from '../../vm/region-types.js';
import {
  forEachRunPage,
  type ProcessSnapshot,
  runPages,
  SNAPSHOT_PAGE_SIZE,
  type SnapshotRegion,
} from './snapshot-file.js';

/**
 * Address bits one root entry covers. Moving a region by a multiple of it keeps every table below
 * the root exactly as it was, which is how a layout too high for a format is brought down.
 */
const ROOT_ENTRY_SHIFT: Record<FormatName, number> = { i386: 22, sv39: 30, 'x86-64': 39 };

export interface SnapshotModel {
  format: FormatName;
  /** False when the regions do not fit the format's user half even when moved: nothing was built. */
  fits: boolean;
  /** Whether the regions were moved down by whole root entries to fit. */
  relocated: boolean;
  /** Regions in the model: Linux's, less adjacent ones with the same attributes, which merge. */
  regions: number;
  residentPages: number;
  /** Table pages the process needs, its root included, and their bytes. */
  tablePages: number;
  pageTableBytes: number;
  /** Why the format could not hold the snapshot, or how it was placed; '' when nothing to say. */
  note: string;
  /** The machine and the process, when built (for scenarios and tests). */
  kernel?: Kernel;
  process?: Process;
}

/** A region as placed in a format's user half. */
export interface PlacedRegion {
  region: SnapshotRegion;
  base: number;
}

/**
 * Places the regions in `format`'s user half: where they are when they fit, else each used root
 * entry moved down to the next free one from entry 1 (order and every offset inside an entry
 * kept). Returns undefined when more root entries are used than the user half has.
 */
export function placeSnapshot(snapshot: ProcessSnapshot, format: FormatName): PlacedRegion[] | undefined {
  const { regions } = snapshot;
  const userEnd = createFormat(format).userEnd;
  if (regions.every((region) => region.end <= userEnd)) {
    return regions.map((region) => ({ region, base: region.start }));
  }
  const span = 2 ** ROOT_ENTRY_SHIFT[format];
  const slots = new Map<number, number>(); // old root entry -> new one
  for (const region of regions) {
    const last = Math.floor((region.end - 1) / span);
    for (let slot = Math.floor(region.start / span); slot <= last; slot++) {
      if (!slots.has(slot)) slots.set(slot, slots.size + 1);
      if (slots.size + 1 > userEnd / span) return undefined;
    }
  }
  return regions.map((region) => {
    const slot = Math.floor(region.start / span);
    return { region, base: (slots.get(slot) as number) * span + (region.start - slot * span) };
  });
}

/** How a placement moved the regions, in a line ('' when they stay where Linux had them). */
export function placementNote(placed: PlacedRegion[], format: FormatName): string {
  if (placed.every(({ region, base }) => region.start === base)) return '';
  const mib = 2 ** (ROOT_ENTRY_SHIFT[format] - 20);
  const span = mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`;
  return `moved down by whole ${span} root entries to fit ${format}'s user half (every table below the root unchanged)`;
}

function protectionOf(perms: string): number {
  return (
    (perms[0] === 'r' ? Protection.Read : 0) |
    (perms[1] === 'w' ? Protection.Write : 0) |
    (perms[2] === 'x' ? Protection.Execute : 0)
  );
}

/** The access a page of a region with `protection` is touched with. */
function touchAccess(protection: number): Access {
  if (protection & Protection.Read) return Access.Read;
  if (protection & Protection.Execute) return Access.Execute;
  return Access.Write;
}

/**
 * Maps the placed regions into `space` (anonymous, with Linux's protections and names) and faults
 * each present and swapped page in. Throws what the space throws (LimitError at its region
 * limit, OutOfMemoryError); the caller ends the process to undo a partial build.
 */
export function buildSnapshot(space: AddressSpace, placed: PlacedRegion[]): void {
  for (const { region, base: at } of placed) {
    const protection = protectionOf(region.perms);
    const hasPages = region.present.length + region.swapped.length > 0;
    // A page Linux keeps behind PROT_NONE is touched through a readable mapping first.
    const mapped = protection === Protection.None && hasPages ? Protection.Read : protection;
    space.mapAnon(region.end - region.start, { at, protection: mapped, name: region.name });
    const access = touchAccess(mapped);
    const touch = (va: number) => {
      space.access(va, access);
    };
    forEachRunPage(region.present, at, touch);
    forEachRunPage(region.swapped, at, touch);
    if (mapped !== protection) space.protect(at, region.end - region.start, protection);
  }
}

/** Table pages a layout can need at most for `pages` resident pages: bounds the RAM to boot. */
function tableBound(placed: PlacedRegion[]): number {
  const leafTables = new Set<number>();
  for (const { region, base } of placed) {
    forEachRunPage(region.present, base, (va) => leafTables.add(Math.floor(va / 2 ** 21)));
    forEachRunPage(region.swapped, base, (va) => leafTables.add(Math.floor(va / 2 ** 21)));
  }
  return leafTables.size * 3 + 8;
}

/**
 * Builds the snapshot under `format` on a machine sized for it (RAM for every resident page and
 * its tables, a region table as large as the process's), faulting every present and swapped page
 * in. `keep` keeps the machine in the result.
 */
export function modelSnapshot(
  snapshot: ProcessSnapshot,
  format: FormatName,
  options: { keep?: boolean } = {},
): SnapshotModel {
  const placed = placeSnapshot(snapshot, format);
  const base = { format, relocated: false, regions: 0, residentPages: 0, tablePages: 0, pageTableBytes: 0 };
  if (!placed) {
    return {
      ...base,
      fits: false,
      note: `the regions use more ${2 ** (ROOT_ENTRY_SHIFT[format] - 20)} MiB root entries than ${format}'s user half has`,
    };
  }
  const relocated = placed.some(({ region, base: at }) => at !== region.start);
  let pages = 0;
  for (const { region } of placed) pages += runPages(region.present) + runPages(region.swapped);
  const frames = pages + tableBound(placed) + 1024; // + the kernel's image, tables and heap
  const ramBytes = Math.ceil((frames * SNAPSHOT_PAGE_SIZE + 8 * 2 ** 20) / 2 ** 22) * 2 ** 22;
  if (ramBytes > MAX_PHYSICAL_BYTES) {
    return { ...base, fits: false, note: `${pages} resident pages need more than the model's 4 GiB of RAM` };
  }
  const kernel = new Kernel({
    format,
    ramBytes,
    regionLimit: Math.max(DEFAULT_REGION_LIMIT, placed.length * 2 + 16),
  });
  const tablesBefore = kernel.pageTables.tablePageCount;
  const process = kernel.createProcess(snapshot.command);
  const space = process.space;
  buildSnapshot(space, placed);
  const tablePages = kernel.pageTables.tablePageCount - tablesBefore;
  const result: SnapshotModel = {
    format,
    fits: true,
    relocated,
    regions: space.regions.usedRegions().length,
    residentPages: space.residentBytes() / SNAPSHOT_PAGE_SIZE,
    tablePages,
    pageTableBytes: tablePages * SNAPSHOT_PAGE_SIZE,
    note: placementNote(placed, format),
  };
  if (options.keep) {
    result.kernel = kernel;
    result.process = process;
  }
  return result;
}

/** What 2 MiB pages would change, wherever a whole aligned 2 MiB lies in private anonymous memory. */
export interface HugePageWhatIf {
  /** 2 MiB ranges that would be one huge page each. */
  hugePages: number;
  /** Last-level tables no longer needed (a huge page is one entry of the level above). */
  leafTablesSaved: number;
  /** Resident pages then (a huge page is resident whole). */
  residentPages: number;
}

const HUGE = 2 ** 21;

/** For x86-64 and Sv39, whose 2 MiB pages are one entry of the second-to-last level. */
export function hugePageWhatIf(snapshot: ProcessSnapshot): HugePageWhatIf {
  const used = new Map<number, number>(); // 2 MiB slot -> pages present
  const eligible = new Set<number>();
  for (const region of snapshot.regions) {
    const count = (va: number) => {
      const slot = Math.floor(va / HUGE);
      used.set(slot, (used.get(slot) ?? 0) + 1);
    };
    forEachRunPage(region.present, region.start, count);
    forEachRunPage(region.swapped, region.start, count);
    if (!(region.perms === 'rw-p' && (region.name === '' || region.name === '[heap]'))) continue;
    for (let slot = Math.ceil(region.start / HUGE); (slot + 1) * HUGE <= region.end; slot++)
      eligible.add(slot);
  }
  let hugePages = 0;
  let residentPages = 0;
  for (const [slot, pages] of used) {
    if (eligible.has(slot)) hugePages++;
    else residentPages += pages;
  }
  return { hugePages, leafTablesSaved: hugePages, residentPages: residentPages + hugePages * 512 };
}
