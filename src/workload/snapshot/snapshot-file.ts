/**
 * The snapshot of a live Linux process (docs/snapshot.md): its regions and which of their pages
 * were present, as `pageframe snapshot` reads them from /proc and as the scenario language and the
 * playground load them. Here: the file's shape, the parsers of the /proc texts, and the check
 * that a loaded file is well formed. No Node imports: the browser loads snapshots too.
 */
import { InvalidArgumentError } from '../../common/errors.js';

/** Written in every snapshot file, so a loader can tell one from any other JSON. */
export const SNAPSHOT_KIND = 'pageframe-process-snapshot';
export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_PAGE_SIZE = 4096;

/** One mapping (VMA) of the process, as a line of /proc/PID/maps and its pages. */
export interface SnapshotRegion {
  /** First address and one past the last, in bytes. */
  start: number;
  end: number;
  /** Linux's permission text: "r-xp", "rw-s", "---p". */
  perms: string;
  /** The mapped file, [heap], [stack], [vdso], ... or '' for anonymous memory. */
  name: string;
  /** Present pages as runs: [first page, page count, first page, page count, ...], pages from `start`. */
  present: number[];
  /** Swapped-out pages (Linux keeps a swap entry in their page table), the same way. */
  swapped: number[];
  /** Bytes of the region Linux maps with 2 MiB pages (smaps AnonHugePages). */
  anonHugeBytes: number;
}

/** A snapshot file. */
export interface ProcessSnapshot {
  kind: typeof SNAPSHOT_KIND;
  version: typeof SNAPSHOT_VERSION;
  pid: number;
  /** The process's command name (/proc/PID/comm). */
  command: string;
  /** What Linux reported at the time (/proc/PID/status and smaps). */
  linux: { vmRSSBytes: number; vmPTEBytes: number; anonHugePagesBytes: number };
  /** The user half's regions, in address order. */
  regions: SnapshotRegion[];
  /** Mappings in the kernel half (the vsyscall page): names and hex addresses, not modelled. */
  kernelRegions: { name: string; start: string }[];
}

/** The end of x86-64's user half: Linux's user mappings lie below it, the vsyscall page above. */
export const USER_HALF_END = 2 ** 47;

/** A region of /proc/PID/smaps before its pages are read: how much of it Linux has resident. */
export interface SmapsRegion {
  /** The address as written, for the kernel half's, whose addresses a double cannot hold. */
  startText: string;
  start: number;
  end: number;
  perms: string;
  name: string;
  rssBytes: number;
  swapBytes: number;
  anonHugeBytes: number;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) ([-r][-w][-x][ps]) [0-9a-f]+ [0-9a-f:]+ \d+\s*(.*)$/;
const FIELD = /^(\w+):\s+(\d+) kB$/;

/** Parses /proc/PID/smaps (or maps, whose lines are smaps' headers: then sizes are 0). */
export function parseSmaps(text: string): SmapsRegion[] {
  const regions: SmapsRegion[] = [];
  let current: SmapsRegion | undefined;
  for (const line of text.split('\n')) {
    const header = HEADER.exec(line);
    if (header) {
      current = {
        startText: header[1],
        start: Number.parseInt(header[1], 16),
        end: Number.parseInt(header[2], 16),
        perms: header[3],
        name: header[4],
        rssBytes: 0,
        swapBytes: 0,
        anonHugeBytes: 0,
      };
      regions.push(current);
      continue;
    }
    const field = FIELD.exec(line);
    if (!field || !current) continue;
    const bytes = Number(field[2]) * 1024;
    if (field[1] === 'Rss') current.rssBytes = bytes;
    else if (field[1] === 'Swap') current.swapBytes = bytes;
    else if (field[1] === 'AnonHugePages') current.anonHugeBytes = bytes;
  }
  return regions;
}

/** VmRSS and VmPTE of /proc/PID/status, in bytes (0 when absent: a kernel thread). */
export function parseStatus(text: string): { vmRSSBytes: number; vmPTEBytes: number } {
  const kib = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  };
  return { vmRSSBytes: kib('VmRSS'), vmPTEBytes: kib('VmPTE') };
}

/**
 * Reads pagemap entries (8 bytes a page, little-endian: bit 63 present, bit 62 swapped) into
 * runs of present and of swapped pages, page numbers counted from `firstPage`.
 */
export function pagemapRuns(
  entries: Uint8Array,
  firstPage: number,
  into: { present: number[]; swapped: number[] },
): void {
  const words = new DataView(entries.buffer, entries.byteOffset, entries.byteLength);
  const pages = entries.byteLength >>> 3;
  let presentStart = -1;
  let swappedStart = -1;
  for (let page = 0; page <= pages; page++) {
    const high = page < pages ? words.getUint32(page * 8 + 4, true) : 0;
    const present = (high & 0x80000000) !== 0;
    const swapped = !present && (high & 0x40000000) !== 0;
    if (present && presentStart < 0) presentStart = page;
    if (!present && presentStart >= 0) {
      appendRun(into.present, firstPage + presentStart, page - presentStart);
      presentStart = -1;
    }
    if (swapped && swappedStart < 0) swappedStart = page;
    if (!swapped && swappedStart >= 0) {
      appendRun(into.swapped, firstPage + swappedStart, page - swappedStart);
      swappedStart = -1;
    }
  }
}

/** Appends a run, merging it with the last one when they touch (pagemap is read in chunks). */
function appendRun(runs: number[], first: number, count: number): void {
  const last = runs.length - 2;
  if (last >= 0 && runs[last] + runs[last + 1] === first) runs[last + 1] += count;
  else runs.push(first, count);
}

/** Pages in a run list. */
export function runPages(runs: readonly number[]): number {
  let pages = 0;
  for (let i = 1; i < runs.length; i += 2) pages += runs[i];
  return pages;
}

/** Calls `visit` with each page's address, for runs counted from `start`. */
export function forEachRunPage(runs: readonly number[], start: number, visit: (va: number) => void): void {
  for (let i = 0; i < runs.length; i += 2) {
    for (let page = runs[i]; page < runs[i] + runs[i + 1]; page++) visit(start + page * SNAPSHOT_PAGE_SIZE);
  }
}

/** Checks that `value` (parsed JSON) is a snapshot file; InvalidArgumentError says what is wrong. */
export function checkSnapshot(value: unknown, source = 'snapshot'): ProcessSnapshot {
  const bad = (what: string) => new InvalidArgumentError(`${source}: ${what}`);
  if (typeof value !== 'object' || value === null) throw bad('not a JSON object');
  const file = value as Partial<ProcessSnapshot>;
  if (file.kind !== SNAPSHOT_KIND) throw bad(`"kind" must be "${SNAPSHOT_KIND}"`);
  if (file.version !== SNAPSHOT_VERSION)
    throw bad(`version ${String(file.version)} is not ${SNAPSHOT_VERSION}`);
  if (!isCount(file.pid)) throw bad('"pid" must be a whole number');
  if (typeof file.command !== 'string') throw bad('"command" must be a string');
  const linux = file.linux;
  if (
    typeof linux !== 'object' ||
    linux === null ||
    !isCount(linux.vmRSSBytes) ||
    !isCount(linux.vmPTEBytes) ||
    !isCount(linux.anonHugePagesBytes)
  ) {
    throw bad('"linux" must hold vmRSSBytes, vmPTEBytes and anonHugePagesBytes');
  }
  if (!Array.isArray(file.regions)) throw bad('"regions" must be an array');
  if (!Array.isArray(file.kernelRegions)) throw bad('"kernelRegions" must be an array');
  let previousEnd = 0;
  file.regions.forEach((region: SnapshotRegion, i) => {
    const where = `region ${i}`;
    if (typeof region !== 'object' || region === null) throw bad(`${where} is not an object`);
    const { start, end, perms, name, present, swapped, anonHugeBytes } = region;
    if (!isCount(start) || !isCount(end) || start % SNAPSHOT_PAGE_SIZE || end % SNAPSHOT_PAGE_SIZE) {
      throw bad(`${where}: start and end must be page-aligned addresses`);
    }
    if (end <= start || start < previousEnd) throw bad(`${where}: regions must be non-empty and in order`);
    if (end > USER_HALF_END) throw bad(`${where}: ends above the user half (2^47)`);
    if (typeof perms !== 'string' || !/^[-r][-w][-x][ps]$/.test(perms)) {
      throw bad(`${where}: perms "${String(perms)}" is not like "r-xp"`);
    }
    if (typeof name !== 'string') throw bad(`${where}: "name" must be a string`);
    if (!isCount(anonHugeBytes)) throw bad(`${where}: "anonHugeBytes" must be a whole number`);
    for (const [label, runs] of [
      ['present', present],
      ['swapped', swapped],
    ] as const) {
      if (!Array.isArray(runs) || runs.length % 2 !== 0)
        throw bad(`${where}: "${label}" must be [first, count, ...]`);
      const pages = (end - start) / SNAPSHOT_PAGE_SIZE;
      for (let r = 0; r < runs.length; r += 2) {
        if (
          !isCount(runs[r]) ||
          !isCount(runs[r + 1]) ||
          runs[r + 1] === 0 ||
          runs[r] + runs[r + 1] > pages
        ) {
          throw bad(`${where}: "${label}" run ${runs[r]}+${runs[r + 1]} is outside its ${pages} pages`);
        }
      }
    }
    previousEnd = end;
  });
  return file as ProcessSnapshot;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
