/**
 * Test helper: the whole machine as one comparable value, so a refused operation can be proven
 * to have changed nothing. Used by the system model test, the failure-injection and bad-input tests.
 */
import type { Heap } from '../../src/heap/heap.js';
import type { Mailbox } from '../../src/ipc/mailbox.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { FrameState, FrameUse } from '../../src/phys/frame-table.js';
import { NO_FRAME } from '../../src/swap/swap-cache.js';
import type { AddressSpace } from '../../src/vm/address-space.js';
import { RegionType } from '../../src/vm/region-types.js';
import { forEachSwapEntry } from '../../src/vm/swap-ranges.js';

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

/**
 * A space's regions and root. Its pages are left out: every entry (without A and D) is in the
 * bytes of its table pages, which are hashed with the other allocated frames.
 */
function spaceState(space: AddressSpace) {
  return { root: space.root, regions: space.regions.regions() };
}

function heapState(heap: Heap) {
  // Each size class's slabs, live blocks and capacity, flat: its size and geometry never change.
  const { classes, ...stats } = heap.stats();
  const counts: number[] = [];
  for (const c of classes) counts.push(c.slabs, c.liveBlocks, c.capacity);
  return {
    stats: { ...stats, classes: counts },
    blocks: heap.blocks(),
    mapped: heap.mappedRanges(),
    peak: heap.peakFootprint,
  };
}

/**
 * Every frame's state, use, owner and reference count (use and owner only where allocated: a free
 * frame's are stale by design), a hash of the bytes of every allocated frame (page tables without
 * their entries' Accessed and Dirty bits, user pages, messages, direct frames), each process's regions,
 * root and ASID (its present pages are entries in its table pages' bytes), the kernel's space, the TLB's valid entries, every mailbox's messages
 * with the frames they hold, the IPC counters, and the heaps' statistics, blocks and mapped ranges.
 * Which frames are free is compared; how the allocator arranges them (its free lists' order, its
 * cache of single frames, how far buddies are merged) is left out: a frame allocated and freed
 * again within a failed operation may come back to a different list, and no caller can see it.
 */
export function machineSnapshot(kernel: Kernel, extras: SnapshotExtras = {}) {
  const frames = kernel.pmm.frames;
  const memory = kernel.pmm.memory;
  const frameCount = frames.frameCount;
  // Per allocated frame: its number, use, owner and reference count, four numbers a row, and a
  // copy of its bytes (a native copy: cheaper than hashing them in a loop).
  let allocated = 0;
  for (let pfn = 0; pfn < frameCount; pfn++) if (frames.state[pfn] === FrameState.Allocated) allocated++;
  const rows = new Float64Array(allocated * 4);
  const bytes = new Uint8Array(allocated * PAGE);
  const words = new Uint32Array(bytes.buffer);
  const statusBits = STATUS_BITS[kernel.pageTables.format.name];
  // Entries are 32-bit words (i386) or the low words of 64-bit ones: both hold the bits there.
  const step = kernel.pageTables.format.name === 'i386' ? 1 : 2;
  for (let pfn = 0, row = 0; pfn < frameCount; pfn++) {
    if (frames.state[pfn] !== FrameState.Allocated) continue;
    const pa = pfn * PAGE;
    const chunk = memory.chunkOf(pa);
    const offset = pa & (chunk.length - 1);
    bytes.set(chunk.subarray(offset, offset + PAGE), row * PAGE);
    if (frames.use[pfn] === FrameUse.PageTable) {
      const last = (row + 1) * (PAGE / 4);
      for (let w = row * (PAGE / 4); w < last; w += step) words[w] &= ~statusBits;
    }
    rows[row * 4] = pfn;
    rows[row * 4 + 1] = frames.use[pfn];
    rows[row * 4 + 2] = frames.owner[pfn];
    rows[row * 4 + 3] = frames.refCount[pfn];
    row++;
  }
  const heaps: Record<string, ReturnType<typeof heapState>> = {};
  const given = extras.heaps;
  if (given) {
    const entries = given instanceof Map ? [...given.entries()] : Object.entries(given);
    for (const [name, heap] of entries) heaps[name] = heapState(heap);
  }
  return {
    frameStates: frames.state.slice(),
    allocated: rows,
    bytes,
    tablePages: kernel.pageTables.tablePageCount,
    processes: kernel.processes().map((p) => {
      const box = p.attachments.get('mailbox') as Mailbox | undefined;
      return {
        pid: p.pid,
        name: p.name,
        parent: p.parentPid,
        asid: p.asid,
        root: p.space.root,
        space: spaceState(p.space),
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
    kernelSpace: spaceState(kernel.kernelSpace),
    tlb: kernel.mmu.tlb.snapshot(),
    /** The root the untagged (ASID 0) entries belong to: i386 has no ASIDs and flushes on a switch. */
    tlbRoot: kernel.mmu.root,
    ipc: { ...kernel.ipc.stats, inFlight: kernel.ipc.inFlight },
    heaps,
    swap: swapState(kernel),
    contents: kernel.machine.swap ? contentsState(kernel) : null,
  };
}

/**
 * What each space sees, wherever its pages are: per space, every page of its regions as its
 * address and a hash of its bytes, read from its frame or its swap slot (a swap machine only).
 * Reclaim may evict pages inside an operation that then fails, as Linux's does; eviction moves
 * bytes, it changes none: a refused operation that evicted is compared by this view instead.
 */
function contentsState(kernel: Kernel) {
  const tables = kernel.pageTables;
  const memory = kernel.pmm.memory;
  const swap = kernel.machine.swap;
  const spaces = [kernel.kernelSpace, ...kernel.processes().map((p) => p.space)];
  return spaces.map((space) => {
    const pages = new Map<number, number>();
    const regions = space.regions;
    for (let i = 0; i < regions.count; i++) {
      const base = regions.base(i);
      const ceiling = regions.ceiling(i);
      tables.walkRange(space.root, base, ceiling, (va, pa, pageSize) => {
        for (let offset = 0; offset < pageSize; offset += PAGE) {
          const chunk = memory.chunkOf(pa + offset);
          const at = (pa + offset) & (chunk.length - 1);
          pages.set(va + offset, hashPage(chunk.subarray(at, at + PAGE)));
        }
      });
      if (swap && regions.type(i) === RegionType.Anon) {
        forEachSwapEntry(space, swap, base, ceiling, (va, slot) => {
          // A slot the swap cache holds in a frame is seen as that frame: the fault maps it
          // (and a shared region's other holders may have written it since it left the slot).
          const cached = swap.cache.frameOfSlot[slot];
          let bytes: Uint8Array | null;
          if (cached !== NO_FRAME) {
            const chunk = memory.chunkOf(cached * PAGE);
            const at = (cached * PAGE) & (chunk.length - 1);
            bytes = chunk.subarray(at, at + PAGE);
          } else {
            bytes = slotBytes(kernel, slot);
          }
          pages.set(va, bytes ? hashPage(bytes) : -1);
        });
      }
    }
    return [...pages.entries()].sort((a, b) => a[0] - b[0]).flat();
  });
}

/**
 * The frames reclaim never moves, as rows of frame number, use, owner, references and a hash of
 * the bytes: messages, direct and kernel frames (not page tables, whose entries eviction
 * rewrites, nor user pages, which the contents view covers).
 */
function pinnedFrames(snapshot: MachineSnapshot): number[] {
  const rows: number[] = [];
  const { allocated, bytes } = snapshot;
  for (let row = 0; row < allocated.length / 4; row++) {
    const use = allocated[row * 4 + 1];
    if (use === FrameUse.PageTable || use === FrameUse.User) continue;
    rows.push(
      ...allocated.subarray(row * 4, row * 4 + 4),
      hashPage(bytes.subarray(row * PAGE, (row + 1) * PAGE)),
    );
  }
  return rows;
}

/**
 * The first way a swap machine's `after` differs from `before` by meaning, or null: what every
 * space sees (its regions, and each page's bytes in RAM or on swap), the pinned frames, the
 * frames an operation keeps, mailboxes, IPC counters and heaps. Frames and slots may differ:
 * pages reclaim took out of RAM meanwhile. Used when the exact comparison found a difference
 * and reclaim ran.
 */
export function contentsDifference(before: MachineSnapshot, after: MachineSnapshot): string | null {
  const view = (s: MachineSnapshot) => ({
    processes: s.processes,
    kernelSpace: s.kernelSpace,
    ipc: s.ipc,
    heaps: s.heaps,
    contents: s.contents,
    kept: s.swap?.kept ?? null,
    pinned: pinnedFrames(s),
  });
  const was = view(before);
  const now = view(after);
  if (JSON.stringify(was) === JSON.stringify(now)) return null;
  return snapshotDifference(was, now) ?? 'the machine changed';
}

/** The bytes of a written swap slot, or null (the device keeps them in chunks of 16 slots). */
function slotBytes(kernel: Kernel, slot: number): Uint8Array | null {
  const device = kernel.machine.swap?.device;
  // The device's backing store is private: a test reads it without an I/O being counted.
  const chunks = (device as unknown as { chunks: (Uint8Array | null)[] } | undefined)?.chunks;
  const chunk = chunks?.[slot >>> 4];
  return chunk ? chunk.subarray((slot & 15) * PAGE, ((slot & 15) + 1) * PAGE) : null;
}

/**
 * The swap device's slots in use, each with its holders and a hash of its bytes, and which
 * frames the swap cache keeps (null on a machine without swap). Device I/O counters are left
 * out: they are statistics, as the fault counters' cousins in the frame table are not kept.
 */
function swapState(kernel: Kernel) {
  const swap = kernel.machine.swap;
  if (!swap) return null;
  const refs = swap.device.refs;
  const slots: number[] = [];
  for (let slot = 1; slot < refs.length; slot++) {
    if (refs[slot] === 0) continue;
    const bytes = slotBytes(kernel, slot);
    slots.push(slot, refs[slot], bytes ? hashPage(bytes) : -1);
  }
  const kept: number[] = [];
  for (let pfn = 0; pfn < swap.kept.length; pfn++) if (swap.kept[pfn]) kept.push(pfn, swap.kept[pfn]);
  return { slots, kept, evictions: swap.stats.evictions };
}

/** FNV-1a over a page's 32-bit words: a slot's bytes, compared without keeping a copy. */
function hashPage(bytes: Uint8Array): number {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, PAGE / 4);
  let hash = 0x811c9dc5;
  for (let k = 0; k < words.length; k++) hash = Math.imul(hash ^ words[k], 0x01000193) >>> 0;
  return hash;
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
  const states = before.frameStates;
  const statesNow = after.frameStates;
  for (let pfn = 0; pfn < states.length; pfn++) {
    if (states[pfn] !== statesNow[pfn])
      return `machine.frameStates: frame ${(pfn * PAGE).toString(16)} was in state ${states[pfn]}, now ${statesNow[pfn]}`;
  }
  // The same frames are allocated, so the rows line up.
  const rows = before.allocated;
  const rowsNow = after.allocated;
  const bytesEqual = Buffer.from(before.bytes.buffer).equals(Buffer.from(after.bytes.buffer));
  for (let row = 0; row < rows.length / 4; row++) {
    const i = row * 4;
    if (
      rows[i + 1] === rowsNow[i + 1] &&
      rows[i + 2] === rowsNow[i + 2] &&
      rows[i + 3] === rowsNow[i + 3] &&
      (bytesEqual || frameEqual(before.bytes, after.bytes, row))
    )
      continue;
    const [pfn, use, owner, refs] = rows.subarray(i, i + 4);
    const now = rowsNow.subarray(i, i + 4);
    const bytes = frameEqual(before.bytes, after.bytes, row)
      ? ''
      : `, and its bytes changed at offset ${firstByteDifference(before.bytes, after.bytes, row)}`;
    return `machine.allocated: frame ${(pfn * PAGE).toString(16)} was [use ${use}, owner ${owner}, references ${refs}], now [use ${now[1]}, owner ${now[2]}, references ${now[3]}]${bytes}`;
  }
  const rest = { ...before, tlb: [], tlbRoot: 0, frameStates: null, allocated: null, bytes: null };
  const now = { ...after, tlb: [], tlbRoot: 0, frameStates: null, allocated: null, bytes: null };
  if (JSON.stringify(rest) === JSON.stringify(now)) return null;
  return snapshotDifference(rest, now);
}

function frameEqual(before: Uint8Array, after: Uint8Array, row: number): boolean {
  return Buffer.from(before.buffer, row * PAGE, PAGE).equals(Buffer.from(after.buffer, row * PAGE, PAGE));
}

function firstByteDifference(before: Uint8Array, after: Uint8Array, row: number): number {
  for (let k = 0; k < PAGE; k++) if (before[row * PAGE + k] !== after[row * PAGE + k]) return k;
  return -1;
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
