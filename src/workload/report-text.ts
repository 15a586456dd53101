/**
 * The readable rendering of a MachineReport: plain text, fixed-width columns, no colours (the
 * terminal and the browser's report panel show the same lines).
 */
import { bytes, hex } from '../common/format.js';
import type { MachineReport, PhysicalReport } from './report.js';

export function renderReport(report: MachineReport): string {
  const sections = [renderMachine(report), renderPhysical(report.physical)];
  return `${sections.join('\n\n')}\n`;
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
    for (const o of p.byOwner) {
      const uses = Object.entries(o.byUse)
        .map(([use, n]) => `${use} ${n}`)
        .join(', ');
      lines.push(`    ${o.owner.padEnd(16)} ${String(o.frames).padStart(8)} frames  (${uses})`);
    }
  }
  lines.push('', '  Boot memory map');
  lines.push(`    ${'base'.padEnd(10)}  ${'end'.padEnd(10)}  ${'size'.padStart(10)}  type`);
  for (const r of p.ranges) {
    const label = r.label ? `  ${r.label}` : '';
    lines.push(
      `    ${hex(r.base)}  ${hex(r.base + r.length)}  ${bytes(r.length).padStart(10)}  ${r.type.padEnd(8)}${label}`,
    );
  }
  lines.push('', '  Frames in address order');
  lines.push(`    ${'base'.padEnd(10)}  ${'end'.padEnd(10)}  ${'frames'.padStart(8)}  state`);
  for (const run of p.runs) {
    const who = run.state === 'allocated' ? `allocated  ${run.use} of ${run.owner}` : run.state;
    lines.push(
      `    ${hex(run.base)}  ${hex(run.base + run.frames * 4096)}  ${String(run.frames).padStart(8)}  ${who}`,
    );
  }
  if (p.runsLeftOut > 0) lines.push(`    ... ${p.runsLeftOut} more runs`);
  return lines.join('\n');
}
