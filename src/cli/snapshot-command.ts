/**
 * `pageframe snapshot PID [--out FILE] [--json]` (Linux): reads a live process's smaps, pagemap
 * and status, builds the same address space in the model under each format and compares the
 * page-table bytes with Linux's VmPTE. docs/snapshot.md describes the report and the file.
 */
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import type { FormatName } from '../mmu/page-table-format.js';
import {
  type ProcessSnapshot,
  pagemapRuns,
  parseSmaps,
  parseStatus,
  runPages,
  SNAPSHOT_KIND,
  SNAPSHOT_PAGE_SIZE,
  SNAPSHOT_VERSION,
  type SnapshotRegion,
  USER_HALF_END,
} from '../workload/snapshot/snapshot-file.js';
import {
  type HugePageWhatIf,
  hugePageWhatIf,
  modelSnapshot,
  type SnapshotModel,
} from '../workload/snapshot/snapshot-model.js';

const FORMATS: FormatName[] = ['x86-64', 'sv39', 'i386'];
/** The seed's region limit per address space. */
const SEED_REGION_LIMIT = 1000;
/** Pagemap entries read at a time (512 KiB). */
const CHUNK_PAGES = 1 << 16;

/** Reads /proc/PID into a snapshot. */
export function readProcess(pid: number): ProcessSnapshot {
  const proc = `/proc/${pid}`;
  const smaps = parseSmaps(readFileSync(`${proc}/smaps`, 'utf8'));
  const status = parseStatus(readFileSync(`${proc}/status`, 'utf8'));
  const command = readFileSync(`${proc}/comm`, 'utf8').trim();
  const regions: SnapshotRegion[] = [];
  const kernelRegions: { name: string; start: string }[] = [];
  const chunk = new Uint8Array(CHUNK_PAGES * 8);
  const pagemap = openSync(`${proc}/pagemap`, 'r');
  try {
    for (const region of smaps) {
      if (region.end > USER_HALF_END) {
        kernelRegions.push({ name: region.name, start: region.startText });
        continue;
      }
      const runs = { present: [] as number[], swapped: [] as number[] };
      // A region with nothing resident or swapped has no page to read (Node's and V8's
      // reservations run to terabytes).
      if (region.rssBytes + region.swapBytes > 0) {
        const pages = (region.end - region.start) / SNAPSHOT_PAGE_SIZE;
        for (let first = 0; first < pages; first += CHUNK_PAGES) {
          const count = Math.min(CHUNK_PAGES, pages - first);
          const position = (region.start / SNAPSHOT_PAGE_SIZE + first) * 8;
          const read = readSync(pagemap, chunk, 0, count * 8, position);
          pagemapRuns(chunk.subarray(0, read - (read % 8)), first, runs);
        }
      }
      regions.push({
        start: region.start,
        end: region.end,
        perms: region.perms,
        name: region.name,
        present: runs.present,
        swapped: runs.swapped,
        anonHugeBytes: region.anonHugeBytes,
      });
    }
  } finally {
    closeSync(pagemap);
  }
  const anonHugePagesBytes = smaps.reduce((sum, region) => sum + region.anonHugeBytes, 0);
  return {
    kind: SNAPSHOT_KIND,
    version: SNAPSHOT_VERSION,
    pid,
    command,
    linux: { ...status, anonHugePagesBytes },
    regions,
    kernelRegions,
  };
}

/** The report of a snapshot: what the JSON carries. */
export interface SnapshotReport {
  pid: number;
  command: string;
  regions: { start: number; end: number; perms: string; name: string; residentPages: number }[];
  residentPages: number;
  swappedPages: number;
  /** The model's table bytes per format, root included; null where the process does not fit. */
  pageTableBytes: Record<string, number | null>;
  /** The model's x86-64 table bytes as Linux counts them: without the root (PML4). */
  x8664BytesAsVmPTE: number | null;
  linuxVmPTEBytes: number;
  linuxVmRSSBytes: number;
  linuxAnonHugePagesBytes: number;
  formats: Omit<SnapshotModel, 'kernel' | 'process'>[];
  whatIf: { hugePages: HugePageWhatIf; regions: number; fitsSeedRegionLimit: boolean };
  /** Where the model and Linux differ, and why: one line each. */
  notes: string[];
  /** Wall-clock and CPU time of reading and modelling (the machine is shared: CPU is the steadier). */
  milliseconds: number;
  cpuMilliseconds: number;
}

/** Models a snapshot under every format and compares it with what Linux reported. */
export function reportSnapshot(
  snapshot: ProcessSnapshot,
  started = { wall: performance.now(), cpu: process.cpuUsage() },
): SnapshotReport {
  const user = snapshot.regions;
  const residentPages = user.reduce((sum, region) => sum + runPages(region.present), 0);
  const swappedPages = user.reduce((sum, region) => sum + runPages(region.swapped), 0);
  const formats = FORMATS.map((format) => modelSnapshot(snapshot, format));
  const pageTableBytes: Record<string, number | null> = {};
  for (const model of formats) pageTableBytes[model.format] = model.fits ? model.pageTableBytes : null;
  const x86 = formats[0];
  const asVmPTE = x86.fits ? x86.pageTableBytes - SNAPSHOT_PAGE_SIZE : null;
  const { vmPTEBytes, vmRSSBytes, anonHugePagesBytes } = snapshot.linux;
  const notes: string[] = [];
  for (const region of snapshot.kernelRegions) {
    notes.push(
      `${region.name || 'a region'} at ${region.start} is in the kernel half: Linux maps it with kernel tables, outside VmPTE; not modelled`,
    );
  }
  if (asVmPTE !== null) {
    const more = (vmPTEBytes - asVmPTE) / SNAPSHOT_PAGE_SIZE;
    notes.push(
      'VmPTE counts every table but the root (PML4): the model x86-64 figure less one page is compared',
    );
    if (more > 0) {
      notes.push(
        `Linux holds ${more} table page(s) more than the present pages need: it keeps a table after its pages are gone (MADV_DONTNEED, partial munmap, reclaim) until its whole range is unmapped`,
      );
    } else if (more < 0 && anonHugePagesBytes > 0) {
      notes.push(
        `Linux maps ${anonHugePagesBytes / 2 ** 21} 2 MiB range(s) with huge pages, which need no last-level table; the model maps 4 KiB pages there (${-more} table page(s) more)`,
      );
    } else if (more < 0) {
      notes.push(
        `the model needs ${-more} table page(s) more than VmPTE (the process changed while it was read?)`,
      );
    }
  }
  if (swappedPages > 0) {
    notes.push(
      `${swappedPages} swapped page(s) are faulted in as present: Linux keeps their swap entries in the same tables`,
    );
  }
  if (Math.abs(residentPages * SNAPSHOT_PAGE_SIZE - vmRSSBytes) > 64 * SNAPSHOT_PAGE_SIZE) {
    notes.push(
      `VmRSS (${vmRSSBytes / 1024} KiB) and the present pages (${(residentPages * SNAPSHOT_PAGE_SIZE) / 1024} KiB) differ: the process ran while it was read`,
    );
  }
  for (const model of formats) if (model.note) notes.push(`${model.format}: ${model.note}`);
  return {
    pid: snapshot.pid,
    command: snapshot.command,
    regions: snapshot.regions.map(({ start, end, perms, name, present }) => ({
      start,
      end,
      perms,
      name,
      residentPages: runPages(present),
    })),
    residentPages,
    swappedPages,
    pageTableBytes,
    x8664BytesAsVmPTE: asVmPTE,
    linuxVmPTEBytes: vmPTEBytes,
    linuxVmRSSBytes: vmRSSBytes,
    linuxAnonHugePagesBytes: anonHugePagesBytes,
    formats: formats.map(({ kernel: _kernel, process: _process, ...model }) => model),
    whatIf: {
      hugePages: hugePageWhatIf(snapshot),
      regions: user.length,
      fitsSeedRegionLimit: user.length <= SEED_REGION_LIMIT,
    },
    notes,
    milliseconds: Math.round(performance.now() - started.wall),
    cpuMilliseconds: Math.round(cpuMicroseconds(process.cpuUsage(started.cpu)) / 1000),
  };
}

function cpuMicroseconds(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

const kib = (bytes: number) => `${bytes / 1024} KiB`;

export function renderSnapshotReport(report: SnapshotReport): string {
  const lines = [
    `pid ${report.pid} (${report.command}): ${report.regions.length} regions, ${report.residentPages} resident pages (${kib(report.residentPages * SNAPSHOT_PAGE_SIZE)}), ${report.swappedPages} swapped`,
    `Linux: VmRSS ${kib(report.linuxVmRSSBytes)}, VmPTE ${kib(report.linuxVmPTEBytes)}, AnonHugePages ${kib(report.linuxAnonHugePagesBytes)}`,
    'format   tables  bytes',
  ];
  for (const model of report.formats) {
    const figure = model.fits
      ? `${String(model.tablePages).padStart(6)}  ${kib(model.pageTableBytes)}`
      : '     -  does not fit';
    lines.push(`${model.format.padEnd(8)} ${figure}`);
  }
  if (report.x8664BytesAsVmPTE !== null) {
    const delta = report.x8664BytesAsVmPTE - report.linuxVmPTEBytes;
    const percent = report.linuxVmPTEBytes > 0 ? ((100 * delta) / report.linuxVmPTEBytes).toFixed(1) : '-';
    lines.push(
      `x86-64 without its root ${kib(report.x8664BytesAsVmPTE)} vs VmPTE ${kib(report.linuxVmPTEBytes)}: ${delta === 0 ? 'exact' : `${percent} %`}`,
    );
  }
  const huge = report.whatIf.hugePages;
  lines.push(
    `what if 2 MiB pages wherever private anonymous memory allows: ${huge.hugePages} huge pages, ${huge.leafTablesSaved} tables fewer, ${huge.residentPages} resident pages`,
    `what if the seed's ${SEED_REGION_LIMIT}-region limit: ${report.whatIf.regions} regions ${report.whatIf.fitsSeedRegionLimit ? 'fit' : 'do not fit'}`,
  );
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push(`read and modelled in ${report.milliseconds} ms (${report.cpuMilliseconds} ms of CPU)`);
  return `${lines.join('\n')}\n`;
}

export function parsePid(value: string): number {
  const pid = value === 'self' ? process.pid : Number(value);
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`'${value}' is not a process id`);
  return pid;
}

export async function snapshotCommand(
  pidText: string,
  options: { out?: string; json?: boolean },
): Promise<void> {
  if (process.platform !== 'linux') throw new Error('snapshot reads /proc: it runs on Linux only');
  const started = { wall: performance.now(), cpu: process.cpuUsage() };
  const pid = parsePid(pidText);
  let snapshot: ProcessSnapshot;
  try {
    snapshot = readProcess(pid);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`no process ${pid}`);
    if (code === 'EACCES' || code === 'EPERM')
      throw new Error(`not allowed to read /proc/${pid} (ptrace access)`);
    throw error;
  }
  if (options.out) writeFileSync(options.out, `${JSON.stringify(snapshot)}\n`);
  const report = reportSnapshot(snapshot, started);
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : renderSnapshotReport(report));
}
