/** Test helpers for the MMU layer: deterministic frame sources, table snapshots, a small machine. */
import { OutOfMemoryError } from '../../src/common/errors.js';
import { createFormat } from '../../src/mmu/formats.js';
import { Mmu } from '../../src/mmu/mmu.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import type { FrameUse } from '../../src/phys/frame-table.js';
import { PhysicalMemory } from '../../src/phys/physical-memory.js';
import type { FrameSource } from '../../src/phys/types.js';

/**
 * Hands out frames in ascending order from `base` (so golden tests know every table's address)
 * and reuses released ones lowest first. `limit` makes it run out after that many live frames.
 */
export class SequentialFrames implements FrameSource {
  readonly memory: PhysicalMemory;
  private next: number;
  private readonly freed: number[] = [];
  readonly live = new Set<number>();
  limit = Number.POSITIVE_INFINITY;
  allocations = 0;

  constructor(memory: PhysicalMemory, base: number) {
    this.memory = memory;
    this.next = base;
  }

  allocFrame(_use: FrameUse, _owner: number): number {
    if (this.live.size >= this.limit) throw new OutOfMemoryError('test frame source: limit reached');
    this.freed.sort((a, b) => b - a);
    const pa = this.freed.pop() ?? this.take();
    this.memory.zeroFrame(pa >>> 12);
    this.live.add(pa);
    this.allocations++;
    return pa;
  }

  retain(_pa: number): void {}

  setOwner(_pa: number, _use: FrameUse, _owner: number): void {}

  release(pa: number): boolean {
    if (!this.live.delete(pa)) throw new Error(`test frame source: ${pa} released but not live`);
    // Junk in freed frames: a table page reused without zeroing would show it.
    this.memory.fill(pa, 4096, 0x5a);
    this.freed.push(pa);
    return true;
  }

  private take(): number {
    const pa = this.next;
    this.next += 4096;
    return pa;
  }
}

/** The non-zero entries of a table page: index -> [lo, hi]. */
export function nonZeroEntries(
  memory: PhysicalMemory,
  tablePa: number,
  entryBytes: number,
): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let i = 0; i < 4096 / entryBytes; i++) {
    const lo = memory.read32(tablePa + i * entryBytes);
    const hi = entryBytes === 8 ? memory.read32(tablePa + i * entryBytes + 4) : 0;
    if (lo !== 0 || hi !== 0) out.set(i, entryBytes === 8 ? [lo, hi] : [lo]);
  }
  return out;
}

/** The bytes of one table page, as little-endian bytes from RAM. */
export function bytesAt(memory: PhysicalMemory, pa: number, length: number): number[] {
  const out = new Uint8Array(length);
  memory.read(pa, out);
  return [...out];
}

/** A copy of every table page's bytes and the counts, to prove a failed call changed nothing. */
export function snapshotTables(pt: PageTables): string {
  const parts: string[] = [String(pt.tablePageCount)];
  const seen = new Set<number>();
  const f = pt.format;
  const page = new Uint8Array(4096);
  const visit = (table: number, level: number): void => {
    if (seen.has(table)) return;
    seen.add(table);
    pt.memory.read(table, page);
    parts.push(`${table}:${pt.presentCount[table >>> 12]}:${Buffer.from(page).toString('base64')}`);
    if (level === 0) return;
    const e = new Uint32Array(2);
    for (let i = 0; i < f.entriesPerTable; i++) {
      pt.readEntry(table, i, e);
      if (f.isPresent(e[0], e[1]) && !f.isLeaf(e[0], e[1], level))
        visit(f.addressOf(e[0], e[1], level), level - 1);
    }
  };
  for (const root of pt.roots()) visit(root, f.levels - 1);
  return parts.join('|');
}

/**
 * 64 MiB of RAM, one root of the format's tables from frames handed out from 1 MiB, and an MMU
 * with that root active and its counters at zero (the CR3 write counts as a flush on x86).
 */
export function mmuMachine(name: FormatName, tlb = { entries: 64, ways: 4 }) {
  const memory = new PhysicalMemory(64 * 1024 * 1024);
  const frames = new SequentialFrames(memory, 0x100000);
  const pt = new PageTables(createFormat(name), memory, frames);
  const root = pt.createRoot(1);
  const mmu = new Mmu(pt, tlb);
  mmu.setRoot(root, name === 'i386' ? 0 : 1);
  mmu.tlb.resetCounters();
  return { memory, pt, root, mmu };
}
