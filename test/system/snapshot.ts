/**
 * Test helper: the whole machine as one comparable value, so a refused operation can be proven
 * to have changed nothing. Used by the system model test, the failure-injection and bad-input tests.
 */
import type { Heap } from '../../src/heap/heap.js';
import type { Mailbox } from '../../src/ipc/mailbox.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { FrameState, FrameUse } from '../../src/phys/frame-table.js';

const PAGE = 4096;

/**
 * The Accessed and Dirty bits of each format's entries: status the MMU sets on any access, even
 * one of an operation that fails later, so table pages are compared without them (x86: bits 5
 * and 6; Sv39: bits 6 and 7).
 */
const STATUS_BITS: Record<FormatName, number> = { i386: 0x60, 'x86-64': 0x60, sv39: 0xc0 };

/** What the snapshot covers beyond the kernel itself. */
export interface SnapshotExtras {
  /** Heaps by a name the test chooses (a process's heap, the kernel heap). */
  heaps?: ReadonlyMap<string, Heap> | Record<string, Heap>;
}

/** FNV-1a over one frame's bytes: a frame whose bytes changed shows up by number. */
function frameHash(words: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  return h >>> 0;
}

function heapState(heap: Heap) {
  return {
    stats: heap.stats(),
    blocks: heap.blocks(),
    mapped: heap.mappedRanges(),
    peak: heap.peakFootprint,
  };
}

/**
 * Every frame's state, use, owner and reference count (use and owner only where allocated: a free
 * frame's are stale by design), a hash of the bytes of every allocated frame (page tables without
 * their entries' Accessed and Dirty bits, user pages, messages, direct frames), each process's regions,
 * present pages and ASID, the kernel's space, the TLB's valid entries, every mailbox's messages
 * with the frames they hold, the IPC counters, and the heaps' statistics, blocks and mapped ranges.
 * Which frames are free is compared; how the allocator arranges them (its free lists' order, its
 * cache of single frames, how far buddies are merged) is left out: a frame allocated and freed
 * again within a failed operation may come back to a different list, and no caller can see it.
 */
export function machineSnapshot(kernel: Kernel, extras: SnapshotExtras = {}) {
  const frames = kernel.pmm.frames;
  const memory = kernel.pmm.memory;
  const frameCount = frames.frameCount;
  const frameRows: Array<[number, number, number, number, number]> = [];
  const bytes = new Uint8Array(PAGE);
  const words = new Uint32Array(bytes.buffer);
  const statusBits = STATUS_BITS[kernel.pageTables.format.name];
  for (let pfn = 0; pfn < frameCount; pfn++) {
    if (frames.state[pfn] !== FrameState.Allocated) continue;
    memory.read(pfn * PAGE, bytes);
    if (frames.use[pfn] === FrameUse.PageTable) {
      // Entries are 32-bit words (i386) or the low words of 64-bit ones: both hold the bits there.
      const step = kernel.pageTables.format.name === 'i386' ? 1 : 2;
      for (let i = 0; i < words.length; i += step) words[i] &= ~statusBits;
    }
    frameRows.push([pfn, frames.use[pfn], frames.owner[pfn], frames.refCount[pfn], frameHash(words)]);
  }
  const heaps: Record<string, ReturnType<typeof heapState>> = {};
  const given = extras.heaps;
  if (given) {
    const entries = given instanceof Map ? [...given.entries()] : Object.entries(given);
    for (const [name, heap] of entries) heaps[name] = heapState(heap);
  }
  return {
    frameStates: Array.from(frames.state).join(''),
    allocated: frameRows,
    tablePages: kernel.pageTables.tablePageCount,
    processes: kernel.processes().map((p) => {
      const box = p.attachments.get('mailbox') as Mailbox | undefined;
      return {
        pid: p.pid,
        name: p.name,
        parent: p.parentPid,
        asid: p.asid,
        root: p.space.root,
        space: p.space.snapshot(),
        faults: { ...p.space.faults },
        mailbox: box
          ? box.messages().map((m) => ({
              id: m.id,
              kind: m.kind,
              from: m.from,
              to: m.to,
              length: m.length,
              offset: m.offset,
              frames: Array.from(m.frames),
            }))
          : null,
      };
    }),
    kernelSpace: kernel.kernelSpace.snapshot(),
    tlb: kernel.mmu.tlb.snapshot(),
    /** The root the untagged (ASID 0) entries belong to: i386 has no ASIDs and flushes on a switch. */
    tlbRoot: kernel.mmu.root,
    ipc: { ...kernel.ipc.stats, inFlight: kernel.ipc.inFlight },
    heaps,
  };
}

export type MachineSnapshot = ReturnType<typeof machineSnapshot>;

/**
 * The first way `after` differs from `before`, or null. The TLB is a cache: hardware drops entries
 * at any time (eviction, an ASID switch on i386) and fills them on any access, even one of an
 * operation that fails later; the kernel's checker proves every entry agrees with the page tables.
 * What a refused operation must not do is leave a page it already had cached translated to a
 * different frame or page size: that is compared here.
 */
export function machineDifference(before: MachineSnapshot, after: MachineSnapshot): string | null {
  const key = (entry: { va: number; asid: number }, root: number) =>
    `${entry.va}/${entry.asid}/${entry.asid === 0 ? root : ''}`;
  const cached = new Map(before.tlb.map((entry) => [key(entry, before.tlbRoot), entry]));
  for (const entry of after.tlb) {
    const old = cached.get(key(entry, after.tlbRoot));
    if (old && (old.pa !== entry.pa || old.pageSize !== entry.pageSize)) {
      return `machine.tlb: the entry for ${entry.va.toString(16)} (ASID ${entry.asid}) maps ${entry.pa.toString(16)}, was ${old.pa.toString(16)}`;
    }
  }
  const rest = { ...before, tlb: [], tlbRoot: 0 };
  const now = { ...after, tlb: [], tlbRoot: 0 };
  if (JSON.stringify(rest) === JSON.stringify(now)) return null;
  for (let i = 0; i < Math.min(rest.allocated.length, now.allocated.length); i++) {
    const [pfn, use, owner, refs, hash] = rest.allocated[i];
    const row = now.allocated[i];
    if (row[0] === pfn && row.some((value, k) => value !== rest.allocated[i][k])) {
      return `machine.allocated: frame ${(pfn * PAGE).toString(16)} was [use ${use}, owner ${owner}, references ${refs}, bytes ${hash.toString(16)}], now [use ${row[1]}, owner ${row[2]}, references ${row[3]}, bytes ${row[4].toString(16)}]`;
    }
  }
  return snapshotDifference(rest, now);
}

/** The first difference between two snapshots as a path and both values, or null when equal. */
export function snapshotDifference(before: unknown, after: unknown, path = 'machine'): string | null {
  if (Object.is(before, after)) return null;
  if (typeof before !== 'object' || typeof after !== 'object' || before === null || after === null) {
    return `${path}: ${JSON.stringify(before)} became ${JSON.stringify(after)}`;
  }
  if (Array.isArray(before) !== Array.isArray(after)) return `${path}: an array and a non-array`;
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  if (Array.isArray(before) && (before as unknown[]).length !== (after as unknown[]).length) {
    return `${path}: length ${(before as unknown[]).length} became ${(after as unknown[]).length} (${JSON.stringify(before).slice(0, 300)} became ${JSON.stringify(after).slice(0, 300)})`;
  }
  for (const key of keys) {
    const difference = snapshotDifference(a[key], b[key], `${path}.${key}`);
    if (difference) return difference;
  }
  return null;
}
