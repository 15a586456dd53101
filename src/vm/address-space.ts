/**
 * An address space: the seed's `AddressSpace` -> Pmap. A region map (sorted array, binary search)
 * says what each range is; the page tables in RAM say which pages are present. There is no
 * per-page list of frames: as the seed proposes, the page tables alone record which frames an
 * area holds.
 *
 * - ANON pages are demand-zero: the first access faults, a zeroed frame is mapped.
 * - PHYS pages map the frames the region names, also on first access (device memory and frames
 *   the kernel allocated directly, never another process's memory). The region holds one
 *   reference on each allocated frame it names, from map to unmap, so such a frame cannot be
 *   freed (and reach a new owner) while it is mapped; reserved frames need none.
 * - Each mapped ANON page holds one reference on its frame. After a copy-on-write fork both
 *   spaces map the frame read-only; a write fault copies it, or takes it over when the count is 1.
 *
 * Every operation checks and reserves before it changes anything; a failure (typed error) leaves
 * regions, page tables, frames and TLB as they were. The same class serves the kernel's own range
 * (mode Kernel: global supervisor pages in the shared kernel tables).
 */
import {
  AddressRangeError,
  AlignmentError,
  BusyError,
  InvalidArgumentError,
  InvariantError,
  LimitError,
  NotAllocatedError,
  OutOfMemoryError,
} from '../common/errors.js';
import { hex } from '../common/format.js';
import { Access, FaultCause, Mode, PageFlags, PERMISSION_FLAGS } from '../mmu/flags.js';
import { FrameState, FrameUse } from '../phys/frame-table.js';
import { ProtectionError, SegmentationFaultError } from './errors.js';
import { LeafWriter, NO_TABLE } from './leaf-writer.js';
import { DEFAULT_REGION_LIMIT, NOT_FOUND, PAGE_SIZE, RegionMap } from './region-map.js';
import {
  Protection,
  type RegionAttributes,
  RegionFlag,
  type RegionInfo,
  RegionType,
} from './region-types.js';
import type { VmMachine } from './vm-machine.js';

/*
 * Local copies of imported constants: under the TypeScript loaders that run the tests and the
 * benchmarks an imported binding is read through a getter, which the fault path should not pay.
 */
const PF = { ...PageFlags };
const RT = { ...RegionType };
const PROT = { ...Protection };
const FC = { ...FaultCause };
const FS = { ...FrameState };
const FU = { ...FrameUse };
const RF = { ...RegionFlag };
const ACC = { ...Access };
const MODE = { ...Mode };
const PERMISSION = PERMISSION_FLAGS;
const PAGE = PAGE_SIZE;
const NO_LEAF_TABLE = NO_TABLE;
const NO_ADDRESS = NOT_FOUND;

/**
 * Above this many pages of range, an operation that removes or changes entries in bulk (a move's
 * detach, munmap) drops the space's whole ASID from the TLB with one flush (INVPCID
 * single-context, SFENCE.VMA with the ASID) instead of one invalidation per page. Linux makes the
 * same choice in flush_tlb_mm_range (tlb_single_page_flush_ceiling, 33 pages). In this model a
 * page invalidation probes one set, an ASID flush scans the whole TLB (2048 entries in the
 * benchmarks), and the flush also costs the space its other entries, refilled by later walks.
 * Kernel (global) pages are always invalidated page by page: an ASID flush keeps them.
 */
export const TLB_FLUSH_CEILING = 32;

const FREE_REGION: RegionAttributes = { type: RT.Free };
/** Largest ANON piece (64K pages, 256 MiB) that munmap takes out through a dense frame list. */
const DENSE_UNMAP_PAGES = 1 << 16;

/** The seed keeps the lowest pages unmapped so that a null pointer faults (Linux: mmap_min_addr). */
export const USER_SEARCH_FLOOR = 0x10000;

export interface AddressSpaceOptions {
  /** Process id owning the frames (KERNEL_OWNER for the kernel's space). */
  owner: number;
  /** Hardware address-space id (always 0 on i386, which has none). */
  asid: number;
  /** User (default) or Kernel: which half of the address space and which privilege. */
  mode?: Mode;
  /** Range of the space; default the format's whole user half, or its whole kernel half. */
  start?: number;
  end?: number;
  regionLimit?: number;
  name?: string;
}

export interface MapOptions {
  /** Exactly here (the range must be free), or... */
  at?: number;
  /** ...here if free, else the first fit above, else the first fit from the bottom. */
  hint?: number;
  /** Alignment of the start: a power of two >= 4096. */
  alignment?: number;
  /** Default ReadWrite. */
  protection?: number;
  flags?: number;
  name?: string;
}

/** attachPages' options: where and how the area lands, and who owns its frames. */
export interface AttachOptions extends MapOptions {
  /**
   * A frame this space alone maps after the attach (reference count 1) becomes this space's: its
   * use and owner are set in the pass that writes its entry (an IPC move's receive, which would
   * otherwise make a second pass over the frame table). Default false: uses and owners stay.
   */
  adopt?: boolean;
}

/** One present page, for snapshots and reports. */
export interface PageMapping {
  va: number;
  pa: number;
  /** Permission flags of the entry (PageFlags, without Accessed / Dirty). */
  flags: number;
}

export interface AddressSpaceSnapshot {
  regions: RegionInfo[];
  pages: PageMapping[];
}

/** What resolving one fault did, so that a multi-page operation can undo it. */
const Undo = {
  DemandAnon: -1,
  DemandPhys: -2,
  TakeOver: -3,
  /** >= 0: a copy-on-write copy replaced the frame at this physical address. */
} as const;

const ACCESS_NAMES = ['read', 'write', 'execute'] as const;
const PROTECTION_OF_ACCESS = [PROT.Read, PROT.Write, PROT.Execute];

export class AddressSpace {
  readonly machine: VmMachine;
  readonly owner: number;
  readonly asid: number;
  readonly mode: Mode;
  readonly name: string;
  readonly regions: RegionMap;
  /** Physical address of this space's root table (the kernel root for the kernel's space). */
  readonly root: number;
  /** Page faults resolved (demand-zero, PHYS, copy-on-write copies and takeovers). */
  faults = { demandZero: 0, phys: 0, cowCopy: 0, cowTakeover: 0 };

  private readonly hasAsids: boolean;
  private readonly frameUse: FrameUse;
  private alive = true;
  private readonly leaf: LeafWriter;
  /** Scratch for dropAnon: the frames of the pages an unmap takes out. */
  private dropped = new Float64Array(0);
  /** Entry flags by protection * 2 + writable, already in the format's effective form. */
  private readonly flagTable = new Int32Array(16);

  constructor(machine: VmMachine, options: AddressSpaceOptions) {
    const format = machine.pageTables.format;
    this.machine = machine;
    this.owner = options.owner;
    this.asid = options.asid;
    this.mode = options.mode ?? MODE.User;
    this.name = options.name ?? (this.mode === MODE.Kernel ? 'kernel' : `process ${options.owner}`);
    this.hasAsids = format.name !== 'i386';
    this.frameUse = this.mode === MODE.Kernel ? FU.Kernel : FU.User;
    const kernel = this.mode === MODE.Kernel;
    const start = options.start ?? (kernel ? format.kernelBase : 0);
    const end = options.end ?? (kernel ? (format.signExtended ? 0 : format.endVa) : format.userEnd);
    const halfStart = kernel ? format.kernelBase : 0;
    const halfEnd = kernel ? (format.signExtended ? 0 : format.endVa) : format.userEnd;
    if (!(start >= halfStart && end <= halfEnd && start < end)) {
      throw new AddressRangeError(
        `${this.name}: range ${hex(start)}..${hex(end)} is outside the ${kernel ? 'kernel' : 'user'} half ${hex(halfStart)}..${hex(halfEnd)}`,
      );
    }
    this.regions = new RegionMap(start, end, {
      limit: options.regionLimit ?? DEFAULT_REGION_LIMIT,
      searchFloor: kernel ? start : Math.max(start, USER_SEARCH_FLOOR),
    });
    this.leaf = new LeafWriter(machine.pageTables);
    for (let protection = 0; protection <= PROT.All; protection++) {
      if (this.mode === MODE.Kernel && protection === PROT.None) continue;
      for (const writable of [false, true]) {
        this.flagTable[protection * 2 + (writable ? 1 : 0)] = format.effectiveFlags(
          this.rawEntryFlags(protection, writable),
        );
      }
    }
    // Last, so that nothing is left behind when an argument is refused.
    this.root = kernel ? machine.pageTables.kernelRoot : machine.pageTables.createRoot(options.owner);
  }

  get start(): number {
    return this.regions.start;
  }
  get end(): number {
    return this.regions.end;
  }
  get isAlive(): boolean {
    return this.alive;
  }

  // --- the seed's vpm_alloc and mmap / munmap / mprotect ---

  /** vpm_alloc(): one page of ANON read-write memory anywhere. */
  vpmAlloc(): number;
  /** vpm_alloc(count): `count` pages anywhere. */
  vpmAlloc(count: number): number;
  /** vpm_alloc(where, count): `count` pages exactly at `where`. */
  vpmAlloc(where: number, count: number): number;
  vpmAlloc(a?: number, b?: number): number {
    if (b !== undefined) return this.mapAnon(this.pageCountBytes(b), { at: a });
    return this.mapAnon(this.pageCountBytes(a ?? 1));
  }

  /** Maps `bytes` of demand-zero memory; returns its address. */
  mapAnon(bytes: number, options: MapOptions = {}): number {
    const va = this.placeRegion(RT.Anon, bytes, options);
    this.regions.set(va, va + bytes, {
      type: RT.Anon,
      protection: options.protection ?? PROT.ReadWrite,
      flags: options.flags ?? 0,
      name: options.name ?? '',
    });
    return va;
  }

  /**
   * Maps the physical range [pa, pa + bytes): device memory (reserved frames) or frames the
   * kernel allocated directly, on each of which the region takes a reference until it is
   * unmapped (so freeing such a frame is refused: BusyError). Frames of processes, tables or
   * free frames are refused.
   */
  mapPhys(pa: number, bytes: number, options: MapOptions = {}): number {
    this.checkBytes(bytes, 'mapPhys');
    if (!Number.isInteger(pa) || pa % PAGE !== 0)
      throw new AlignmentError(`mapPhys: ${hex(pa)} is not frame-aligned`);
    const { memory, frameTable } = this.machine;
    if (!memory.contains(pa, bytes)) {
      throw new AddressRangeError(`mapPhys: ${hex(pa)}+${bytes} is outside RAM (${hex(memory.size)})`);
    }
    for (let pfn = pa / PAGE; pfn < (pa + bytes) / PAGE; pfn++) {
      const state = frameTable.state[pfn];
      if (!(state === FS.Reserved || (state === FS.Allocated && frameTable.use[pfn] === FU.Direct))) {
        throw new BusyError(
          `mapPhys: frame ${hex(pfn * PAGE)} is ${state === FS.Free ? 'free' : 'in use by a process or the page tables'}; only reserved or directly allocated frames may be mapped`,
        );
      }
    }
    const va = this.placeRegion(RT.Phys, bytes, options);
    this.retainPhys(pa, pa + bytes); // LimitError (a frame's count is full): nothing changed
    this.regions.set(va, va + bytes, {
      type: RT.Phys,
      protection: options.protection ?? PROT.ReadWrite,
      flags: options.flags ?? 0,
      physBase: pa,
      name: options.name ?? '',
    });
    return va;
  }

  /** munmap: gives back every page of [va, va + bytes); FREE parts are allowed and stay FREE. */
  unmap(va: number, bytes: number): void {
    this.checkRange(va, bytes, 'unmap');
    const end = va + bytes;
    this.checkLimit(this.regions.countAfterSet(va, end, { type: RT.Free }), va, end);
    this.dropPages(va, end, true);
    this.regions.set(va, end, { type: RT.Free });
  }

  /** mprotect: every page of [va, va + bytes) must be mapped. Sealed ranges never regain Write. */
  protect(va: number, bytes: number, protection: number): void {
    this.checkRange(va, bytes, 'protect');
    this.checkProtection(protection);
    const end = va + bytes;
    const r = this.regions;
    for (let i = r.find(va); i < r.count && r.base(i) < end; i++) {
      if (r.type(i) === RT.Free) {
        throw new NotAllocatedError(
          `protect ${hex(va)}..${hex(end)} in ${this.name}: ${hex(Math.max(va, r.base(i)))} is not mapped`,
        );
      }
      if (r.flags(i) & RF.Sealed && protection & PROT.Write) {
        throw new ProtectionError(
          `protect ${hex(va)}..${hex(end)} in ${this.name}: ${hex(Math.max(va, r.base(i)))} is sealed read-only`,
        );
      }
    }
    r.protect(va, end, protection); // LimitError: nothing changed
    this.refreshEntries(va, end);
  }

  /**
   * Makes [va, va + bytes) irrevocably read-only (sealed): Write goes now and can never return.
   * Such a range can be shared with other spaces by reference counts (the seed's read-only IPC).
   */
  seal(va: number, bytes: number): void {
    this.checkRange(va, bytes, 'seal');
    const end = va + bytes;
    if (!this.regions.isFullyUsed(va, end)) {
      throw new NotAllocatedError(
        `seal ${hex(va)}..${hex(end)} in ${this.name}: part of the range is not mapped`,
      );
    }
    this.regions.modify(va, end, RF.Sealed, PROT.Write); // LimitError: nothing changed
    this.refreshEntries(va, end);
  }

  // --- what the heap needs (HeapSpace, docs/architecture.md) ---

  reserveAnon(bytes: number, alignment: number): number {
    try {
      return this.mapAnon(bytes, { alignment, name: 'heap' });
    } catch (error) {
      if (error instanceof LimitError) {
        throw new OutOfMemoryError(`reserveAnon(${bytes}) in ${this.name}: ${error.message}`);
      }
      throw error;
    }
  }

  /**
   * Fresh ANON read-write memory exactly at [va, va + bytes) when that range is free (realloc
   * growing a block in place); false, changing nothing, when it is not free or the region limit
   * is reached. Adjacent heap memory merges into one region.
   */
  extendAnon(va: number, bytes: number): boolean {
    this.checkBytes(bytes, 'extendAnon');
    if (!Number.isInteger(va) || va % PAGE !== 0)
      throw new AlignmentError(`extendAnon: ${hex(va)} is not page-aligned`);
    if (!(va >= this.start && va + bytes <= this.end) || !this.regions.isFree(va, va + bytes)) return false;
    try {
      this.mapAnon(bytes, { at: va, name: 'heap' });
    } catch (error) {
      if (error instanceof LimitError) return false;
      throw error;
    }
    return true;
  }

  release(va: number, bytes: number): void {
    this.checkRange(va, bytes, 'release');
    const end = va + bytes;
    const r = this.regions;
    for (let i = r.find(va); i < r.count && r.base(i) < end; i++) {
      if (r.type(i) !== RT.Anon) {
        throw new NotAllocatedError(
          `release ${hex(va)}..${hex(end)} in ${this.name}: ${hex(Math.max(va, r.base(i)))} is not anonymous memory`,
        );
      }
    }
    this.unmap(va, bytes);
  }

  /** Copy-out: `length` bytes at `va` into `target`, through the MMU as the owner would read them. */
  read(va: number, target: Uint8Array, offset = 0, length = target.length - offset): void {
    this.checkBuffer(target, offset, length, 'read');
    if (length === 0) return;
    this.prepare(va, length, ACC.Read, null);
    const memory = this.machine.memory;
    let done = 0;
    while (done < length) {
      const at = va + done;
      const n = Math.min(length - done, PAGE - this.pageOffset(at));
      memory.read(this.translated(at, ACC.Read), target, offset + done, n);
      done += n;
    }
  }

  /** Copy-in: `length` bytes of `source` into the space at `va`. */
  write(va: number, source: Uint8Array, offset = 0, length = source.length - offset): void {
    this.checkBuffer(source, offset, length, 'write');
    if (length === 0) return;
    this.prepare(va, length, ACC.Write, null);
    const memory = this.machine.memory;
    let done = 0;
    while (done < length) {
      const at = va + done;
      const n = Math.min(length - done, PAGE - this.pageOffset(at));
      memory.write(this.translated(at, ACC.Write), source, offset + done, n);
      done += n;
    }
  }

  fill(va: number, length: number, value: number): void {
    if (!Number.isInteger(length) || length < 0)
      throw new InvalidArgumentError(`fill: length ${length} is not a count`);
    if (length === 0) return;
    this.prepare(va, length, ACC.Write, null);
    const memory = this.machine.memory;
    let done = 0;
    while (done < length) {
      const at = va + done;
      const n = Math.min(length - done, PAGE - this.pageOffset(at));
      memory.fill(this.translated(at, ACC.Write), n, value & 0xff);
      done += n;
    }
  }

  /** memmove inside the space. */
  copy(dstVa: number, srcVa: number, length: number): void {
    if (!Number.isInteger(length) || length < 0)
      throw new InvalidArgumentError(`copy: length ${length} is not a count`);
    if (length === 0 || dstVa === srcVa) return;
    const log: number[] = [];
    try {
      this.prepare(srcVa, length, ACC.Read, log);
      this.prepare(dstVa, length, ACC.Write, log);
    } catch (error) {
      this.rollback(log);
      throw error;
    }
    if (dstVa < srcVa + length && srcVa < dstVa + length) {
      const temporary = new Uint8Array(length);
      this.read(srcVa, temporary);
      this.write(dstVa, temporary);
      return;
    }
    const memory = this.machine.memory;
    let done = 0;
    while (done < length) {
      const src = srcVa + done;
      const dst = dstVa + done;
      const n = Math.min(length - done, PAGE - this.pageOffset(src), PAGE - this.pageOffset(dst));
      memory.copy(this.translated(dst, ACC.Write), this.translated(src, ACC.Read), n);
      done += n;
    }
  }

  // --- faults ---

  /**
   * An access as the space's code would make it: the physical address, after resolving a page
   * fault if there is one. Throws SegmentationFaultError or OutOfMemoryError (nothing changed).
   */
  access(va: number, access: Access = ACC.Read): number {
    this.activate();
    const mmu = this.machine.mmu;
    const pa = mmu.translate(va, access, this.mode);
    if (pa >= 0) return pa;
    this.handleFault(va, access, mmu.faultCause);
    const again = mmu.translate(va, access, this.mode);
    if (again < 0)
      throw new InvariantError(`${this.name}: ${mmu.describeFault()} after the fault was resolved`);
    return again;
  }

  /**
   * The page-fault handler: the MMU refused `access` at `va` with `cause` (FaultCause). Maps a
   * demand-zero or PHYS page, or breaks copy-on-write; throws SegmentationFaultError when no
   * region allows the access, OutOfMemoryError when no frame is left (nothing changed then).
   */
  handleFault(va: number, access: Access, cause: FaultCause): void {
    this.checkAllowed(va, access);
    this.resolveFault(va - this.pageOffset(va), access, cause);
  }

  /** Makes this space the MMU's current one (CR3 / satp), keeping its TLB entries. */
  activate(): void {
    const mmu = this.machine.mmu;
    if (this.mode === MODE.Kernel) return; // mapped in every root
    if (mmu.root !== this.root || mmu.asid !== this.asid) mmu.setRoot(this.root, this.asid, true);
  }

  // --- fork and teardown ---

  /**
   * A copy of this space for a child: same regions; ANON pages shared read-only with a reference
   * each (copy-on-write), or copied now when `eager`. Shared regions stay shared and writable;
   * PHYS pages are mapped again on the child's first access. The child's leaf tables are filled a
   * table at a time (LeafWriter), as Linux's copy_pte_range does. Throws OutOfMemoryError or
   * LimitError and leaves this space (and every frame) as it was.
   */
  fork(owner: number, asid: number, options: { eager?: boolean; name?: string } = {}): AddressSpace {
    if (this.mode === MODE.Kernel) throw new InvalidArgumentError('the kernel space cannot be forked');
    const child = new AddressSpace(this.machine, {
      owner,
      asid,
      start: this.start,
      end: this.end,
      regionLimit: this.regions.limit,
      name: options.name,
    });
    child.regions.copyFrom(this.regions);
    try {
      child.retainAllPhys();
    } catch (error) {
      child.regions.set(child.start, child.end, { type: RT.Free }); // it holds no PHYS reference
      child.destroy();
      throw error;
    }
    const { frames, pageTables, memory } = this.machine;
    const format = pageTables.format;
    const leaf = this.leaf;
    const r = this.regions;
    const eager = options.eager === true;
    const span = leaf.tableSpan;
    const entryBytes = format.entryBytes;
    /** Parent entries to write-protect once the child is complete. */
    const writeProtect: number[] = [];
    const writeBit = leaf.writeBit;
    const youngDirty = leaf.youngDirtyBits;
    const privateClear = writeBit | youngDirty;
    try {
      for (let i = 0; i < r.count; i++) {
        if (r.type(i) !== RT.Anon) continue;
        const shared = (r.flags(i) & RF.Shared) !== 0;
        const ownFlags = this.entryFlags(r.protection(i), true);
        const base = r.base(i);
        const ceiling = r.ceiling(i);
        for (let tableBase = Math.floor(base / span) * span; tableBase < ceiling; tableBase += span) {
          const lo = Math.max(base, tableBase);
          const hi = Math.min(ceiling, tableBase + span);
          const parentTable = leaf.leafTableOf(this.root, lo);
          if (parentTable === NO_LEAF_TABLE) continue;
          let childTable = NO_LEAF_TABLE;
          let at = leaf.entryAddress(parentTable, lo);
          for (let va = lo; va < hi; va += PAGE, at += entryBytes) {
            if (!leaf.isPresentAt(at)) continue;
            const pa = leaf.frameAt(at);
            const writable = (leaf.lowAt(at) & writeBit) !== 0;
            let childPa = pa;
            if (eager && !shared) {
              childPa = frames.allocFrame(this.frameUse, owner);
              memory.copy(childPa, pa, PAGE);
            } else {
              frames.retain(pa);
              if (!shared && writable) writeProtect.push(at);
            }
            try {
              if (childTable === NO_LEAF_TABLE) {
                const flags = eager && !shared ? ownFlags : leaf.flagsAt(at) & PERMISSION;
                pageTables.map(child.root, va, childPa, PAGE, shared || eager ? flags : flags & ~PF.Write);
                childTable = leaf.leafTableOf(child.root, va);
              } else if (eager && !shared) {
                leaf.fill(childTable, childTable + (at - parentTable), childPa, ownFlags);
              } else {
                // The child's entry is the parent's, read-only unless shared, neither young nor dirty.
                leaf.copyEntry(
                  at,
                  childTable,
                  childTable + (at - parentTable),
                  shared ? youngDirty : privateClear,
                );
              }
            } catch (error) {
              frames.release(childPa);
              throw error;
            }
          }
        }
      }
    } catch (error) {
      child.destroy();
      throw error;
    }
    if (writeProtect.length > 0) {
      // Commit: the parent's private writable pages become copy-on-write too (A and D kept).
      for (const at of writeProtect) leaf.clearBits(at, writeBit);
      this.invalidateSpace();
    }
    return child;
  }

  /** Gives back every frame reference, every table page and the root. The space is dead after. */
  destroy(): void {
    if (!this.alive) return;
    if (this.mode === MODE.Kernel) {
      this.dropPages(this.start, this.end, true);
      this.regions.set(this.start, this.end, { type: RT.Free });
      this.alive = false;
      return;
    }
    const { frames, pageTables, mmu } = this.machine;
    const r = this.regions;
    let i = 0;
    pageTables.walkRange(this.root, this.start, this.end, (va, pa) => {
      while (r.ceiling(i) <= va) i++;
      if (r.type(i) === RT.Anon) frames.release(pa);
    });
    this.releasePhys(this.start, this.end);
    if (mmu.root === this.root) mmu.setRoot(pageTables.kernelRoot, 0);
    if (this.hasAsids) mmu.invalidateAsid(this.asid);
    pageTables.destroyRoot(this.root);
    this.regions.set(this.start, this.end, { type: RT.Free });
    this.alive = false;
  }

  // --- for the IPC layer: moving and sharing pages ---

  /**
   * Takes the pages of [va, va + bytes) out of this space without freeing their frames (a
   * zero-copy move): returns, per page, the frame's physical address (whose reference passes to
   * the caller) or -1 for a page never touched. The range must be ANON; it becomes FREE.
   */
  detachPages(va: number, bytes: number): Float64Array {
    this.checkRange(va, bytes, 'detachPages');
    const end = va + bytes;
    const r = this.regions;
    for (let i = r.find(va); i < r.count && r.base(i) < end; i++) {
      if (r.type(i) !== RT.Anon) {
        throw new NotAllocatedError(
          `detachPages ${hex(va)}..${hex(end)} in ${this.name}: ${hex(Math.max(va, r.base(i)))} is not anonymous memory`,
        );
      }
    }
    // The region first: it is the only step that can be refused (LimitError, nothing changed);
    // one region operation, no separate count.
    this.setRegions(va, end, FREE_REGION);
    const out = new Float64Array(bytes / PAGE);
    // The leaf entries go a table at a time; the frames land in `out`, -1 for the pages never
    // touched (no visitor per page).
    const taken = this.machine.pageTables.takeRange(this.root, va, end, out);
    if (taken > 0) this.invalidateTaken(va, out);
    return out;
  }

  /**
   * Maps the given frames as a new ANON region (a zero-copy receive): one entry per page, -1 for
   * a demand-zero page. The caller's reference on each frame passes to this space. Read-only
   * mappings of frames with other holders stay shared; writable ones are copy-on-write when shared.
   */
  attachPages(pages: Float64Array, options: AttachOptions = {}): number {
    const bytes = pages.length * PAGE;
    const va = this.placeRegion(RT.Anon, bytes, options, false);
    const protection = options.protection ?? PROT.ReadWrite;
    const { frameTable, memory } = this.machine;
    // Check every frame before anything changes: a whole RAM frame number, allocated.
    const state = frameTable.state;
    const frameCount = memory.frameCount;
    const allocated = FS.Allocated;
    for (let k = 0; k < pages.length; k++) {
      const pa = pages[k];
      if (pa < 0) continue;
      // Below 4 GiB and aligned exactly when the frame number gives the address back.
      const pfn = pa >>> 12;
      if (pfn * PAGE !== pa || pfn >= frameCount || state[pfn] !== allocated)
        throw new NotAllocatedError(`attachPages: frame ${hex(pa)} is not allocated`);
    }
    const end = va + bytes;
    // The region before the tables: setting it is the one region operation (its LimitError
    // changes nothing); a failure to prepare the tables sets the range FREE again.
    this.setRegions(va, end, {
      type: RT.Anon,
      protection,
      flags: options.flags ?? 0,
      name: options.name ?? '',
    });
    const leaf = this.leaf;
    const span = leaf.tableSpan;
    const own = this.entryFlags(protection, true);
    const shared = this.entryFlags(protection, false);
    const refCount = frameTable.refCount;
    // Adopting: the frames this space alone maps become its own in the fill pass.
    const adopt = options.adopt === true ? frameTable : null;
    if (end <= (Math.floor(va / span) + 1) * span) {
      // Within one leaf table (any small message): one walk, unless the table must be made.
      let table = leaf.leafTableOf(this.root, va);
      if (table === NO_LEAF_TABLE) {
        if (!hasFrame(pages, 0, pages.length)) return va;
        this.prepareTables(va, end, pages);
        table = leaf.leafTableOf(this.root, va);
      }
      leaf.fillFrames(
        table,
        leaf.entryAddress(table, va),
        pages,
        0,
        pages.length,
        refCount,
        own,
        shared,
        adopt,
        this.frameUse,
        this.owner,
      );
      return va;
    }
    // Every leaf table a frame needs, all or nothing (OutOfMemoryError: nothing changed); when
    // they all exist already (a walk per leaf table tells), nothing to prepare. The range was
    // FREE, so its entries are empty and filling them cannot fail.
    for (let lo = va; lo < end; ) {
      const hi = Math.min(end, (Math.floor(lo / span) + 1) * span);
      if (
        hasFrame(pages, (lo - va) / PAGE, (hi - va) / PAGE) &&
        leaf.leafTableOf(this.root, lo) === NO_LEAF_TABLE
      ) {
        this.prepareTables(va, end, pages);
        break;
      }
      lo = hi;
    }
    for (let lo = va; lo < end; ) {
      const hi = Math.min(end, (Math.floor(lo / span) + 1) * span);
      const table = leaf.leafTableOf(this.root, lo);
      // No table: no frame of this stretch is present (prepareLeafTables made the others).
      if (table !== NO_LEAF_TABLE) {
        leaf.fillFrames(
          table,
          leaf.entryAddress(table, lo),
          pages,
          (lo - va) / PAGE,
          (hi - lo) / PAGE,
          refCount,
          own,
          shared,
          adopt,
          this.frameUse,
          this.owner,
        );
      }
      lo = hi;
    }
    return va;
  }

  /** attachPages' leaf tables for `pages` over [va, end), or the range FREE again and the error. */
  private prepareTables(va: number, end: number, pages: Float64Array): void {
    try {
      this.machine.pageTables.prepareLeafTables(this.root, va, end, pages);
    } catch (error) {
      this.regions.set(va, end, FREE_REGION);
      throw error;
    }
  }

  // --- inspection ---

  /** The present pages of [start, end), in address order. */
  mappings(start = this.start, end = this.end): PageMapping[] {
    const out: PageMapping[] = [];
    this.machine.pageTables.walkRange(this.root, start, end, (va, pa, _size, flags) => {
      out.push({ va, pa, flags: flags & PERMISSION });
    });
    return out;
  }

  snapshot(): AddressSpaceSnapshot {
    return { regions: this.regions.regions(), pages: this.mappings() };
  }

  /** Bytes of ANON and PHYS pages present. */
  residentBytes(): number {
    let n = 0;
    this.machine.pageTables.walkRange(this.root, this.start, this.end, () => {
      n++;
    });
    return n * PAGE;
  }

  /**
   * Throws InvariantError unless the regions are consistent and every present page lies in a
   * region that allows it: ANON pages map allocated frames, PHYS pages the frame the region
   * names, no page grants more than its region, a writable private page's frame has one holder;
   * every frame a PHYS region names is reserved or allocated Direct (never free). `count` (when
   * given) receives one per ANON mapping of each frame and one per PHYS region page naming an
   * allocated frame (the reference the region holds), for the kernel's reference-count check.
   */
  check(count?: Uint32Array): void {
    if (!this.alive) return;
    this.regions.check();
    const { frameTable } = this.machine;
    const r = this.regions;
    let i = 0;
    const fail = (va: number, why: string): never => {
      throw new InvariantError(`${this.name}: page ${hex(va)} ${why}`);
    };
    this.machine.pageTables.walkRange(this.root, this.start, this.end, (va, pa, size, flags) => {
      if (size !== PAGE) fail(va, `is a ${size}-byte page; address spaces map 4 KiB pages`);
      while (r.ceiling(i) <= va) i++;
      const type = r.type(i);
      if (type === RT.Free) fail(va, 'is mapped inside a FREE region');
      const protection = r.protection(i);
      if (flags & PF.Write && !(protection & PROT.Write)) fail(va, 'is writable in a read-only region');
      if (this.mode === MODE.User && flags & PF.User && protection === PROT.None) {
        fail(va, 'is reachable from user mode in a PROT_NONE region');
      }
      if (this.mode === MODE.Kernel && flags & PF.User) fail(va, 'is a kernel page reachable from user mode');
      const pfn = pa / PAGE;
      if (type === RT.Phys) {
        if (pa !== r.physBase(i) + (va - r.base(i)))
          fail(va, `maps ${hex(pa)}, not the frame its PHYS region names`);
        const state = frameTable.state[pfn];
        if (state === FS.Free) fail(va, `maps frame ${hex(pa)} of a PHYS region, which is free`);
        if (state === FS.Allocated && frameTable.use[pfn] !== FU.Direct)
          fail(
            va,
            `maps frame ${hex(pa)} of a PHYS region, which has use ${frameTable.use[pfn]}, not Direct`,
          );
        return;
      }
      if (frameTable.state[pfn] !== FS.Allocated) fail(va, `maps frame ${hex(pa)} that is not allocated`);
      if (frameTable.use[pfn] !== this.frameUse)
        fail(va, `maps frame ${hex(pa)} of use ${frameTable.use[pfn]}`);
      if (flags & PF.Write && !(r.flags(i) & RF.Shared) && frameTable.refCount[pfn] !== 1) {
        fail(
          va,
          `is writable but its frame ${hex(pa)} has ${frameTable.refCount[pfn]} holders (copy-on-write broken)`,
        );
      }
      if (count) count[pfn]++;
    });
    for (let k = 0; k < r.count; k++) {
      if (r.type(k) !== RT.Phys) continue;
      const first = r.physBase(k) / PAGE;
      const last = first + (r.ceiling(k) - r.base(k)) / PAGE;
      for (let pfn = first; pfn < last; pfn++) {
        const state = frameTable.state[pfn];
        if (state === FS.Reserved) continue;
        if (state !== FS.Allocated || frameTable.use[pfn] !== FU.Direct) {
          throw new InvariantError(
            `${this.name}: the PHYS region at ${hex(r.base(k))} names frame ${hex(pfn * PAGE)}, which is ${state === FS.Free ? 'free' : `in use ${frameTable.use[pfn]}`}`,
          );
        }
        if (count) count[pfn]++;
      }
    }
  }

  // --- inside ---

  private pageCountBytes(count: number): number {
    if (!Number.isInteger(count) || count < 1) {
      throw new InvalidArgumentError(`vpm_alloc: page count ${count} must be a positive integer`);
    }
    return count * PAGE;
  }

  /**
   * Validates a new region's request and finds its address; changes nothing. `limit` false
   * leaves the region limit to the caller (setRegions refuses it when setting the region).
   */
  private placeRegion(type: RegionType, bytes: number, options: MapOptions, limit = true): number {
    this.checkBytes(bytes, 'map');
    const protection = options.protection ?? PROT.ReadWrite;
    this.checkProtection(protection);
    const flags = options.flags ?? 0;
    if (!Number.isInteger(flags) || flags < 0 || flags > (RF.Sealed | RF.Shared)) {
      throw new InvalidArgumentError(`map: unknown region flags ${flags}`);
    }
    if (flags & RF.Sealed && protection & PROT.Write) {
      throw new ProtectionError('map: a sealed region cannot be writable');
    }
    const alignment = options.alignment ?? PAGE;
    if (
      alignment !== PAGE &&
      !(Number.isInteger(alignment) && alignment >= PAGE && Number.isInteger(Math.log2(alignment)))
    ) {
      throw new InvalidArgumentError(`map: alignment ${alignment} must be a power of two >= 4096`);
    }
    let va: number;
    if (options.at !== undefined) {
      va = options.at;
      this.checkRange(va, bytes, 'map');
      if (va % alignment !== 0) throw new AlignmentError(`map: ${hex(va)} is not aligned to ${alignment}`);
      if (!this.regions.isFree(va, va + bytes)) {
        throw new BusyError(
          `map ${hex(va)}..${hex(va + bytes)} in ${this.name}: the range overlaps a region in use`,
        );
      }
    } else {
      va = this.regions.findFree(bytes, alignment, options.hint);
      if (va === NO_ADDRESS) {
        throw new OutOfMemoryError(
          `map: no free range of ${bytes} bytes (alignment ${alignment}) in ${this.name}`,
        );
      }
    }
    if (limit) {
      const attributes = { type, protection, flags, name: options.name ?? '' };
      this.checkLimit(this.regions.countAfterSet(va, va + bytes, attributes), va, va + bytes);
    }
    return va;
  }

  /** Removes the present pages of [start, end); `releaseFrames` drops ANON references (else `visit` takes them). */
  private dropPages(
    start: number,
    end: number,
    releaseFrames: boolean,
    visit?: (va: number, pa: number) => void,
  ): void {
    const { frames, pageTables } = this.machine;
    const r = this.regions;
    // Above TLB_FLUSH_CEILING pages of range, one ASID flush (before any frame can go back)
    // instead of an invalidation per page.
    const flushSpace = this.mode !== MODE.Kernel && (end - start) / PAGE > TLB_FLUSH_CEILING;
    if (flushSpace) this.invalidateSpace();
    for (let i = r.find(start); i < r.count && r.base(i) < end; i++) {
      const type = r.type(i);
      if (type === RT.Free) continue;
      const lo = Math.max(start, r.base(i));
      const hi = Math.min(end, r.ceiling(i));
      if (type === RT.Anon && releaseFrames && (hi - lo) / PAGE <= DENSE_UNMAP_PAGES) {
        // A leaf table at a time into a scratch list, then the TLB, then the frames: no visitor
        // call per page. (A larger, typically sparse, range is walked by its present tables.)
        this.dropAnon(lo, hi, flushSpace);
        continue;
      }
      pageTables.unmapRange(this.root, lo, hi, (va, pa) => {
        if (!flushSpace) this.invalidatePage(va);
        if (type !== RT.Anon) return;
        if (releaseFrames) frames.release(pa);
        else visit?.(va, pa);
      });
    }
    if (releaseFrames) this.releasePhys(start, end);
  }

  /**
   * Takes the references a PHYS region holds on the allocated frames of [startPa, endPa), all or
   * none: LimitError (a frame already has the maximum count) and nothing changed.
   */
  private retainPhys(startPa: number, endPa: number): void {
    const { frames, frameTable } = this.machine;
    let pa = startPa;
    try {
      for (; pa < endPa; pa += PAGE) if (frameTable.state[pa / PAGE] === FS.Allocated) frames.retain(pa);
    } catch (error) {
      for (let back = startPa; back < pa; back += PAGE)
        if (frameTable.state[back / PAGE] === FS.Allocated) frames.release(back);
      throw error;
    }
  }

  /** retainPhys for every PHYS region (a forked child's copy of them), all or none. */
  private retainAllPhys(): void {
    const r = this.regions;
    for (let i = 0; i < r.count; i++) {
      if (r.type(i) !== RT.Phys) continue;
      try {
        this.retainPhys(r.physBase(i), r.physBase(i) + (r.ceiling(i) - r.base(i)));
      } catch (error) {
        for (let k = 0; k < i; k++) if (r.type(k) === RT.Phys) this.releasePhysOf(k, r.base(k), r.ceiling(k));
        throw error;
      }
    }
  }

  /** Drops the references the PHYS regions over [start, end) hold (unmap, teardown). */
  private releasePhys(start: number, end: number): void {
    const r = this.regions;
    for (let i = r.find(start); i >= 0 && i < r.count && r.base(i) < end; i++) {
      if (r.type(i) === RT.Phys)
        this.releasePhysOf(i, Math.max(start, r.base(i)), Math.min(end, r.ceiling(i)));
    }
  }

  /** Drops the references PHYS region i holds for its pages [lo, hi). */
  private releasePhysOf(i: number, lo: number, hi: number): void {
    const { frames, frameTable } = this.machine;
    const r = this.regions;
    const first = r.physBase(i) + (lo - r.base(i));
    for (let pa = first; pa < first + (hi - lo); pa += PAGE) {
      if (frameTable.state[pa / PAGE] === FS.Allocated) frames.release(pa);
    }
  }

  /** dropPages for an ANON piece of at most DENSE_UNMAP_PAGES pages, through PageTables.takeRange. */
  private dropAnon(lo: number, hi: number, flushedSpace: boolean): void {
    const pages = (hi - lo) / PAGE;
    if (this.dropped.length < pages)
      this.dropped = new Float64Array(Math.min(DENSE_UNMAP_PAGES, Math.max(pages, this.dropped.length * 2)));
    const taken = this.dropped;
    if (this.machine.pageTables.takeRange(this.root, lo, hi, taken) === 0) return;
    if (!flushedSpace) for (let k = 0; k < pages; k++) if (taken[k] >= 0) this.invalidatePage(lo + k * PAGE);
    const frames = this.machine.frames;
    for (let k = 0; k < pages; k++) if (taken[k] >= 0) frames.release(taken[k]);
  }

  /** Rewrites the entries of present pages in [start, end) from their regions (after protect / seal). */
  private refreshEntries(start: number, end: number): void {
    const pages = this.collectPages(start, end);
    const { pageTables, frameTable } = this.machine;
    const r = this.regions;
    let i = r.find(start);
    for (let k = 0; k < pages.length; k += 3) {
      const va = pages[k];
      while (r.ceiling(i) <= va) i++;
      const writable =
        r.type(i) === RT.Phys ||
        (r.flags(i) & RF.Shared) !== 0 ||
        frameTable.refCount[pages[k + 1] / PAGE] === 1;
      const flags = this.entryFlags(r.protection(i), writable);
      if (flags !== (pages[k + 2] & PERMISSION)) {
        pageTables.protect(this.root, va, flags);
        this.invalidatePage(va);
      }
    }
  }

  /** (va, pa, flags) triples of the present pages of [start, end). */
  private collectPages(start: number, end: number): number[] {
    const out: number[] = [];
    this.machine.pageTables.walkRange(this.root, start, end, (va, pa, _size, flags) => {
      out.push(va, pa, flags & PERMISSION);
    });
    return out;
  }

  /**
   * The entry flags (as the format stores them) for a page of a region with `protection`;
   * `writable` false keeps it read-only (copy-on-write). From a table made once per space.
   */
  private entryFlags(protection: number, writable: boolean): number {
    return this.flagTable[protection * 2 + (writable ? 1 : 0)];
  }

  private rawEntryFlags(protection: number, writable: boolean): number {
    const w = writable && (protection & PROT.Write) !== 0;
    if (this.mode === MODE.Kernel) {
      return PF.Global | PF.Read | (w ? PF.Write : 0) | (protection & PROT.Execute ? PF.Execute : 0);
    }
    // PROT_NONE keeps the frame in a supervisor-only entry: every user access faults.
    if (protection === PROT.None) return PF.Read;
    return PF.User | PF.Read | (w ? PF.Write : 0) | (protection & PROT.Execute ? PF.Execute : 0);
  }

  /** Throws SegmentationFaultError unless a region allows `access` at `va`. */
  private checkAllowed(va: number, access: Access): void {
    const r = this.regions;
    const i = r.find(va);
    if (i < 0) {
      const format = this.machine.pageTables.format;
      const cause = !format.isCanonical(va)
        ? 'non-canonical'
        : this.mode === MODE.User && !(va >= 0 && va < format.userEnd)
          ? 'kernel-only'
          : 'unmapped';
      throw new SegmentationFaultError(va, ACCESS_NAMES[access], cause, this.name);
    }
    if (r.type(i) === RT.Free)
      throw new SegmentationFaultError(va, ACCESS_NAMES[access], 'unmapped', this.name);
    let protection = r.protection(i);
    if (protection & PROT.Write) protection |= PROT.Read;
    if (!(protection & PROTECTION_OF_ACCESS[access])) {
      throw new SegmentationFaultError(va, ACCESS_NAMES[access], 'protection', this.name);
    }
  }

  /**
   * Resolves a fault the MMU reported at `pageVa` that checkAllowed accepted. Returns what to do
   * to undo it (see Undo). Throws OutOfMemoryError and changes nothing.
   */
  private resolveFault(pageVa: number, access: Access, cause: FaultCause): number {
    const r = this.regions;
    const i = r.find(pageVa);
    const { frames, pageTables, memory, frameTable } = this.machine;
    const protection = r.protection(i);
    if (cause === FC.NotPresent) {
      if (r.type(i) === RT.Phys) {
        pageTables.map(
          this.root,
          pageVa,
          r.physBase(i) + (pageVa - r.base(i)),
          PAGE,
          this.entryFlags(protection, true),
        );
        this.faults.phys++;
        return Undo.DemandPhys;
      }
      const flags = this.entryFlags(protection, true);
      // Fast path: the leaf table exists, so writing the entry cannot fail once the frame is had.
      const table = this.leaf.leafTableOf(this.root, pageVa);
      const pa = frames.allocFrame(this.frameUse, this.owner);
      if (!this.machine.framesArriveZeroed) memory.zeroFrame(pa / PAGE);
      if (table !== NO_LEAF_TABLE) {
        // Young, and dirty for a write, as Linux's do_anonymous_page makes it: the retried access
        // need not write the bits back.
        const young = flags | PF.Accessed | (access === ACC.Write ? PF.Dirty : 0);
        this.leaf.fill(table, this.leaf.entryAddress(table, pageVa), pa, young);
        this.faults.demandZero++;
        return Undo.DemandAnon;
      }
      try {
        pageTables.map(this.root, pageVa, pa, PAGE, flags);
      } catch (error) {
        frames.release(pa);
        throw error;
      }
      this.faults.demandZero++;
      return Undo.DemandAnon;
    }
    if (cause === FC.Protection && access === ACC.Write) {
      const found = pageTables.lookup(this.root, pageVa);
      const pa = found.pagePa;
      const shared = r.type(i) === RT.Phys || (r.flags(i) & RF.Shared) !== 0;
      if (shared || frameTable.refCount[pa / PAGE] === 1) {
        pageTables.protect(this.root, pageVa, this.entryFlags(protection, true));
        this.invalidatePage(pageVa);
        this.faults.cowTakeover++;
        return Undo.TakeOver;
      }
      const copy = frames.allocFrame(this.frameUse, this.owner);
      memory.copy(copy, pa, PAGE);
      this.replaceLeaf(found.entryAddress, copy, this.entryFlags(protection, true));
      frames.release(pa);
      this.invalidatePage(pageVa);
      this.faults.cowCopy++;
      return pa;
    }
    throw new InvariantError(
      `${this.name}: unexpected fault at ${hex(pageVa)} (${this.machine.mmu.describeFault()}) in a region that allows it`,
    );
  }

  /**
   * Points a present 4 KiB leaf at another frame in place: no table page is freed or needed,
   * so a copy-on-write copy cannot fail halfway.
   */
  private replaceLeaf(entryAddress: number, pa: number, flags: number): void {
    this.leaf.write(entryAddress, pa, flags);
  }

  /** Faults in every page of [va, va + length) for `access`, or undoes what it did and throws. */
  private prepare(va: number, length: number, access: Access, sharedLog: number[] | null): void {
    if (!Number.isInteger(va))
      throw new InvalidArgumentError(`${ACCESS_NAMES[access]}: address ${va} is not an integer`);
    const end = va + length;
    // Refuse before changing anything: every byte must be in a region that allows the access.
    const r = this.regions;
    let at = va;
    while (at < end) {
      this.checkAllowed(at, access);
      at = r.ceiling(r.find(at));
    }
    this.activate();
    const mmu = this.machine.mmu;
    let log = sharedLog;
    const first = va - this.pageOffset(va);
    for (let page = first; page < end; page += PAGE) {
      if (mmu.translate(page, access, this.mode) >= 0) continue;
      try {
        const undo = this.resolveFault(page, access, mmu.faultCause);
        if (log === null) log = [];
        log.push(page, undo);
      } catch (error) {
        if (log !== null && log !== sharedLog) this.rollback(log);
        throw error;
      }
    }
  }

  /** Undoes resolved faults, newest first. */
  private rollback(log: number[]): void {
    const { frames, pageTables } = this.machine;
    const r = this.regions;
    for (let k = log.length - 2; k >= 0; k -= 2) {
      const page = log[k];
      const undo = log[k + 1];
      const protection = r.protection(r.find(page));
      if (undo === Undo.DemandAnon || undo === Undo.DemandPhys) {
        const pa = pageTables.unmap(this.root, page);
        if (undo === Undo.DemandAnon) frames.release(pa);
        this.faults[undo === Undo.DemandAnon ? 'demandZero' : 'phys']--;
      } else if (undo === Undo.TakeOver) {
        pageTables.protect(this.root, page, this.entryFlags(protection, false));
        this.faults.cowTakeover--;
      } else {
        const found = pageTables.lookup(this.root, page);
        frames.retain(undo);
        this.replaceLeaf(found.entryAddress, undo, this.entryFlags(protection, false));
        frames.release(found.pagePa);
        this.faults.cowCopy--;
      }
      this.invalidatePage(page);
    }
    log.length = 0;
  }

  private translated(va: number, access: Access): number {
    const mmu = this.machine.mmu;
    const pa = mmu.translate(va, access, this.mode);
    if (pa < 0)
      throw new InvariantError(`${this.name}: ${mmu.describeFault()} after the range was faulted in`);
    return pa;
  }

  private pageOffset(va: number): number {
    return ((va % PAGE) + PAGE) % PAGE;
  }

  /** Drops the TLB entries for one page of this space, when the TLB can hold any. */
  private invalidatePage(va: number): void {
    const mmu = this.machine.mmu;
    if (this.mode === MODE.Kernel) mmu.invalidatePage(va, mmu.asid);
    else if (this.hasAsids || mmu.root === this.root) mmu.invalidatePage(va, this.asid);
  }

  /**
   * Drops the TLB entries of the pages a bulk removal took (slots >= 0 of `pages`, from `start`):
   * one by one up to TLB_FLUSH_CEILING pages of range, above it the whole ASID at once.
   */
  private invalidateTaken(start: number, pages: Float64Array): void {
    if (this.mode !== MODE.Kernel && pages.length > TLB_FLUSH_CEILING) {
      this.invalidateSpace();
      return;
    }
    for (let k = 0; k < pages.length; k++) if (pages[k] >= 0) this.invalidatePage(start + k * PAGE);
  }

  /** Drops every TLB entry of this space (i386 keeps entries only for the current root). */
  private invalidateSpace(): void {
    const mmu = this.machine.mmu;
    if (this.hasAsids || mmu.root === this.root) mmu.invalidateAsid(this.asid);
  }

  /** regions.set, refused as checkLimit refuses it (LimitError naming this space; nothing changed). */
  private setRegions(start: number, end: number, attributes: RegionAttributes): void {
    try {
      this.regions.set(start, end, attributes);
    } catch (error) {
      if (error instanceof LimitError)
        this.checkLimit(this.regions.countAfterSet(start, end, attributes), start, end);
      throw error;
    }
  }

  private checkLimit(count: number, start: number, end: number): void {
    if (count > this.regions.limit) {
      throw new LimitError(
        `${this.name}: ${hex(start)}..${hex(end)} would need ${count} regions; the limit is ${this.regions.limit}`,
      );
    }
  }

  private checkBytes(bytes: number, what: string): void {
    if (!Number.isInteger(bytes) || bytes <= 0)
      throw new InvalidArgumentError(`${what}: size ${bytes} must be a positive integer`);
    if (bytes % PAGE !== 0) throw new AlignmentError(`${what}: size ${bytes} is not a multiple of 4096`);
  }

  private checkRange(va: number, bytes: number, what: string): void {
    this.checkBytes(bytes, what);
    if (!Number.isInteger(va) || va % PAGE !== 0)
      throw new AlignmentError(`${what}: ${hex(va)} is not page-aligned`);
    if (!(va >= this.start && va + bytes <= this.end)) {
      throw new AddressRangeError(
        `${what}: ${hex(va)}..${hex(va + bytes)} is outside ${this.name}'s range ${hex(this.start)}..${hex(this.end)}`,
      );
    }
  }

  private checkProtection(protection: number): void {
    if (!Number.isInteger(protection) || protection < 0 || protection > PROT.All) {
      throw new InvalidArgumentError(`protection ${protection} is not a combination of read, write, execute`);
    }
    if (this.mode === MODE.Kernel && protection === PROT.None) {
      throw new InvalidArgumentError('kernel memory cannot be PROT_NONE');
    }
  }

  private checkBuffer(buffer: Uint8Array, offset: number, length: number, what: string): void {
    if (
      !Number.isInteger(offset) ||
      !Number.isInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > buffer.length
    ) {
      throw new InvalidArgumentError(
        `${what}: offset ${offset} and length ${length} do not fit a buffer of ${buffer.length}`,
      );
    }
  }
}

/** Whether pages[from, to) holds a frame (a slot >= 0). */
function hasFrame(pages: Float64Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (pages[k] >= 0) return true;
  return false;
}
