/**
 * Memory pressure for one machine: the swap device and its cache, the reverse map, the
 * replacement policy, the free-frame watermarks and the resident limits, and the hooks every
 * path that maps or unmaps a user page calls. A VmMachine has one when it is booted with swap;
 * without one, the VM never calls any of this (machine.swap is null).
 *
 * Eviction and reclaim are in reclaim.ts, the fault on a swapped page in swap-in.ts, the swap
 * entries of whole ranges (teardown, fork) in swap-ranges.ts, the checker in swap-checker.ts.
 */
import { InvalidArgumentError, InvariantError } from '../common/errors.js';
import type { PageTableFormat } from '../mmu/page-table-format.js';
import { type SwapEntryFormat, swapEntryFormat } from '../mmu/swap-entries.js';
import { FrameState, type FrameTable, FrameUse } from '../phys/frame-table.js';
import type { PhysicalMemory } from '../phys/physical-memory.js';
import type { FrameSource } from '../phys/types.js';
import {
  createPolicy,
  isPolicyName,
  type PolicyName,
  type ReferenceBits,
  type ReplacementPolicy,
} from '../swap/policies/replacement-policy.js';
import { NO_SLOT, SwapCache } from '../swap/swap-cache.js';
import { SwapDevice } from '../swap/swap-device.js';
import type { AddressSpace } from './address-space.js';
import { NO_NODE, ReverseMap } from './reverse-map.js';
import { checkSwap } from './swap-checker.js';

/** The frame source of a VmSwap not yet connected: every call is a bug. */
const NO_FRAMES: FrameSource = {
  allocFrame: notConnected,
  retain: notConnected,
  release: notConnected,
  setOwner: notConnected,
};

function notConnected(): never {
  throw new InvariantError('VmSwap: no frame source connected');
}

export interface SwapConfig {
  /** Size of the swap device in bytes (a multiple of 4096, at least 8 KiB). */
  bytes: number;
  /** Simulated time of one device read or write, in nanoseconds (default 0). */
  latencyNs?: number;
  /** The replacement policy (default 'fifo'). */
  policy?: PolicyName;
  /** Seed of the 'random' policy. */
  seed?: number;
  /** Below this many free frames an allocation first reclaims (default 8)... */
  lowWatermark?: number;
  /** ...up to this many free frames (default 16). */
  highWatermark?: number;
  /** Resident pages each process may hold before it replaces its own (default 0: no limit). */
  residentLimit?: number;
}

/** Why reclaim passed over a victim the policy offered. */
export interface SkipCounts {
  /** Held outside the page tables too (a message in flight, a pinned IPC page). */
  pinned: number;
  /** Mapped by a space in the middle of an operation (a fault, a copy, a fork). */
  busy: number;
  /** No swap slot was left for a page without a copy. */
  noSlot: number;
}

/** Allocated frames reclaim never takes (VmSwap.unevictable). */
export interface UnevictableCounts {
  pageTables: number;
  kernel: number;
  messages: number;
  direct: number;
  /** User pages held besides their mappings: pinned for IPC, or in flight. */
  pinned: number;
}

export interface ReclaimStats {
  /** Pages taken out of RAM (written or dropped). */
  evictions: number;
  /** Of those, pages dropped without a write: clean copies already in their slot. */
  cleanDrops: number;
  /** Writes of a cached page's slot when its last mapping went while others still named it. */
  writebacks: number;
  /**
   * Slots of swap-cached pages dropped on a write fault by the one process holding them: the
   * copy is stale from then on (Linux's do_swap_page and do_wp_page free the swap then).
   */
  staleSlotDrops: number;
  /**
   * Slots of resident swap-cached pages released because an eviction found the device full
   * (Linux's try_to_free_swap when vm_swap_full): those pages then have no swap copy.
   */
  cacheSlotReleases: number;
  /** The scans of the swap cache that released them (one each time the device filled). */
  cacheReleaseScans: number;
  skipped: SkipCounts;
  /** Reclaim passes: ahead of need (watermark), on need (no free frame), local (resident limit). */
  aheadOfNeed: number;
  onNeed: number;
  local: number;
}

export class VmSwap implements ReferenceBits {
  readonly device: SwapDevice;
  readonly cache: SwapCache;
  readonly reverseMap: ReverseMap;
  readonly policy: ReplacementPolicy;
  readonly entries: SwapEntryFormat;
  readonly lowWatermark: number;
  readonly highWatermark: number;
  /** Default resident limit of new spaces, in pages (0: none). */
  readonly residentLimit: number;
  readonly stats: ReclaimStats = {
    evictions: 0,
    cleanDrops: 0,
    writebacks: 0,
    staleSlotDrops: 0,
    cacheSlotReleases: 0,
    cacheReleaseScans: 0,
    skipped: { pinned: 0, busy: 0, noSlot: 0 },
    aheadOfNeed: 0,
    onNeed: 0,
    local: 0,
  };
  readonly memory: PhysicalMemory;
  readonly frameTable: FrameTable;
  /** Where evicted frames go back: the source below the reclaiming one (connect()). */
  frames: FrameSource = NO_FRAMES;
  /** Frames resident on the policy's lists. */
  residentFrames = 0;
  /** Per frame: how many marks of operations in progress keep it in RAM (keep()). */
  readonly kept: Uint16Array;
  private keptFrames = new Int32Array(64);
  private keptTop = 0;
  /** Per space id: its resident limit. */
  private limits = new Int32Array(16);
  /** device.releases at the last scan of the swap cache that freed nothing (-1: none yet). */
  private futileScanAt = -1;
  private readonly accessedBit: number;
  private readonly dirtyBit: number;
  private readonly entry = new Uint32Array(2);

  constructor(config: SwapConfig, format: PageTableFormat, memory: PhysicalMemory, frameTable: FrameTable) {
    checkSwapConfig(config, memory.frameCount);
    this.device = new SwapDevice({ bytes: config.bytes, latencyNs: config.latencyNs });
    this.entries = swapEntryFormat(format.name);
    if (this.device.slotCount - 1 > this.entries.maxSlot)
      throw new InvalidArgumentError(
        `swapBytes: ${config.bytes} needs more slots than a ${format.name} swap entry holds (${this.entries.maxSlot})`,
      );
    this.cache = new SwapCache(memory.frameCount, this.device);
    this.reverseMap = new ReverseMap(memory.frameCount);
    this.policy = createPolicy(config.policy ?? 'fifo', memory.frameCount, config.seed);
    this.lowWatermark = config.lowWatermark ?? Math.min(8, memory.frameCount >>> 3);
    this.highWatermark =
      config.highWatermark ?? Math.max(this.lowWatermark, Math.min(16, memory.frameCount >>> 2));
    this.residentLimit = config.residentLimit ?? 0;
    this.memory = memory;
    this.frameTable = frameTable;
    this.kept = new Uint16Array(memory.frameCount);
    this.accessedBit = format.accessedBit;
    this.dirtyBit = format.dirtyBit;
  }

  /** Sets the frame source evicted frames go back to (the one the reclaiming source wraps). */
  connect(frames: FrameSource): void {
    this.frames = frames;
  }

  // --- spaces ---

  /** Registers a user space; returns its id in the reverse map. */
  register(space: AddressSpace): number {
    const id = this.reverseMap.register(space);
    if (id >= this.limits.length) {
      const limits = new Int32Array(this.limits.length * 2);
      limits.set(this.limits);
      this.limits = limits;
    }
    this.limits[id] = this.residentLimit;
    return id;
  }

  unregister(id: number): void {
    this.reverseMap.unregister(id);
  }

  /**
   * Keeps frame `pa` in RAM until releaseKept(mark) for a mark taken before: an operation that
   * faults a range in and then copies it (a user copy) must find every page still there.
   */
  keep(pa: number): void {
    if (this.keptTop === this.keptFrames.length) {
      const grown = new Int32Array(this.keptFrames.length * 2);
      grown.set(this.keptFrames);
      this.keptFrames = grown;
    }
    const pfn = pa >>> 12;
    this.keptFrames[this.keptTop++] = pfn;
    this.kept[pfn]++;
  }

  /** The mark to give releaseKept() at the end of an operation. */
  keptMark(): number {
    return this.keptTop;
  }

  /** Lets go of the frames kept since `mark`. */
  releaseKept(mark: number): void {
    while (this.keptTop > mark) this.kept[this.keptFrames[--this.keptTop]]--;
  }

  /** Frames kept by operations in progress (0 between operations). */
  get keptCount(): number {
    return this.keptTop;
  }

  /** The resident limit of space `id` in pages (0: none). */
  limitOf(id: number): number {
    return this.limits[id];
  }

  setLimit(id: number, pages: number): void {
    if (!Number.isInteger(pages) || pages < 0)
      throw new InvalidArgumentError(
        `residentLimit: ${pages} must be a whole number of pages >= 0 (0: no limit)`,
      );
    this.limits[id] = pages;
  }

  // --- the hooks of the paths that map and unmap user pages ---

  /** The entry at `entry` of space `id` now maps frame `pa` at `va`. */
  mapped(id: number, pa: number, va: number, entry: number): void {
    const pfn = pa >>> 12;
    this.reverseMap.add(pfn, id, va, entry);
    if (this.reverseMap.mapCount[pfn] === 1) {
      this.policy.admit(pfn, this.frameTable.owner[pfn]);
      this.residentFrames++;
    }
  }

  /**
   * The entry of space `id` at `va` stops mapping frame `pa`; call it while the entry is still
   * there, so its dirty bit passes to the frame. When the last mapping goes, the frame leaves
   * the policy and the swap cache (its slot written first when other swap entries still name it
   * and the page changed since).
   */
  unmapped(id: number, pa: number, va: number): void {
    const pfn = pa >>> 12;
    const map = this.reverseMap;
    const slot = this.cache.slotOfFrame[pfn];
    if (slot !== NO_SLOT) {
      const at = this.entryOf(pfn, id, va);
      if (at >= 0 && this.entryDirty(at)) this.cache.stale[pfn] = 1;
    }
    map.remove(pfn, id, va);
    if (map.mapCount[pfn] !== 0) return;
    this.policy.remove(pfn);
    this.residentFrames--;
    if (slot === NO_SLOT) return;
    if (this.cache.stale[pfn] === 1 && this.device.refs[slot] > 1) {
      this.device.writePage(slot, this.memory, pa);
      this.stats.writebacks++;
    }
    this.cache.forget(pfn);
  }

  /**
   * Whether frame `pfn` is in the swap cache under a slot that other swap entries still name:
   * they will map this frame when they fault, so it must not be written in place.
   */
  isSlotShared(pfn: number): boolean {
    const slot = this.cache.slotOfFrame[pfn];
    return slot !== NO_SLOT && this.device.refs[slot] > 1;
  }

  /**
   * A write is about to change frame `pfn`'s page: when the swap cache holds its slot for this
   * mapping alone (no swap entry names the slot, one entry maps the frame), the slot's copy is
   * stale and the slot goes back to the device at once rather than waiting to be rewritten.
   */
  dropStaleSlot(pfn: number): void {
    const slot = this.cache.slotOfFrame[pfn];
    if (slot === NO_SLOT || this.device.refs[slot] !== 1 || this.reverseMap.mapCount[pfn] !== 1) return;
    this.cache.forget(pfn);
    this.stats.staleSlotDrops++;
  }

  /**
   * The device is full and an eviction needs a slot: releases the slot of every resident page
   * the swap cache holds and no swap entry names (reference count 1, the cache's own), except
   * the frames an operation in progress keeps (its undo may name their slots again). Those
   * pages stay mapped, now without a swap copy: evicting one later writes it to a new slot.
   * Returns the slots freed. A scan that frees nothing is not repeated until a slot reference
   * is dropped somewhere, so a device full of swapped-out pages costs one scan, not one per
   * refused eviction.
   */
  releaseCachedSlots(): number {
    const device = this.device;
    if (this.cache.size === 0 || device.releases === this.futileScanAt) return 0;
    const slotOfFrame = this.cache.slotOfFrame;
    const refs = device.refs;
    const kept = this.kept;
    let freed = 0;
    let passedKept = false;
    for (let pfn = 0; pfn < slotOfFrame.length; pfn++) {
      const slot = slotOfFrame[pfn];
      if (slot === NO_SLOT || refs[slot] !== 1) continue;
      // A kept frame may be one an operation in progress brought back: its undo names the slot.
      if (kept[pfn] !== 0) {
        passedKept = true;
        continue;
      }
      this.cache.forget(pfn);
      freed++;
    }
    this.stats.cacheReleaseScans++;
    this.stats.cacheSlotReleases += freed;
    if (freed === 0 && !passedKept) this.futileScanAt = device.releases;
    return freed;
  }

  /**
   * Allocated frames reclaim never takes, by why: page tables, the kernel's own pages, messages
   * in flight, frames allocated directly (PHYS mappings, device buffers), and user pages held
   * besides their mappings (pinned for an IPC copy or share). A scan of the frame table.
   */
  unevictable(): UnevictableCounts {
    const { state, use, refCount } = this.frameTable;
    const mapCount = this.reverseMap.mapCount;
    const counts: UnevictableCounts = { pageTables: 0, kernel: 0, messages: 0, direct: 0, pinned: 0 };
    for (let pfn = 0; pfn < state.length; pfn++) {
      if (state[pfn] !== FrameState.Allocated) continue;
      const frameUse = use[pfn];
      if (frameUse === FrameUse.PageTable) counts.pageTables++;
      else if (frameUse === FrameUse.Kernel) counts.kernel++;
      else if (frameUse === FrameUse.Message) counts.messages++;
      else if (frameUse === FrameUse.Direct) counts.direct++;
      else if (frameUse === FrameUse.User && refCount[pfn] !== mapCount[pfn]) counts.pinned++;
    }
    return counts;
  }

  // --- ReferenceBits, for the policies ---

  testAndClearAccessed(pfn: number): boolean {
    const map = this.reverseMap;
    const memory = this.memory;
    const accessed = this.accessedBit;
    let young = false;
    for (let node = map.head[pfn]; node !== NO_NODE; node = map.nodeNext[node]) {
      const at = map.nodeEntry[node];
      const lo = memory.read32(at);
      if ((lo & accessed) === 0) continue;
      young = true;
      memory.write32(at, (lo & ~accessed) >>> 0);
      map.spaceOf(map.nodeSpace[node]).tlb.page(map.nodeVa[node]);
    }
    return young;
  }

  /** Whether any entry mapping `pfn` has its dirty bit set. */
  anyDirty(pfn: number): boolean {
    const map = this.reverseMap;
    for (let node = map.head[pfn]; node !== NO_NODE; node = map.nodeNext[node])
      if (this.entryDirty(map.nodeEntry[node])) return true;
    return false;
  }

  /** Throws InvariantError unless the reverse map, the swap cache and the slots agree with the tables (swap-checker.ts). */
  check(): void {
    checkSwap(this);
  }

  /** The swap entry of `slot`, in this.entry (lo, hi). */
  encodeSwapEntry(slot: number): Uint32Array {
    this.entries.encode(slot, this.entry);
    return this.entry;
  }

  private entryDirty(at: number): boolean {
    return (this.memory.read32(at) & this.dirtyBit) !== 0;
  }

  /** The entry address the reverse map keeps for space `id`'s mapping of `pfn` at `va`, or -1. */
  private entryOf(pfn: number, id: number, va: number): number {
    const map = this.reverseMap;
    for (let node = map.head[pfn]; node !== NO_NODE; node = map.nodeNext[node])
      if (map.nodeSpace[node] === id && map.nodeVa[node] === va) return map.nodeEntry[node];
    return -1; // remove() reports the missing mapping
  }
}

/** Throws InvalidArgumentError naming the first bad field of a swap configuration. */
export function checkSwapConfig(config: SwapConfig, frameCount: number): void {
  if (typeof config !== 'object' || config === null)
    throw new InvalidArgumentError(`swap: ${String(config)} must be an object { bytes, ... }`);
  const { policy, lowWatermark, highWatermark, residentLimit, seed } = config;
  if (policy !== undefined && !isPolicyName(policy))
    throw new InvalidArgumentError(`policy: '${String(policy)}' is not a replacement policy`);
  const whole = (value: unknown, max: number): boolean =>
    typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
  if (lowWatermark !== undefined && !whole(lowWatermark, frameCount))
    throw new InvalidArgumentError(
      `lowWatermark: ${lowWatermark} must be a whole number of frames from 0 to ${frameCount}`,
    );
  if (
    highWatermark !== undefined &&
    !(whole(highWatermark, frameCount) && highWatermark >= (lowWatermark ?? 0))
  )
    throw new InvalidArgumentError(
      `highWatermark: ${highWatermark} must be a whole number of frames from lowWatermark (${lowWatermark ?? 0}) to ${frameCount}`,
    );
  if (residentLimit !== undefined && !whole(residentLimit, 2 ** 31 - 1))
    throw new InvalidArgumentError(
      `residentLimit: ${residentLimit} must be a whole number of pages >= 0 (0: no limit)`,
    );
  if (seed !== undefined && !(typeof seed === 'number' && Number.isInteger(seed)))
    throw new InvalidArgumentError(`seed: ${seed} must be an integer`);
}
