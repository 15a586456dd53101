/**
 * An address space: a region map saying what each range is, over page tables in RAM saying
 * which pages are present. The kernel makes one per process (and one for its own range).
 *
 * There is no per-page list of frames: as the seed proposes, the page tables alone record which
 * frames an area holds. ANON pages are demand-zero; PHYS pages map the frames their region names
 * (which it holds a reference on); after a copy-on-write fork both spaces map a frame read-only
 * until a write copies it or takes it over. Every operation checks and reserves before it
 * changes anything: a typed error leaves regions, tables, frames and TLB as they were. This
 * class is the API; each concept behind it has its own file (fault-handler, fork, teardown...).
 */
import { AddressRangeError, InvalidArgumentError, InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { Access, type FaultCause, Mode, PERMISSION_FLAGS } from '../mmu/flags.js';
import { FrameUse } from '../phys/frame-table.js';
import { reportAccess } from './access-report.js';
import { checkAllowed } from './access-rights.js';
import { checkSpace } from './address-space-checker.js';
import type {
  AddressSpaceOptions,
  AddressSpaceSnapshot,
  AttachOptions,
  FaultCounts,
  ForkOptions,
  MapOptions,
  PageMapping,
} from './address-space-options.js';
import { EntryFlags } from './entry-flags.js';
import { resolveFault, retryAfterFault } from './fault-handler.js';
import { FaultLog } from './fault-log.js';
import { copyPagesForFork, populateSharedRegions } from './fork.js';
import { extendAnon, release, reserveAnon } from './heap-adaptor.js';
import { LeafWriter } from './leaf-writer.js';
import { attachPages, detachPages } from './page-transfer.js';
import { checkPhysFrames, retainAllPhys, retainPhys } from './phys-references.js';
import { protectRange, sealRange } from './protection-change.js';
import { DEFAULT_REGION_LIMIT, PAGE_SIZE, RegionMap } from './region-map.js';
import { checkLimit, placeRegion } from './region-placement.js';
import { Protection, RegionType } from './region-types.js';
import { checkBuffer, checkCount, checkRange, pageCountBytes, pageOffset } from './space-arguments.js';
import { setResidentLimit, swappedPages, trimResident } from './space-pressure.js';
import { swapInRange } from './swap-ranges.js';
import { destroyUserSpace, dropPages } from './teardown.js';
import { TlbShootdown } from './tlb-shootdown.js';
import { copyIn, copyOut, fillRange, moveWithin } from './user-copy.js';
import type { VmMachine } from './vm-machine.js';
import type { VmSwap } from './vm-swap.js';

export type {
  AddressSpaceOptions,
  AddressSpaceSnapshot,
  AttachOptions,
  ForkOptions,
  MapOptions,
  PageMapping,
} from './address-space-options.js';
export { TLB_FLUSH_CEILING } from './tlb-shootdown.js';

/** The seed keeps the lowest pages unmapped so that a null pointer faults (Linux: mmap_min_addr). */
export const USER_SEARCH_FLOOR = 0x10000;

// A module-local copy for access(), on every access: V8 does not fold an imported binding.
const KERNEL = Mode.Kernel;

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
  readonly faults: FaultCounts = {
    demandZero: 0,
    phys: 0,
    cowCopy: 0,
    cowTakeover: 0,
    swapIn: 0,
    swapCache: 0,
  };
  /** Memory pressure (vm-swap.ts) when the machine has swap and this is a user space, else null. */
  readonly swap: VmSwap | null;
  /** This space's id in the reverse map (-1 without swap). */
  readonly swapId: number;

  // The parts the vm layer's own files work through (fault handler, fork, teardown...).
  /** The frame use of this space's ANON frames: User, or Kernel for the kernel's space. */
  readonly frameUse: FrameUse;
  readonly entryFlags: EntryFlags;
  readonly tlb: TlbShootdown;
  readonly leaf: LeafWriter;
  /** The rollback log of the copy-in or copy-out in progress. */
  readonly faultLog = new FaultLog();
  private alive = true;
  private taken = new Float64Array(0);

  constructor(machine: VmMachine, options: AddressSpaceOptions) {
    const format = machine.pageTables.format;
    const kernel = options.mode === Mode.Kernel;
    this.machine = machine;
    this.owner = options.owner;
    this.asid = options.asid;
    this.mode = kernel ? Mode.Kernel : Mode.User;
    this.name = options.name ?? (kernel ? 'kernel' : `process ${options.owner}`);
    this.frameUse = kernel ? FrameUse.Kernel : FrameUse.User;
    const halfStart = kernel ? format.kernelBase : 0;
    const halfEnd = kernel ? (format.signExtended ? 0 : format.endVa) : format.userEnd;
    const start = options.start ?? halfStart;
    const end = options.end ?? halfEnd;
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
    this.entryFlags = new EntryFlags(format, this.mode);
    // Last, so that nothing is left behind when an argument is refused.
    this.root = kernel ? machine.pageTables.kernelRoot : machine.pageTables.createRoot(options.owner);
    this.tlb = new TlbShootdown(machine.mmu, this.mode, this.root, this.asid, format.name !== 'i386');
    this.swap = kernel ? null : machine.swap;
    this.swapId = this.swap === null ? -1 : this.swap.register(this);
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

  // --- the seed's vpm_alloc, and mmap / munmap / mprotect ---

  /** vpm_alloc(): one page of ANON read-write memory anywhere. */
  vpmAlloc(): number;
  /** vpm_alloc(count): `count` pages anywhere. */
  vpmAlloc(count: number): number;
  /** vpm_alloc(where, count): `count` pages exactly at `where`. */
  vpmAlloc(where: number, count: number): number;
  vpmAlloc(whereOrCount?: number, count?: number): number {
    if (count !== undefined) return this.mapAnon(pageCountBytes(count), { at: whereOrCount });
    return this.mapAnon(pageCountBytes(whereOrCount ?? 1));
  }

  /** Maps `bytes` of demand-zero memory; returns its address. */
  mapAnon(bytes: number, options: MapOptions = {}): number {
    const va = placeRegion(this, RegionType.Anon, bytes, options);
    this.regions.set(va, va + bytes, {
      type: RegionType.Anon,
      protection: options.protection ?? Protection.ReadWrite,
      flags: options.flags ?? 0,
      name: options.name ?? '',
    });
    return va;
  }

  /**
   * Maps the physical range [pa, pa + bytes): device memory (reserved frames) or frames the
   * kernel allocated directly, on each of which the region takes a reference until it is
   * unmapped (so freeing such a frame is refused: BusyError). Other frames are refused.
   */
  mapPhys(pa: number, bytes: number, options: MapOptions = {}): number {
    checkPhysFrames(this, pa, bytes);
    const va = placeRegion(this, RegionType.Phys, bytes, options);
    retainPhys(this, pa, pa + bytes); // LimitError (a frame's count is full): nothing changed
    this.regions.set(va, va + bytes, {
      type: RegionType.Phys,
      protection: options.protection ?? Protection.ReadWrite,
      flags: options.flags ?? 0,
      physBase: pa,
      name: options.name ?? '',
    });
    return va;
  }

  /** munmap: gives back every page of [va, va + bytes); FREE parts are allowed and stay FREE. */
  unmap(va: number, bytes: number): void {
    checkRange(this, va, bytes, 'unmap');
    const end = va + bytes;
    checkLimit(this, this.regions.countAfterSet(va, end, { type: RegionType.Free }), va, end);
    dropPages(this, va, end);
    this.regions.set(va, end, { type: RegionType.Free });
  }

  /** mprotect: every page of [va, va + bytes) must be mapped. Sealed ranges never regain Write. */
  protect(va: number, bytes: number, protection: number): void {
    protectRange(this, va, bytes, protection);
  }

  /** Makes [va, va + bytes) irrevocably read-only (sealed), so it can be shared by reference. */
  seal(va: number, bytes: number): void {
    sealRange(this, va, bytes);
  }

  // --- the heap's HeapSpace contract (heap-adaptor.ts) ---

  reserveAnon(bytes: number, alignment: number): number {
    return reserveAnon(this, bytes, alignment);
  }

  extendAnon(va: number, bytes: number): boolean {
    return extendAnon(this, va, bytes);
  }

  release(va: number, bytes: number): void {
    release(this, va, bytes);
  }

  // --- copy-in and copy-out, through the MMU (user-copy.ts) ---

  /** Copy-out: `length` bytes at `va` into `target`, as the owner would read them. */
  read(va: number, target: Uint8Array, offset = 0, length = target.length - offset): void {
    checkBuffer(target, offset, length, 'read');
    if (length === 0) return;
    const mark = this.beginOperation();
    try {
      copyOut(this, va, target, offset, length);
    } finally {
      this.endOperation(mark);
    }
  }

  /** Copy-in: `length` bytes of `source` into the space at `va`. */
  write(va: number, source: Uint8Array, offset = 0, length = source.length - offset): void {
    checkBuffer(source, offset, length, 'write');
    if (length === 0) return;
    const mark = this.beginOperation();
    try {
      copyIn(this, va, source, offset, length);
    } finally {
      this.endOperation(mark);
    }
  }

  fill(va: number, length: number, value: number): void {
    checkCount(length, 'fill');
    if (length === 0) return;
    const mark = this.beginOperation();
    try {
      fillRange(this, va, length, value);
    } finally {
      this.endOperation(mark);
    }
  }

  /** memmove inside the space. */
  copy(dstVa: number, srcVa: number, length: number): void {
    checkCount(length, 'copy');
    if (length === 0 || dstVa === srcVa) return;
    const mark = this.beginOperation();
    try {
      moveWithin(this, dstVa, srcVa, length);
    } finally {
      this.endOperation(mark);
    }
  }

  // --- faults ---

  /**
   * An access as the space's code would make it: the physical address, after resolving a page
   * fault if there is one. Throws SegmentationFaultError or OutOfMemoryError (nothing changed).
   */
  access(va: number, access: Access = Access.Read): number {
    this.activate();
    const mmu = this.machine.mmu;
    const pa = mmu.translate(va, access, this.mode);
    if (pa >= 0) {
      reportAccess(this.swap, pa);
      return pa;
    }
    // The TLB is filled from the entry the handler wrote: the tables are not walked again.
    const again = retryAfterFault(this, va, access, this.mode, this.handleFault(va, access, mmu.faultCause));
    if (again < 0)
      throw new InvariantError(`${this.name}: ${mmu.describeFault()} after the fault was resolved`);
    reportAccess(this.swap, again);
    return again;
  }

  /**
   * The page-fault handler: the MMU refused `access` at `va` with `cause`. Maps a demand-zero or
   * PHYS page, or breaks copy-on-write; throws SegmentationFaultError when no region allows the
   * access, OutOfMemoryError when no frame is left (nothing changed then). Returns the address of
   * the leaf entry written, for Mmu.preload, or NO_ENTRY (fault-handler.ts).
   */
  handleFault(va: number, access: Access, cause: FaultCause): number {
    const region = checkAllowed(this, va, access);
    return resolveFault(this, va - pageOffset(va), region, access, cause, null);
  }

  /** Makes this space the MMU's current one (CR3 / satp), keeping its TLB entries. */
  activate(): void {
    if (this.mode === KERNEL) return; // mapped in every root
    const mmu = this.machine.mmu;
    if (mmu.root !== this.root || mmu.asid !== this.asid) mmu.setRoot(this.root, this.asid, true);
  }

  // --- fork and teardown ---

  /**
   * A copy of this space for a child: the same regions; ANON pages shared read-only with a
   * reference each (copy-on-write), or copied now when `eager`; shared regions stay shared and
   * writable, every page of them (untouched ones get their frame now: populateSharedRegions);
   * PHYS pages are mapped again on the child's first access. Throws OutOfMemoryError
   * or LimitError and leaves this space (and every frame) as it was.
   */
  fork(owner: number, asid: number, options: ForkOptions = {}): AddressSpace {
    if (this.mode === Mode.Kernel) throw new InvalidArgumentError('the kernel space cannot be forked');
    const mark = this.beginOperation();
    let child: AddressSpace;
    try {
      child = this.forkSpace(owner, asid, options);
    } finally {
      this.endOperation(mark);
    }
    child.trimResident();
    return child;
  }

  private forkSpace(owner: number, asid: number, options: ForkOptions): AddressSpace {
    const populated = this.faultLog;
    populated.clear();
    populateSharedRegions(this, populated);
    let child: AddressSpace;
    try {
      child = new AddressSpace(this.machine, {
        owner,
        asid,
        start: this.start,
        end: this.end,
        regionLimit: this.regions.limit,
        name: options.name,
      });
    } catch (error) {
      populated.rollback(this);
      throw error;
    }
    child.regions.copyFrom(this.regions);
    try {
      retainAllPhys(child);
    } catch (error) {
      child.regions.set(child.start, child.end, { type: RegionType.Free }); // it holds no PHYS reference
      child.destroy();
      populated.rollback(this);
      throw error;
    }
    try {
      copyPagesForFork(this, child, options.eager === true);
    } catch (error) {
      child.destroy();
      populated.rollback(this);
      throw error;
    }
    return child;
  }

  /** Gives back every frame reference, every table page and the root. The space is dead after. */
  destroy(): void {
    if (!this.alive) return;
    if (this.mode === Mode.Kernel) dropPages(this, this.start, this.end);
    else destroyUserSpace(this);
    this.regions.set(this.start, this.end, { type: RegionType.Free });
    this.alive = false;
    this.swap?.unregister(this.swapId);
  }

  // --- memory pressure, on a machine with swap (space-pressure.ts) ---

  /**
   * Brings back every swapped-out page of [va, va + bytes), before the IPC layer reads the
   * frames from the tables. OutOfMemoryError: nothing changed. Nothing to do without swap.
   */
  swapInRange(va: number, bytes: number): void {
    if (this.swap === null) return;
    checkRange(this, va, bytes, 'swapInRange');
    this.faultLog.clear();
    swapInRange(this, this.swap, va, va + bytes, this.faultLog);
  }

  /** Pages of this space resident in RAM through ANON entries (its RSS), with swap; else 0. */
  get residentPages(): number {
    return this.swap === null ? 0 : this.swap.reverseMap.residentOf(this.swapId);
  }

  /** Pages of this space that are swapped out (their entries hold slots). */
  swappedPages(): number {
    return swappedPages(this);
  }

  /** The resident limit in pages (0: none); beyond it the space replaces its own pages. */
  get residentLimit(): number {
    return this.swap === null ? 0 : this.swap.limitOf(this.swapId);
  }

  /**
   * Sets the resident limit (memory-cgroup-like): at `pages` resident pages a fault first
   * evicts one of this space's own pages (local replacement); 0 removes the limit. Pages above
   * a new limit go at once. InvalidArgumentError without swap or for a bad count.
   */
  setResidentLimit(pages: number): void {
    setResidentLimit(this, pages);
  }

  /** Evicts this space's own pages down to its resident limit (after an operation that went past it). */
  trimResident(): void {
    trimResident(this);
  }

  /** A user copy starts: the pages it faults in are kept in RAM (VmSwap.keep) until it ends. */
  private beginOperation(): number {
    return this.swap === null ? 0 : this.swap.keptMark();
  }

  /** A user copy ended: its pages may go, and the space goes back under its resident limit. */
  private endOperation(mark: number): void {
    const swap = this.swap;
    if (swap === null) return;
    swap.releaseKept(mark);
    this.trimResident();
  }

  // --- for the IPC layer: pages that leave or enter without a copy (page-transfer.ts) ---

  /**
   * Takes the pages of the ANON range [va, va + bytes) out of this space (a zero-copy move):
   * per page, the frame's physical address, whose reference passes to the caller, or -1 for a
   * page never touched. The range becomes FREE.
   */
  detachPages(va: number, bytes: number): Float64Array {
    return detachPages(this, va, bytes, null);
  }

  /** detachPages into the caller's list (a pooled one), which must hold bytes / 4096 slots. */
  detachPagesInto(va: number, bytes: number, out: Float64Array): void {
    detachPages(this, va, bytes, out);
  }

  /**
   * Maps frames as a new ANON region (a zero-copy receive): one slot per page, -1 for a
   * demand-zero page; the caller's reference on each frame passes to this space. `count`
   * (default all) says how many slots of `pages` the area has.
   */
  attachPages(pages: Float64Array, options: AttachOptions = {}, count = pages.length): number {
    if (!Number.isInteger(count) || count < 0 || count > pages.length)
      throw new InvalidArgumentError(`attachPages: ${count} pages of a list of ${pages.length}`);
    return attachPages(this, pages, count, options);
  }

  // --- inspection ---

  /** The present pages of [start, end), in address order. */
  mappings(start = this.start, end = this.end): PageMapping[] {
    const out: PageMapping[] = [];
    this.machine.pageTables.walkRange(this.root, start, end, (va, pa, _size, flags) => {
      out.push({ va, pa, flags: flags & PERMISSION_FLAGS });
    });
    return out;
  }

  snapshot(): AddressSpaceSnapshot {
    return { regions: this.regions.regions(), pages: this.mappings() };
  }

  /** Bytes of ANON and PHYS pages present. */
  residentBytes(): number {
    let pages = 0;
    this.machine.pageTables.walkRange(this.root, this.start, this.end, () => {
      pages++;
    });
    return pages * PAGE_SIZE;
  }

  /**
   * Throws InvariantError unless the space's invariants hold (address-space-checker.ts);
   * `count` receives one per reference this space holds, by frame number.
   */
  check(count?: Uint32Array): void {
    if (this.alive) checkSpace(this, count);
  }

  /** A scratch frame list of at least `pages` slots, reused by munmap. */
  takenScratch(pages: number): Float64Array {
    if (this.taken.length < pages) this.taken = new Float64Array(Math.max(pages, this.taken.length * 2));
    return this.taken;
  }
}
