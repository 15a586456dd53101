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
import {
  checkAddress,
  checkCount,
  checkRangeInRam,
  constraintWindow,
  describeConstraint,
  frameName,
  invalidHolder,
  isValidHolder,
} from './frame-arguments.js';
import { FrameState, FrameTable, FrameUse, KERNEL_OWNER, MAX_REF_COUNT, NO_FRAME } from './frame-table.js';
import { defaultMemoryMap, describeRange, rangeAt, resolveMemoryMap } from './memory-map.js';
import { FRAME_SIZE, MAX_PHYSICAL_BYTES, PhysicalMemory } from './physical-memory.js';
import { checkPhysicalMemory, physicalStats } from './physical-memory-checker.js';
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

export { MAX_OWNER } from './frame-arguments.js';

/** RAM of a machine when the configuration does not say. */
export const DEFAULT_RAM_BYTES = 64 * 1024 * 1024;
/** The byte 'junk' fill writes, as xv6's kalloc does with its own pattern. */
export const JUNK_BYTE = 0x5a;

// The fill policy as a small integer the hot path compares.
const FILL_ZERO = 0;
const FILL_JUNK = 1;
const FILL_NONE = 2;

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
    this.fillCode = fill === 'zero' ? FILL_ZERO : fill === 'junk' ? FILL_JUNK : FILL_NONE;
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
    // Hot path: literals instead of imported constants. Compiled, V8 loads an imported binding
    // with a hole check on every use; measured, the literals keep allocFrame + free at 1.4 x a
    // bare stack's pop + push, against 2.8 to 3.8 x with the constants.
    // use = FrameUse.Direct (5), owner = KERNEL_OWNER (0); valid uses are 1 to 5, owners 16-bit.
    if (!((use & 7) === use && use !== 0 && use <= 5 && (owner & 0xffff) === owner))
      invalidHolder(use, owner);
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
    checkCount(count, this.totalFrames, 'allocContiguous');
    if (!isValidHolder(use, owner)) invalidHolder(use, owner);
    const window = constraint
      ? constraintWindow(constraint, this.totalFrames)
      : { minFrame: 0, limitFrame: this.totalFrames, alignFrames: 1 };
    const pfn =
      count === 1 && !constraint
        ? this.allocator.allocateOne()
        : this.allocator.allocate(count, window.alignFrames, window.minFrame, window.limitFrame);
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
    checkAddress(pa, this.ramBytes, 'allocAt');
    checkCount(count, this.totalFrames, 'allocAt');
    if (!isValidHolder(use, owner)) invalidHolder(use, owner);
    const first = pa / FRAME_SIZE;
    checkRangeInRam(first, count, this.totalFrames, 'allocAt');
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
    checkAddress(pa, this.ramBytes, 'free');
    checkCount(count, this.totalFrames, 'free');
    const first = pa / FRAME_SIZE;
    checkRangeInRam(first, count, this.totalFrames, 'free');
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
    if (!isValidHolder(use, owner)) invalidHolder(use, owner);
    this.frames.use[pfn] = use;
    this.frames.owner[pfn] = owner;
  }

  /** FrameState of the frame holding `pa`. */
  stateOf(pa: number): FrameState {
    checkAddress(pa, this.ramBytes, 'stateOf');
    return this.frames.state[pa / FRAME_SIZE] as FrameState;
  }

  /** Reference count of the frame at `pa` (0 when free or reserved). */
  refCountOf(pa: number): number {
    checkAddress(pa, this.ramBytes, 'refCountOf');
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
    return physicalStats(this);
  }

  /** The layer's invariants (see checkPhysicalMemory); throws InvariantError. */
  check(): void {
    checkPhysicalMemory(this);
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
      if (this.fillCode !== FILL_NONE) this.fillFrame(pfn);
      frames.state[pfn] = FrameState.Allocated;
      frames.refCount[pfn] = 1;
      frames.use[pfn] = use;
      frames.owner[pfn] = owner;
    }
  }

  private fillFrame(pfn: number): void {
    if (this.fillCode === FILL_ZERO) this.memory.zeroFrame(pfn);
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
    checkAddress(pa, this.ramBytes, operation);
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

  private reservedReason(pfn: number): string {
    const range = rangeAt(this.memoryMap, pfn * FRAME_SIZE);
    return range ? describeRange(range) : 'outside the map';
  }
}
