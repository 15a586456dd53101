/**
 * The replay driver, as malloc-lab's: runs a .rep trace through an allocator and reports
 * utilization (the peak of the live payload divided by the peak footprint the allocator held),
 * resident utilization (the same over the peak of the memory it actually holds resident) and
 * operations per second. In checking mode it fills every block's payload with random bytes through
 * the memory the allocator hands out, and checks them before the block is freed or reallocated,
 * so an allocator that overlaps two blocks or loses bytes in a realloc is caught.
 */
import { PageframeError } from '../../common/errors.js';
import { hex } from '../../common/format.js';
import { Random } from '../../common/random.js';
import { RepOp, type RepTrace } from '../rep-trace.js';

// replayFast's operation codes as module-local constants: V8 folds those into the loop, but reads
// an imported binding through its module cell at every use (the loop with allocators that do
// nothing: 3.3 -> 3.0 ns an operation).
const ALLOC = RepOp.Alloc;
const FREE = RepOp.Free;

/** What the driver needs of an allocator (Heap satisfies it through heapAllocator()). */
export interface ReplayAllocator {
  malloc(size: number): number;
  free(address: number): void;
  realloc(address: number, size: number): number;
  /** Bytes the allocator holds now (sampled after every operation when measuring). */
  footprint(): number;
  /** The largest footprint it held, transients included, when it tracks one itself. */
  peakFootprint?(): number;
  /** The largest number of bytes it held resident (frames), when it tracks it; else the footprint stands in. */
  peakResident?(): number;
  /** Bytes of its bookkeeping kept outside the memory it manages (0 or absent when it is all inside). */
  metadataBytes?(): number;
}

/** Byte access to the blocks, for checking mode (a HeapSpace satisfies it). */
export interface ReplayMemory {
  read(address: number, target: Uint8Array, offset?: number, length?: number): void;
  write(address: number, source: Uint8Array, offset?: number, length?: number): void;
}

export interface ReplayOptions {
  /** Fill and verify payloads through this memory. */
  check?: ReplayMemory;
  /** Alignment every address must have (checking mode). Default 8. */
  alignment?: number;
  /** Seed of the payload bytes. */
  seed?: number;
}

export interface ReplayResult {
  trace: string;
  ops: number;
  peakPayload: number;
  peakFootprint: number;
  /** peakPayload / peakFootprint. */
  utilization: number;
  /** Largest resident bytes of the allocator's memory (the frames it costs the machine). */
  peakResident: number;
  /** peakPayload / peakResident. */
  residentUtilization: number;
  /** Bytes of bookkeeping outside the managed memory at the end (not in the footprint). */
  metadataBytes: number;
  seconds: number;
  opsPerSec: number;
}

/** The allocator failed the trace: out of memory, a bad address, or a payload overwritten. */
export class ReplayError extends PageframeError {
  constructor(trace: string, op: number, reason: string) {
    super('EREPLAY', `${trace}: operation ${op + 1}: ${reason}`);
  }
}

/** Replays `trace` once, measuring utilization (and checking payloads when asked). */
export function replay(
  trace: RepTrace,
  allocator: ReplayAllocator,
  options: ReplayOptions = {},
): ReplayResult {
  const { kinds, ids, sizes } = trace;
  const addresses = new Float64Array(trace.idCount);
  const blockSizes = new Float64Array(trace.idCount);
  const memory = options.check;
  const alignment = options.alignment ?? 8;
  const contents: Array<Uint8Array | undefined> = memory ? new Array(trace.idCount) : [];
  const rng = new Random(options.seed ?? 1);
  let payload = 0;
  let peakPayload = 0;
  let peakFootprint = allocator.footprint();
  const start = now();
  for (let i = 0; i < kinds.length; i++) {
    const id = ids[i];
    const kind = kinds[i];
    if (kind === RepOp.Alloc) {
      const size = sizes[i];
      const va = allocator.malloc(size > 0 ? size : 1);
      if (va === 0) throw new ReplayError(trace.name, i, `malloc(${size}) ran out of memory`);
      addresses[id] = va;
      blockSizes[id] = size;
      payload += size;
      if (memory) contents[id] = fillBlock(trace.name, i, memory, rng, va, size, alignment);
    } else if (kind === RepOp.Free) {
      // free(NULL) for `f -1` and for an id that holds no block: nothing.
      if (id < 0 || addresses[id] === 0) continue;
      if (memory) verifyBlock(trace.name, i, memory, addresses[id], contents[id]!, blockSizes[id]);
      allocator.free(addresses[id]);
      payload -= blockSizes[id];
      addresses[id] = 0;
      blockSizes[id] = 0;
      if (memory) contents[id] = undefined;
    } else {
      const size = sizes[i];
      const old = blockSizes[id];
      const from = addresses[id];
      if (memory && from !== 0) verifyBlock(trace.name, i, memory, from, contents[id]!, old);
      // realloc(NULL, size) of an id that holds no block is a malloc.
      const va =
        from === 0 ? allocator.malloc(size > 0 ? size : 1) : allocator.realloc(from, size > 0 ? size : 1);
      if (va === 0) throw new ReplayError(trace.name, i, `realloc(${hex(from)}, ${size}) ran out of memory`);
      if (memory) {
        // The kept prefix must have moved with the block.
        if (from !== 0) verifyBlock(trace.name, i, memory, va, contents[id]!, Math.min(old, size));
        contents[id] = fillBlock(trace.name, i, memory, rng, va, size, alignment);
      }
      addresses[id] = va;
      blockSizes[id] = size;
      payload += size - old;
    }
    if (payload > peakPayload) peakPayload = payload;
    const footprint = allocator.footprint();
    if (footprint > peakFootprint) peakFootprint = footprint;
  }
  const seconds = (now() - start) / 1000;
  if (allocator.peakFootprint) peakFootprint = Math.max(peakFootprint, allocator.peakFootprint());
  const peakResident = allocator.peakResident ? allocator.peakResident() : peakFootprint;
  return {
    trace: trace.name,
    ops: kinds.length,
    peakPayload,
    peakFootprint,
    utilization: peakFootprint > 0 ? peakPayload / peakFootprint : 1,
    peakResident,
    residentUtilization: peakResident > 0 ? peakPayload / peakResident : 1,
    metadataBytes: allocator.metadataBytes ? allocator.metadataBytes() : 0,
    seconds,
    opsPerSec: seconds > 0 ? kinds.length / seconds : Number.POSITIVE_INFINITY,
  };
}

/**
 * Replays `trace` as fast as possible: no footprint sampling, no checking. Returns the number of
 * operations (for a benchmark's batch). The allocator must be fresh and `addresses` (one entry
 * an id) all zero; it ends holding the addresses of the blocks the trace never frees.
 */
export function replayFast(trace: RepTrace, allocator: ReplayAllocator, addresses: Float64Array): number {
  const { kinds, ids, sizes } = trace;
  for (let i = 0; i < kinds.length; i++) {
    const id = ids[i];
    const kind = kinds[i];
    if (kind === ALLOC) {
      const size = sizes[i];
      addresses[id] = allocator.malloc(size > 0 ? size : 1);
    } else if (kind === FREE) {
      if (id >= 0 && addresses[id] !== 0) {
        allocator.free(addresses[id]);
        addresses[id] = 0;
      }
    } else {
      const size = sizes[i];
      const from = addresses[id];
      addresses[id] =
        from === 0 ? allocator.malloc(size > 0 ? size : 1) : allocator.realloc(from, size > 0 ? size : 1);
    }
  }
  return kinds.length;
}

function fillBlock(
  trace: string,
  op: number,
  memory: ReplayMemory,
  rng: Random,
  va: number,
  size: number,
  alignment: number,
): Uint8Array {
  if (va % alignment !== 0)
    throw new ReplayError(trace, op, `address ${hex(va)} is not aligned to ${alignment}`);
  const bytes = new Uint8Array(size);
  rng.fill(bytes);
  try {
    memory.write(va, bytes);
  } catch (error) {
    throw asReplayError(error, trace, op, `writing the ${size}-byte payload at ${hex(va)}`);
  }
  return bytes;
}

function verifyBlock(
  trace: string,
  op: number,
  memory: ReplayMemory,
  va: number,
  expected: Uint8Array,
  length: number,
): void {
  if (length === 0) return;
  const actual = new Uint8Array(length);
  try {
    memory.read(va, actual);
  } catch (error) {
    throw asReplayError(error, trace, op, `reading the ${length}-byte payload at ${hex(va)}`);
  }
  for (let i = 0; i < length; i++)
    if (actual[i] !== expected[i])
      throw new ReplayError(trace, op, `payload of the block at ${hex(va)} was overwritten at byte ${i}`);
}

/** A machine error while the driver touches a payload (out of frames, a fault), named by trace and operation. */
function asReplayError(error: unknown, trace: string, op: number, doing: string): unknown {
  if (!(error instanceof PageframeError) || error instanceof ReplayError) return error;
  return new ReplayError(trace, op, `${doing}: ${error.message}`);
}

function now(): number {
  return globalThis.performance ? globalThis.performance.now() : Date.now();
}
