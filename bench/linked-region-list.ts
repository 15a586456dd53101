/**
 * The seed's old design, kept as the benchmark's baseline: a linked list of MemRegion nodes
 * sorted by address, searched by walking it. Only what the comparison needs: sorted insertion
 * (regions are created in any order over a process's life, so the nodes end up scattered in
 * memory as they would in the seed's shared pool) and lookup.
 */
import type { RegionType } from '../src/vm/region-types.js';

export interface RegionNode {
  base: number;
  ceiling: number;
  type: RegionType;
  next: RegionNode | null;
}

export class LinkedRegionList {
  private head: RegionNode | null = null;
  private tail: RegionNode | null = null;
  count = 0;

  /** Appends a region above every region already in the list. */
  append(base: number, ceiling: number, type: RegionType): void {
    if (this.tail && base < this.tail.ceiling) {
      throw new RangeError('append needs regions in increasing address order');
    }
    const node: RegionNode = { base, ceiling, type, next: null };
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.count++;
  }

  /** Inserts a region in address order (it must not overlap one already there). */
  insert(base: number, ceiling: number, type: RegionType): void {
    let previous: RegionNode | null = null;
    let next = this.head;
    while (next !== null && next.base < base) {
      previous = next;
      next = next.next;
    }
    if ((previous && previous.ceiling > base) || (next && next.base < ceiling)) {
      throw new RangeError('insert: the region overlaps one already in the list');
    }
    const node: RegionNode = { base, ceiling, type, next };
    if (previous) previous.next = node;
    else this.head = node;
    if (next === null) this.tail = node;
    this.count++;
  }

  /** The node holding `va`, walking from the head, or null. */
  find(va: number): RegionNode | null {
    for (let node = this.head; node !== null; node = node.next) {
      if (va < node.base) return null;
      if (va < node.ceiling) return node;
    }
    return null;
  }
}
