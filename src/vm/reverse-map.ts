/**
 * The reverse map: from a frame to every page-table entry that maps it, so that reclaim can
 * unmap a shared page (copy-on-write after fork, an IPC share) from every space that maps it and
 * invalidate each TLB entry. Linux keeps it per page in mm/rmap.c; here it is a pool of nodes
 * in typed arrays, one list per frame, and a free list of nodes: no object per mapping.
 *
 * A node says which space maps the frame, at which virtual address, and where the entry is in
 * RAM (its leaf table does not move while the entry is present). Only present 4 KiB entries of
 * ANON regions of user spaces are kept here: the pages reclaim may evict. Used by VmSwap.
 */
import { InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import type { AddressSpace } from './address-space.js';

/** The end of a list (no node, no space). */
export const NO_NODE = -1;

export class ReverseMap {
  /** First node of each frame's list, by frame number. */
  readonly head: Int32Array;
  /** Nodes in each frame's list (its mappings), by frame number. */
  readonly mapCount: Uint16Array;
  /** Node fields. */
  nodeSpace: Int32Array;
  nodeVa: Float64Array;
  nodeEntry: Float64Array;
  nodeNext: Int32Array;
  private freeNode = NO_NODE;
  private used = 0;
  /** The registered spaces by id, and the pages each maps here (its resident set). */
  private readonly spaceById: (AddressSpace | null)[] = [];
  private residentById = new Int32Array(16);
  private readonly freeIds: number[] = [];

  constructor(frameCount: number) {
    this.head = new Int32Array(frameCount).fill(NO_NODE);
    this.mapCount = new Uint16Array(frameCount);
    const initial = 1024;
    this.nodeSpace = new Int32Array(initial);
    this.nodeVa = new Float64Array(initial);
    this.nodeEntry = new Float64Array(initial);
    this.nodeNext = new Int32Array(initial);
    this.chainFree(0, initial);
  }

  /** Nodes in use (mappings recorded). */
  get size(): number {
    return this.used;
  }

  /** Gives `space` an id under which its mappings are recorded. */
  register(space: AddressSpace): number {
    const id = this.freeIds.length > 0 ? (this.freeIds.pop() as number) : this.spaceById.length;
    if (id === this.spaceById.length) this.spaceById.push(space);
    else this.spaceById[id] = space;
    if (id >= this.residentById.length) {
      const grown = new Int32Array(this.residentById.length * 2);
      grown.set(this.residentById);
      this.residentById = grown;
    }
    this.residentById[id] = 0;
    return id;
  }

  /** Forgets a space whose mappings are all gone. */
  unregister(id: number): void {
    if (this.residentById[id] !== 0)
      throw new InvariantError(
        `${this.spaceOf(id).name} leaves ${this.residentById[id]} mappings in the reverse map`,
      );
    this.spaceById[id] = null;
    this.freeIds.push(id);
  }

  spaceOf(id: number): AddressSpace {
    const space = this.spaceById[id];
    if (space === null || space === undefined) throw new InvariantError(`reverse map: no space ${id}`);
    return space;
  }

  /** Every registered space. */
  spaces(): AddressSpace[] {
    return this.spaceById.filter((s): s is AddressSpace => s !== null);
  }

  /** Pages space `id` maps through recorded entries. */
  residentOf(id: number): number {
    return this.residentById[id];
  }

  /** Records that the entry at `entry` of space `id` maps frame `pfn` at `va`. */
  add(pfn: number, id: number, va: number, entry: number): void {
    if (this.freeNode === NO_NODE) this.grow();
    const node = this.freeNode;
    this.freeNode = this.nodeNext[node];
    this.nodeSpace[node] = id;
    this.nodeVa[node] = va;
    this.nodeEntry[node] = entry;
    this.nodeNext[node] = this.head[pfn];
    this.head[pfn] = node;
    this.mapCount[pfn]++;
    this.residentById[id]++;
    this.used++;
  }

  /** Forgets the mapping of frame `pfn` by space `id` at `va`; throws InvariantError when there is none. */
  remove(pfn: number, id: number, va: number): void {
    let previous = NO_NODE;
    for (let node = this.head[pfn]; node !== NO_NODE; node = this.nodeNext[node]) {
      if (this.nodeSpace[node] !== id || this.nodeVa[node] !== va) {
        previous = node;
        continue;
      }
      if (previous === NO_NODE) this.head[pfn] = this.nodeNext[node];
      else this.nodeNext[previous] = this.nodeNext[node];
      this.nodeNext[node] = this.freeNode;
      this.freeNode = node;
      this.mapCount[pfn]--;
      this.residentById[id]--;
      this.used--;
      return;
    }
    throw new InvariantError(
      `reverse map: frame ${hex(pfn * 4096)} has no mapping by ${this.spaceOf(id).name} at ${hex(va)}`,
    );
  }

  private grow(): void {
    const size = this.nodeNext.length;
    const bigger = size * 2;
    const space = new Int32Array(bigger);
    const va = new Float64Array(bigger);
    const entry = new Float64Array(bigger);
    const next = new Int32Array(bigger);
    space.set(this.nodeSpace);
    va.set(this.nodeVa);
    entry.set(this.nodeEntry);
    next.set(this.nodeNext);
    this.nodeSpace = space;
    this.nodeVa = va;
    this.nodeEntry = entry;
    this.nodeNext = next;
    this.chainFree(size, bigger);
  }

  private chainFree(from: number, to: number): void {
    for (let node = from; node < to - 1; node++) this.nodeNext[node] = node + 1;
    this.nodeNext[to - 1] = this.freeNode;
    this.freeNode = from;
  }
}
