/**
 * The readable rendering of a MachineReport: plain text, fixed-width columns, no colours (the
 * terminal and the browser's report panel show the same lines).
 */
import { bytes, hex } from '../common/format.js';
import type { HeapReport, MachineReport, PhysicalReport, ProcessReport } from './report.js';

export function renderReport(report: MachineReport): string {
  const sections = [
    renderMachine(report),
    renderPhysical(report.physical),
    ...renderProcesses(report.processes),
    renderTlb(report),
    renderPageTables(report),
    ...(report.ipc === undefined ? [] : [renderIpc(report)]),
  ];
  return `${sections.join('\n\n')}\n`;
}

/** With more processes than this, the first DETAILED are drawn in full and all are listed in a table. */
const MAX_DETAILED = 8;
const DETAILED = 3;

export function renderProcesses(processes: readonly ProcessReport[]): string[] {
  if (processes.length <= MAX_DETAILED) return processes.map(renderProcess);
  const table = [
    `Processes (${processes.length}; the first ${DETAILED} drawn above)`,
    `  ${'pid'.padStart(5)}  ${'name'.padEnd(16)}  ${'resident'.padStart(8)}  ${'tables'.padStart(6)}  ${'regions'.padStart(7)}  ${'heap live'.padStart(10)}  ${'footprint'.padStart(10)}  util`,
  ];
  for (const p of processes) {
    const used = p.regions.filter((r) => r.type !== 'free').length;
    const h = p.heap;
    table.push(
      `  ${String(p.pid).padStart(5)}  ${p.name.padEnd(16)}  ${String(p.residentPages).padStart(8)}  ${String(p.pageTableFrames).padStart(6)}  ${String(used).padStart(7)}  ${(h ? bytes(h.liveBytes) : '-').padStart(10)}  ${(h ? bytes(h.footprint) : '-').padStart(10)}  ${h ? `${(h.utilization * 100).toFixed(1)}%` : '-'}`,
    );
  }
  return [...processes.slice(0, DETAILED).map(renderProcess), table.join('\n')];
}

/** Most regions listed for one process; the rest are summed up in a line. */
const MAX_REGION_LINES = 48;

/** The swap part of a process's fault line, when it has swapped (major faults apart from minor ones). */
function swapFaults(p: ProcessReport): string {
  const { swapIn, swapCache } = p.faults;
  if (swapIn === 0 && swapCache === 0 && p.swappedPages === 0) return '';
  return `; major: ${swapIn} read from swap; minor: ${swapCache} from the swap cache; ${p.swappedPages} pages swapped out`;
}

export function renderProcess(p: ProcessReport): string {
  const width = p.regions.some((r) => r.ceiling > 0xffffffff || r.base < 0) ? 18 : 10;
  const lines = [
    `Process ${p.name} (pid ${p.pid}): ${p.residentPages} resident pages (${bytes(p.residentPages * 4096)}), ${p.pageTableFrames} page-table frames`,
    `  faults: ${p.faults.demandZero} demand-zero, ${p.faults.phys} phys, ${p.faults.cowCopy} copy-on-write copies, ${p.faults.cowTakeover} takeovers${swapFaults(p)}`,
    `  ${'base'.padEnd(width)}  ${'ceiling'.padEnd(width)}  ${'type'.padEnd(5)}  prot  ${'mapped'.padStart(7)}  name`,
  ];
  for (const r of p.regions.slice(0, MAX_REGION_LINES)) {
    const extra = [r.name, ...r.flags, r.physBase === undefined ? '' : `-> ${hex(r.physBase)}`]
      .filter((x) => x !== '')
      .join(' ');
    const mapped = r.type === 'free' ? '' : `${r.mappedPages}/${Math.round((r.ceiling - r.base) / 4096)}`;
    lines.push(
      `  ${hex(r.base).padEnd(width)}  ${hex(r.ceiling).padEnd(width)}  ${r.type.toUpperCase().padEnd(5)}  ${r.type === 'free' ? '   ' : r.protection}   ${mapped.padStart(7)}  ${extra}`.trimEnd(),
    );
  }
  if (p.regions.length > MAX_REGION_LINES)
    lines.push(`  ... ${p.regions.length - MAX_REGION_LINES} more regions`);
  if (p.heap !== undefined) lines.push(renderHeap(p.heap));
  return lines.join('\n');
}

export function renderHeap(h: HeapReport): string {
  const lines = [
    `  heap: ${h.liveBlocks} live blocks, ${bytes(h.liveBytes)} live in ${bytes(h.footprint)} of areas (utilization ${(h.utilization * 100).toFixed(1)}%, peak footprint ${bytes(h.peakFootprint)})`,
    `        ${h.areas} areas, ${h.slabs} slabs, ${h.largeBlocks} large blocks`,
  ];
  if (h.classes.length > 0) {
    lines.push(
      `        size classes: ${h.classes.map((c) => `${c.size}: ${c.liveBlocks}/${c.capacity} in ${c.slabs}`).join(', ')}`,
    );
  }
  return lines.join('\n');
}

function renderTlb(report: MachineReport): string {
  const t = report.tlb;
  return [
    'TLB',
    `  ${t.entries} entries, ${t.ways}-way: ${t.hits} hits, ${t.misses} misses (hit rate ${(t.hitRate * 100).toFixed(1)}%), ${t.flushes} flushes, ${t.evictions} evictions`,
    `  ${t.walks} page-table walks, ${t.faults} page faults`,
  ].join('\n');
}

function renderIpc(report: MachineReport): string {
  const i = report.ipc!;
  return [
    'IPC',
    `  ${i.messagesSent} messages sent (${i.copies} copy, ${i.moves} move, ${i.shares} share), ${i.messagesReceived} received, ${i.inFlight} in flight, ${i.messagesDropped} dropped at exit`,
    `  ${bytes(i.bytesCopied)} copied, against ${i.pagesMoved} pages moved and ${i.pagesShared} pages shared without a copy`,
  ].join('\n');
}

function renderPageTables(report: MachineReport): string {
  const t = report.pageTables;
  return [
    'Page tables',
    `  ${t.format}: ${t.tablePages} table pages (${bytes(t.bytes)}), of which ${t.kernelTablePages} the kernel's`,
  ].join('\n');
}

function renderMachine(report: MachineReport): string {
  const m = report.machine;
  return [
    'Machine',
    `  ${bytes(m.ramBytes)} of physical address space, ${m.paging} page tables, TLB ${m.tlbEntries} entries ${m.tlbWays}-way,`,
    `  ${m.allocator} frame allocator, frames filled with ${m.fill === 'junk' ? 'junk (0x5a)' : m.fill === 'zero' ? 'zeros' : 'nothing (old bytes stay)'}`,
  ].join('\n');
}

function frames(n: number): string {
  return `${n} ${n === 1 ? 'frame' : 'frames'} (${bytes(n * 4096)})`;
}

/** The text lists at most this many frame holders and runs; the JSON has more. */
const MAX_TEXT_OWNERS = 12;
const MAX_TEXT_RUNS = 32;

export function renderPhysical(p: PhysicalReport): string {
  const s = p.stats;
  const lines = [
    'Physical memory',
    `  ${s.totalFrames} frames of 4 KiB: ${s.usableFrames} usable, ${s.reservedFrames} reserved`,
    `  free ${frames(s.freeFrames)}, allocated ${frames(s.allocatedFrames)}`,
    `  largest free run ${frames(s.largestFreeRun)}, fragmentation ${s.fragmentation.toFixed(3)}`,
  ];
  if (p.byOwner.length > 0) {
    lines.push('  allocated by:');
    for (const o of p.byOwner.slice(0, MAX_TEXT_OWNERS)) {
      const uses = Object.entries(o.byUse)
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([use, n]) => `${use} ${n}`)
        .join(', ');
      lines.push(`    ${o.owner.padEnd(16)} ${String(o.frames).padStart(8)} frames  (${uses})`);
    }
    const rest = p.byOwner.slice(MAX_TEXT_OWNERS);
    if (rest.length > 0) {
      const frames = rest.reduce((n, o) => n + o.frames, 0);
      lines.push(`    ... ${rest.length} more holders with ${frames} frames`);
    }
  }
  lines.push('', '  Boot memory map');
  lines.push(`    ${'base'.padEnd(10)}  ${'end'.padEnd(10)}  ${'size'.padStart(10)}  type`);
  for (const r of p.ranges) {
    const label = r.label ? `  ${r.label}` : '';
    lines.push(
      `    ${hex(r.base)}  ${hex(r.base + r.length)}  ${bytes(r.length).padStart(10)}  ${r.type.padEnd(8)}${label}`.trimEnd(),
    );
  }
  lines.push('', '  Frames in address order');
  lines.push(`    ${'base'.padEnd(10)}  ${'end'.padEnd(10)}  ${'frames'.padStart(8)}  state`);
  for (const run of p.runs.slice(0, MAX_TEXT_RUNS)) {
    const who = run.state === 'allocated' ? `allocated  ${run.use} of ${run.owner}` : run.state;
    lines.push(
      `    ${hex(run.base)}  ${hex(run.base + run.frames * 4096)}  ${String(run.frames).padStart(8)}  ${who}`,
    );
  }
  const more = p.runsLeftOut + Math.max(0, p.runs.length - MAX_TEXT_RUNS);
  if (more > 0) lines.push(`    ... ${more} more runs`);
  return lines.join('\n');
}
