/**
 * The physical memory manager (the seeds' PMM): RAM, the boot memory map, the frame table and a
 * frame allocator behind one face that speaks physical addresses, as `ppm_alloc` does.
 *
 * Every method checks its whole request before it changes anything: bad input throws a typed
 * error naming the frame and the reason, and the frame table, the allocator and RAM stay as they
 * were. allocFrame and free(pa) are the hot path: no object, closure or string is made on it
 * unless it throws.
 */
import {
  AddressRangeError,
  AlignmentError,
  BusyError,
  DoubleFreeError,
  InvalidArgumentError,
  InvariantError,
  LimitError,
  NotAllocatedError,
  OutOfMemoryError,
} from '../common/errors.js';
import { hex } from '../common/format.js';
import { BuddyAllocator } from './buddy-allocator.js';
import { FirstFitAllocator } from './first-fit-allocator.js';
import { FrameState, FrameTable, FrameUse, KERNEL_OWNER, MAX_REF_COUNT, NO_FRAME } from './frame-table.js';
import { defaultMemoryMap, describeRange, rangeAt, resolveMemoryMap } from './memory-map.js';
import { FRAME_SIZE, MAX_PHYSICAL_BYTES, PhysicalMemory } from './physical-memory.js';
import type {
  AllocationConstraint,
  FillPolicy,
  FrameAllocator,
  FrameAllocatorKind,
  FrameSource,
  MemoryRange,
  PhysicalMemoryConfig,
  PhysicalStats,
} from './types.js';

/** RAM of a machine when the configuration does not say. */
export const DEFAULT_RAM_BYTES = 64 * 1024 * 1024;
/** The byte 'junk' fill writes, as xv6's kalloc does with its own pattern. */
export const JUNK_BYTE = 0x5a;
/** Highest owner id a frame record holds (16-bit field). */
export const MAX_OWNER = 0xffff;

/** FrameUse names indexed by value. */
const USE_NAMES: string[] = [];
for (const [name, value] of Object.entries(FrameUse)) USE_NAMES[value] = name;
const MAX_USE = USE_NAMES.length - 1;

export class PhysicalMemoryManager implements FrameSource {
  // Fields are `declare`d so that no `undefined` is stored before the constructor's assignment:
  // V8 then keeps each field's exact type and the hot path needs no checks on what it loads.
  declare readonly memory: PhysicalMemory;
  declare readonly frames: FrameTable;
  declare readonly allocator: FrameAllocator;
  /** The boot memory map, sorted and covering all of RAM. */
  declare readonly memoryMap: readonly MemoryRange[];
  declare readonly fill: FillPolicy;
  declare readonly ramBytes: number;
  declare readonly totalFrames: number;
  declare readonly usableFrames: number;
  declare private readonly fillCode: number;
  // The frame table's arrays, one hop closer for the hot path.
  declare private readonly state: Uint8Array;
  declare private readonly refCount: Uint16Array;
  declare private readonly use: Uint8Array;
  declare private readonly owner: Uint16Array;

  constructor(config: PhysicalMemoryConfig = {}) {
    const ramBytes = config.ramBytes ?? DEFAULT_RAM_BYTES;
    if (
      !Number.isInteger(ramBytes) ||
      ramBytes <= 0 ||
      ramBytes % FRAME_SIZE !== 0 ||
      ramBytes > MAX_PHYSICAL_BYTES
    ) {
      throw new InvalidArgumentError(`RAM size ${ramBytes} must be a positive multiple of 4096 up to 4 GiB`);
    }
    const kind: FrameAllocatorKind = config.allocator ?? 'buddy';
    if (kind !== 'buddy' && kind !== 'first-fit') {
      throw new InvalidArgumentError(`unknown frame allocator '${String(kind)}' (buddy or first-fit)`);
    }
    const fill: FillPolicy = config.fill ?? 'zero';
    if (fill !== 'zero' && fill !== 'junk' && fill !== 'none') {
      throw new InvalidArgumentError(`unknown fill policy '${String(fill)}' (zero, junk or none)`);
    }
    this.memoryMap = resolveMemoryMap(config.memoryMap ?? defaultMemoryMap(ramBytes), ramBytes);
    this.ramBytes = ramBytes;
    this.fill = fill;
    this.fillCode = fill === 'zero' ? 0 : fill === 'junk' ? 1 : 2;
    this.memory = new PhysicalMemory(ramBytes);
    this.totalFrames = ramBytes / FRAME_SIZE;
    this.frames = new FrameTable(this.totalFrames);
    this.state = this.frames.state;
    this.refCount = this.frames.refCount;
    this.use = this.frames.use;
    this.owner = this.frames.owner;
    this.allocator = kind === 'buddy' ? new BuddyAllocator(this.frames) : new FirstFitAllocator(this.frames);
    let usable = 0;
    for (const range of this.memoryMap) {
      const first = range.base / FRAME_SIZE;
      const count = range.length / FRAME_SIZE;
      if (range.type === 'usable') {
        this.allocator.addFreeRange(first, count);
        usable += count;
      } else {
        this.frames.state.fill(FrameState.Reserved, first, first + count);
      }
    }
    this.usableFrames = usable;
  }

  /** ppm_alloc(): one frame, filled per the policy, with reference count 1. Returns its address. */
  allocFrame(use: FrameUse = 5, owner = 0): number {
    // Hot path: literals instead of imported constants, which cost a module-binding load each.
    // use = FrameUse.Direct (5), owner = KERNEL_OWNER (0); valid uses are 1 to 5, owners 16-bit.
    if (!((use & 7) === use && use !== 0 && use <= 5 && (owner & 0xffff) === owner))
      this.badHolder(use, owner);
    const pfn = this.allocator.allocateOne();
    if (pfn === -1) this.outOfFrames();
    if (this.fillCode !== 2) this.fillFrame(pfn);
    this.state[pfn] = 1; // FrameState.Allocated
    this.refCount[pfn] = 1;
    this.use[pfn] = use;
    this.owner[pfn] = owner;
    return pfn * 4096;
  }

  /**
   * ppm_alloc(count): `count` contiguous frames, any count (the buddy rounds up to a power of two
   * and gives the tail back), optionally inside [above, below) and aligned. Returns the first
   * frame's address.
   */
  allocContiguous(
    count: number,
    constraint?: AllocationConstraint,
    use: FrameUse = FrameUse.Direct,
    owner: number = KERNEL_OWNER,
  ): number {
    this.checkCount(count, 'allocContiguous');
    if (!((use & 7) === use && use !== FrameUse.None && use <= MAX_USE && (owner & MAX_OWNER) === owner))
      this.badHolder(use, owner);
    let minFrame = 0;
    let limitFrame = this.totalFrames;
    let alignFrames = 1;
    if (constraint) {
      const { above = 0, below = MAX_PHYSICAL_BYTES, alignment = FRAME_SIZE } = constraint;
      if (!Number.isInteger(above) || above < 0 || above % FRAME_SIZE !== 0) {
        throw new AlignmentError(`allocContiguous: lower bound ${hex(above)} is not a frame-aligned address`);
      }
      if (!Number.isInteger(below) || below <= 0 || below % FRAME_SIZE !== 0 || below > MAX_PHYSICAL_BYTES) {
        throw new AlignmentError(
          `allocContiguous: upper bound ${hex(below)} is not a frame-aligned address up to 4 GiB`,
        );
      }
      if (
        !Number.isInteger(alignment) ||
        alignment < FRAME_SIZE ||
        alignment > MAX_PHYSICAL_BYTES ||
        (alignment & (alignment - 1)) !== 0
      ) {
        throw new InvalidArgumentError(
          `allocContiguous: alignment ${alignment} is not a power of two from 4096 to 4 GiB`,
        );
      }
      if (above >= below) {
        throw new AddressRangeError(`allocContiguous: empty range ${hex(above)} to ${hex(below)}`);
      }
      minFrame = above / FRAME_SIZE;
      limitFrame = Math.min(this.totalFrames, below / FRAME_SIZE);
      alignFrames = alignment / FRAME_SIZE;
    }
    const pfn =
      count === 1 && !constraint
        ? this.allocator.allocateOne()
        : this.allocator.allocate(count, alignFrames, minFrame, limitFrame);
    if (pfn === NO_FRAME) {
      const where = constraint ? ` with ${describeConstraint(constraint)}` : '';
      throw new OutOfMemoryError(
        `out of physical memory: no ${count} contiguous free frames${where} (${this.allocator.freeFrameCount()} frames free, longest run ${this.allocator.largestFreeRun()})`,
      );
    }
    this.commitAllocation(pfn, count, use, owner);
    return pfn * FRAME_SIZE;
  }

  /** ppm_alloc(where, count): exactly the frames [pa, pa + count * 4096), which must all be free. */
  allocAt(pa: number, count = 1, use: FrameUse = FrameUse.Direct, owner: number = KERNEL_OWNER): number {
    this.checkAddress(pa, 'allocAt');
    this.checkCount(count, 'allocAt');
    if (!((use & 7) === use && use !== FrameUse.None && use <= MAX_USE && (owner & MAX_OWNER) === owner))
      this.badHolder(use, owner);
    const first = pa / FRAME_SIZE;
    this.checkRangeInRam(first, count, 'allocAt');
    const state = this.frames.state;
    for (let pfn = first; pfn < first + count; pfn++) {
      if (state[pfn] !== FrameState.Free) {
        const why = state[pfn] === FrameState.Reserved ? `reserved (${this.reservedReason(pfn)})` : 'in use';
        throw new BusyError(`allocAt ${hex(pa)}+${count} frames: frame ${frameName(pfn)} is ${why}`);
      }
    }
    if (!this.allocator.allocateAt(first, count)) {
      throw new InvariantError(
        `allocAt: the ${this.allocator.kind} allocator refused free frames at ${hex(pa)}`,
      );
    }
    this.commitAllocation(first, count, use, owner);
    return pa;
  }

  /**
   * Gives back `count` frames from `pa` (any range of frames held once; they need not be one
   * allocation). A frame shared by several holders must be released by each of them instead.
   */
  free(pa: number, count = 1): void {
    // The hot case, one frame held once, in a few integer tests (literals: 4 KiB frames, see
    // allocFrame); anything else takes the full checks.
    if (count === 1 && pa >>> 0 === pa && (pa & 4095) === 0 && pa < this.ramBytes) {
      const pfn = pa >>> 12;
      // refCount 1 implies Allocated: free and reserved frames hold 0 (check() proves it).
      if (this.refCount[pfn] === 1) {
        this.state[pfn] = 0; // FrameState.Free
        this.refCount[pfn] = 0;
        this.allocator.freeOne(pfn);
        return;
      }
    }
    this.freeRange(pa, count);
  }

  private freeRange(pa: number, count: number): void {
    this.checkAddress(pa, 'free');
    this.checkCount(count, 'free');
    const first = pa / FRAME_SIZE;
    this.checkRangeInRam(first, count, 'free');
    for (let pfn = first; pfn < first + count; pfn++) this.checkHeldOnce(pfn, 'free');
    for (let pfn = first; pfn < first + count; pfn++) this.clearFrame(pfn);
    if (count === 1) this.allocator.freeOne(first);
    else this.allocator.free(first, count);
  }

  /** Adds a holder of an allocated frame (a second mapping, a message in flight). */
  retain(pa: number): void {
    const pfn = this.allocatedFrame(pa, 'retain');
    const count = this.frames.refCount[pfn];
    if (count >= MAX_REF_COUNT) {
      throw new LimitError(`retain: frame ${frameName(pfn)} already has the maximum ${count} holders`);
    }
    this.frames.refCount[pfn] = count + 1;
  }

  /** Drops a holder; at the last one the frame goes back to the allocator and this returns true. */
  release(pa: number): boolean {
    const pfn = this.allocatedFrame(pa, 'release');
    const count = this.frames.refCount[pfn];
    if (count > 1) {
      this.frames.refCount[pfn] = count - 1;
      return false;
    }
    this.freeOne(pfn);
    return true;
  }

  /** Hands an allocated frame to another holder (IPC moves a page to the receiving process). */
  setOwner(pa: number, use: FrameUse, owner: number): void {
    const pfn = this.allocatedFrame(pa, 'setOwner');
    if (!((use & 7) === use && use !== FrameUse.None && use <= MAX_USE && (owner & MAX_OWNER) === owner))
      this.badHolder(use, owner);
    this.frames.use[pfn] = use;
    this.frames.owner[pfn] = owner;
  }

  /** FrameState of the frame holding `pa`. */
  stateOf(pa: number): FrameState {
    this.checkAddress(pa, 'stateOf');
    return this.frames.state[pa / FRAME_SIZE] as FrameState;
  }

  /** Reference count of the frame at `pa` (0 when free or reserved). */
  refCountOf(pa: number): number {
    this.checkAddress(pa, 'refCountOf');
    return this.frames.refCount[pa / FRAME_SIZE];
  }

  get freeFrames(): number {
    return this.allocator.freeFrameCount();
  }

  get allocatedFrames(): number {
    return this.usableFrames - this.allocator.freeFrameCount();
  }

  /**
   * Gives the frames held in the buddy's single-frame cache back to its lists, where they merge
   * (Linux's drain_all_pages). Afterwards `freeBlocksByOrder` is the fully merged picture. It
   * changes where later single frames come from, so only a caller that wants that calls it.
   */
  drainFrameCache(): void {
    if (this.allocator instanceof BuddyAllocator) this.allocator.drainAll();
  }

  stats(): PhysicalStats {
    const allocatedByUse: Record<string, number> = {};
    for (const name of USE_NAMES) allocatedByUse[name] = 0;
    const { state, use } = this.frames;
    for (let pfn = 0; pfn < this.totalFrames; pfn++) {
      if (state[pfn] === FrameState.Allocated) allocatedByUse[USE_NAMES[use[pfn]]]++;
    }
    const freeFrames = this.allocator.freeFrameCount();
    const largestFreeRun = this.allocator.largestFreeRun();
    return {
      totalFrames: this.totalFrames,
      usableFrames: this.usableFrames,
      reservedFrames: this.totalFrames - this.usableFrames,
      freeFrames,
      allocatedFrames: this.usableFrames - freeFrames,
      allocatedByUse,
      freeBlocksByOrder: this.allocator.freeBlocksByOrder(),
      largestFreeRun,
      fragmentation: freeFrames === 0 ? 0 : 1 - largestFreeRun / freeFrames,
      hostBytes: this.memory.backedBytes + this.frames.byteSize,
    };
  }

  /**
   * The layer's invariants: every frame is exactly one of free / allocated / reserved, reserved
   * frames are the map's non-usable ranges, allocated frames have a reference count of at least
   * 1 and free and reserved ones 0, counts agree, and the allocator's lists hold exactly the free
   * frames (with free buddies merged). Throws InvariantError.
   */
  check(): void {
    const { state, refCount, use } = this.frames;
    let free = 0;
    let allocated = 0;
    for (const range of this.memoryMap) {
      const first = range.base / FRAME_SIZE;
      const end = first + range.length / FRAME_SIZE;
      for (let pfn = first; pfn < end; pfn++) {
        const s = state[pfn];
        if (range.type !== 'usable') {
          if (s !== FrameState.Reserved || refCount[pfn] !== 0) {
            throw new InvariantError(
              `frame ${frameName(pfn)} in ${describeRange(range)} is not reserved (state ${s}, refCount ${refCount[pfn]})`,
            );
          }
        } else if (s === FrameState.Free) {
          if (refCount[pfn] !== 0)
            throw new InvariantError(`free frame ${frameName(pfn)} has refCount ${refCount[pfn]}`);
          free++;
        } else if (s === FrameState.Allocated) {
          if (refCount[pfn] < 1) throw new InvariantError(`allocated frame ${frameName(pfn)} has refCount 0`);
          if (use[pfn] === FrameUse.None || use[pfn] > MAX_USE)
            throw new InvariantError(`allocated frame ${frameName(pfn)} has use ${use[pfn]}`);
          allocated++;
        } else {
          throw new InvariantError(`usable frame ${frameName(pfn)} has state ${s}`);
        }
      }
    }
    if (free !== this.allocator.freeFrameCount()) {
      throw new InvariantError(
        `${free} frames are free but the allocator counts ${this.allocator.freeFrameCount()}`,
      );
    }
    if (free + allocated !== this.usableFrames) {
      throw new InvariantError(`free ${free} + allocated ${allocated} != usable ${this.usableFrames}`);
    }
    this.allocator.check();
  }

  // --- internals -------------------------------------------------------------------------------

  private outOfFrames(): never {
    throw new OutOfMemoryError(`out of physical memory: no free frame (${this.totalFrames} frames of RAM)`);
  }

  private freeOne(pfn: number): void {
    this.state[pfn] = FrameState.Free;
    this.refCount[pfn] = 0;
    this.allocator.freeOne(pfn);
  }

  private clearFrame(pfn: number): void {
    this.state[pfn] = FrameState.Free;
    this.refCount[pfn] = 0;
  }

  private commitAllocation(first: number, count: number, use: FrameUse, owner: number): void {
    const frames = this.frames;
    for (let pfn = first; pfn < first + count; pfn++) {
      if (this.fillCode !== 2) this.fillFrame(pfn);
      frames.state[pfn] = FrameState.Allocated;
      frames.refCount[pfn] = 1;
      frames.use[pfn] = use;
      frames.owner[pfn] = owner;
    }
  }

  private fillFrame(pfn: number): void {
    if (this.fillCode === 0) this.memory.zeroFrame(pfn);
    else this.memory.frameBytes(pfn).fill(JUNK_BYTE);
  }

  /** Throws unless frame `pfn` is allocated with exactly one holder. */
  private checkHeldOnce(pfn: number, operation: string): void {
    const s = this.frames.state[pfn];
    if (s === FrameState.Reserved) {
      throw new NotAllocatedError(
        `${operation}: frame ${frameName(pfn)} is reserved (${this.reservedReason(pfn)}), never allocated`,
      );
    }
    if (s === FrameState.Free) {
      if (this.use[pfn] !== FrameUse.None)
        throw new DoubleFreeError(`${operation}: frame ${frameName(pfn)} is already free (double free)`);
      throw new NotAllocatedError(`${operation}: frame ${frameName(pfn)} was never allocated`);
    }
    const holders = this.frames.refCount[pfn];
    if (holders !== 1) {
      throw new BusyError(
        `${operation}: frame ${frameName(pfn)} is shared by ${holders} holders; release it instead`,
      );
    }
  }

  /** The frame number of `pa`, which must be an allocated frame. */
  private allocatedFrame(pa: number, operation: string): number {
    this.checkAddress(pa, operation);
    const pfn = pa / FRAME_SIZE;
    const s = this.frames.state[pfn];
    if (s === FrameState.Allocated) return pfn;
    if (s === FrameState.Reserved) {
      throw new NotAllocatedError(
        `${operation}: frame ${frameName(pfn)} is reserved (${this.reservedReason(pfn)})`,
      );
    }
    if (this.use[pfn] !== FrameUse.None)
      throw new DoubleFreeError(`${operation}: frame ${frameName(pfn)} is free (already freed)`);
    throw new NotAllocatedError(`${operation}: frame ${frameName(pfn)} was never allocated`);
  }

  private checkAddress(pa: number, operation: string): void {
    if (typeof pa !== 'number' || !Number.isInteger(pa)) {
      throw new InvalidArgumentError(`${operation}: physical address ${String(pa)} is not an integer`);
    }
    if (pa % FRAME_SIZE !== 0) {
      throw new AlignmentError(`${operation}: physical address ${hex(pa)} is not aligned to a 4 KiB frame`);
    }
    if (pa < 0 || pa >= this.ramBytes) {
      throw new AddressRangeError(
        `${operation}: physical address ${hex(pa)} is outside RAM (0 to ${hex(this.ramBytes)})`,
      );
    }
  }

  private checkCount(count: number, operation: string): void {
    if (!Number.isInteger(count) || count < 1) {
      throw new InvalidArgumentError(`${operation}: frame count ${count} must be a positive integer`);
    }
    if (count > this.totalFrames) {
      throw new InvalidArgumentError(
        `${operation}: frame count ${count} is larger than RAM (${this.totalFrames} frames)`,
      );
    }
  }

  private checkRangeInRam(first: number, count: number, operation: string): void {
    if (first + count > this.totalFrames) {
      throw new AddressRangeError(
        `${operation}: frames ${frameName(first)} + ${count} run past the end of RAM (${hex(this.ramBytes)})`,
      );
    }
  }

  private badHolder(use: number, owner: number): never {
    if (!((use & 7) === use && use !== FrameUse.None && use <= MAX_USE)) {
      throw new InvalidArgumentError(`frame use ${use} is not a FrameUse other than None`);
    }
    throw new InvalidArgumentError(`frame owner ${owner} is not an owner id from 0 to ${MAX_OWNER}`);
  }

  private reservedReason(pfn: number): string {
    const range = rangeAt(this.memoryMap, pfn * FRAME_SIZE);
    return range ? describeRange(range) : 'outside the map';
  }
}

/** "0x00123000 (pfn 291)". */
function frameName(pfn: number): string {
  return `${hex(pfn * FRAME_SIZE)} (pfn ${pfn})`;
}

function describeConstraint(constraint: AllocationConstraint): string {
  const parts: string[] = [];
  if (constraint.above !== undefined) parts.push(`above ${hex(constraint.above)}`);
  if (constraint.below !== undefined) parts.push(`below ${hex(constraint.below)}`);
  if (constraint.alignment !== undefined) parts.push(`alignment ${hex(constraint.alignment)}`);
  return parts.join(', ') || 'no constraint';
}
