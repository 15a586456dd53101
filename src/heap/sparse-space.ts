/**
 * A HeapSpace without a machine: a virtual range with a sorted list of reserved ANON ranges and
 * demand-zero pages kept only once written. It lets the heap run (and be tested, benchmarked or
 * shown in a browser) before or without page tables; it checks every access against the reserved
 * ranges as an MMU would, so a heap bug that touches unreserved memory throws.
 */
import { AddressRangeError, InvalidArgumentError, LimitError, OutOfMemoryError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { PAGE_SIZE } from './heap-constants.js';
import type { HeapSpace } from './heap-space.js';

export interface SparseSpaceOptions {
  /** First usable virtual address (page aligned). Default 0x10000000. */
  base?: number;
  /** Bytes of virtual range. Default 2^36. */
  size?: number;
  /**
   * Most ranges that may be reserved at once (a region table's limit). Default unlimited. Enforced
   * on release too: giving back the middle of a range splits it in two.
   */
  maxRegions?: number;
  /**
   * Merge ranges that touch into one, as an address space merges adjacent heap memory into one
   * region (so releasing one area between two others needs a region more). Default false.
   */
  mergeAdjacent?: boolean;
  /** Most pages that may be resident (written) at once; beyond it a touch throws OutOfMemoryError. */
  maxResidentPages?: number;
}

export interface SparseRange {
  start: number;
  end: number;
}

export class SparseSpace implements HeapSpace {
  readonly base: number;
  readonly end: number;
  private readonly maxRegions: number;
  private readonly maxResidentPages: number;
  private readonly mergeAdjacent: boolean;
  /** Reserved ranges, sorted and disjoint. */
  private readonly ranges: SparseRange[] = [];
  /** Written pages by page number; a page never written reads as zeros. */
  private readonly pages = new Map<number, Uint8Array>();
  private reservedBytesNow = 0;

  constructor(options: SparseSpaceOptions = {}) {
    this.base = options.base ?? 0x10000000;
    this.end = this.base + (options.size ?? 2 ** 36);
    this.maxRegions = options.maxRegions ?? Number.POSITIVE_INFINITY;
    this.maxResidentPages = options.maxResidentPages ?? Number.POSITIVE_INFINITY;
    this.mergeAdjacent = options.mergeAdjacent ?? false;
    if (this.base % PAGE_SIZE !== 0)
      throw new InvalidArgumentError(`SparseSpace base ${hex(this.base)} is not page aligned`);
  }

  /** Bytes currently reserved. */
  get reservedBytes(): number {
    return this.reservedBytesNow;
  }

  /** Pages written at least once and still reserved, in bytes. */
  get residentBytes(): number {
    return this.pages.size * PAGE_SIZE;
  }

  get regionCount(): number {
    return this.ranges.length;
  }

  /** A copy of the reserved ranges, sorted. */
  regions(): SparseRange[] {
    return this.ranges.map((r) => ({ start: r.start, end: r.end }));
  }

  /** Whether [va, va + length) lies inside one reserved range. */
  contains(va: number, length: number): boolean {
    const i = this.rangeIndex(va);
    return i >= 0 && va + length <= this.ranges[i].end;
  }

  reserveAnon(bytes: number, alignment: number): number {
    if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % PAGE_SIZE !== 0)
      throw new InvalidArgumentError(
        `reserveAnon(${bytes}): size must be a positive multiple of ${PAGE_SIZE}`,
      );
    if (!Number.isSafeInteger(alignment) || alignment < PAGE_SIZE || !Number.isInteger(Math.log2(alignment)))
      throw new InvalidArgumentError(
        `reserveAnon: alignment ${alignment} is not a power of two >= ${PAGE_SIZE}`,
      );
    if (!this.mergeAdjacent && this.ranges.length >= this.maxRegions)
      throw new OutOfMemoryError(`reserveAnon(${bytes}): region limit ${this.maxRegions} reached`);
    // First fit over the gaps between reserved ranges.
    let gapStart = this.base;
    for (let i = 0; i <= this.ranges.length; i++) {
      const gapEnd = i < this.ranges.length ? this.ranges[i].start : this.end;
      const start = Math.ceil(gapStart / alignment) * alignment;
      if (start + bytes <= gapEnd) {
        this.insert(i, start, start + bytes, 'reserveAnon');
        return start;
      }
      if (i < this.ranges.length) gapStart = this.ranges[i].end;
    }
    throw new OutOfMemoryError(`reserveAnon(${bytes}): no free virtual gap of that size`);
  }

  extendAnon(va: number, bytes: number): boolean {
    if (va % PAGE_SIZE !== 0 || bytes <= 0 || bytes % PAGE_SIZE !== 0)
      throw new InvalidArgumentError(`extendAnon(${hex(va)}, ${bytes}): range is not page aligned`);
    if (va < this.base || va + bytes > this.end) return false;
    let i = 0;
    while (i < this.ranges.length && this.ranges[i].end <= va) i++;
    if (i < this.ranges.length && this.ranges[i].start < va + bytes) return false;
    this.insert(i, va, va + bytes, 'extendAnon');
    return true;
  }

  release(va: number, bytes: number): void {
    if (va % PAGE_SIZE !== 0 || bytes <= 0 || bytes % PAGE_SIZE !== 0)
      throw new InvalidArgumentError(`release(${hex(va)}, ${bytes}): range is not page aligned`);
    const i = this.rangeIndex(va);
    if (i < 0 || va + bytes > this.ranges[i].end)
      throw new AddressRangeError(`release(${hex(va)}, ${bytes}): not inside one reserved range`);
    const r = this.ranges[i];
    const pieces: SparseRange[] = [];
    if (r.start < va) pieces.push({ start: r.start, end: va });
    if (va + bytes < r.end) pieces.push({ start: va + bytes, end: r.end });
    if (this.ranges.length - 1 + pieces.length > this.maxRegions)
      throw new LimitError(
        `release(${hex(va)}, ${bytes}): splitting its range would pass the region limit ${this.maxRegions}`,
      );
    this.ranges.splice(i, 1, ...pieces);
    this.reservedBytesNow -= bytes;
    for (let page = va / PAGE_SIZE; page < (va + bytes) / PAGE_SIZE; page++) this.pages.delete(page);
  }

  read(va: number, target: Uint8Array, offset = 0, length = target.length - offset): void {
    this.checkAccess(va, length, 'read');
    let done = 0;
    while (done < length) {
      const addr = va + done;
      const page = Math.floor(addr / PAGE_SIZE);
      const inPage = addr - page * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, length - done);
      const data = this.pages.get(page);
      if (data) target.set(data.subarray(inPage, inPage + n), offset + done);
      else target.fill(0, offset + done, offset + done + n);
      done += n;
    }
  }

  write(va: number, source: Uint8Array, offset = 0, length = source.length - offset): void {
    this.checkAccess(va, length, 'write');
    this.touch(va, length);
    let done = 0;
    while (done < length) {
      const addr = va + done;
      const page = Math.floor(addr / PAGE_SIZE);
      const inPage = addr - page * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, length - done);
      this.pages.get(page)!.set(source.subarray(offset + done, offset + done + n), inPage);
      done += n;
    }
  }

  fill(va: number, length: number, value: number): void {
    this.checkAccess(va, length, 'fill');
    this.touch(va, length);
    let done = 0;
    while (done < length) {
      const addr = va + done;
      const page = Math.floor(addr / PAGE_SIZE);
      const inPage = addr - page * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, length - done);
      this.pages.get(page)!.fill(value, inPage, inPage + n);
      done += n;
    }
  }

  copy(dstVa: number, srcVa: number, length: number): void {
    this.checkAccess(srcVa, length, 'copy from');
    this.checkAccess(dstVa, length, 'copy to');
    const buffer = new Uint8Array(length);
    this.read(srcVa, buffer);
    this.write(dstVa, buffer);
  }

  /**
   * Reserves [start, end) as range `i` of the sorted list (the gap before range i): grown onto
   * the range before it when it touches it (always, for extendAnon, so one release() gives a
   * grown block back) and onto the range after it too when ranges merge.
   */
  private insert(i: number, start: number, end: number, what: string): void {
    const before = i > 0 && this.ranges[i - 1].end === start ? this.ranges[i - 1] : undefined;
    const joinsBefore = before !== undefined && (this.mergeAdjacent || what === 'extendAnon');
    const after = i < this.ranges.length && this.ranges[i].start === end ? this.ranges[i] : undefined;
    const joinsAfter = after !== undefined && this.mergeAdjacent;
    const count = this.ranges.length + 1 - (joinsBefore ? 1 : 0) - (joinsAfter ? 1 : 0);
    if (count > this.maxRegions)
      throw new OutOfMemoryError(`${what}(${end - start}): region limit ${this.maxRegions} reached`);
    if (joinsBefore && joinsAfter) {
      before.end = after.end;
      this.ranges.splice(i, 1);
    } else if (joinsBefore) {
      before.end = end;
    } else if (joinsAfter) {
      after.start = start;
    } else {
      this.ranges.splice(i, 0, { start, end });
    }
    this.reservedBytesNow += end - start;
  }

  /** Makes every page of [va, va + length) resident, or throws having changed nothing. */
  private touch(va: number, length: number): void {
    if (length === 0) return;
    const first = Math.floor(va / PAGE_SIZE);
    const last = Math.floor((va + length - 1) / PAGE_SIZE);
    let missing = 0;
    for (let p = first; p <= last; p++) if (!this.pages.has(p)) missing++;
    if (this.pages.size + missing > this.maxResidentPages)
      throw new OutOfMemoryError(`touching ${hex(va)}: no free frame for ${missing} page(s)`);
    for (let p = first; p <= last; p++) if (!this.pages.has(p)) this.pages.set(p, new Uint8Array(PAGE_SIZE));
  }

  private checkAccess(va: number, length: number, what: string): void {
    if (!Number.isSafeInteger(va) || !Number.isSafeInteger(length) || length < 0)
      throw new InvalidArgumentError(`${what} ${va}, ${length}: not an address and length`);
    if (length === 0) return;
    if (!this.contains(va, length))
      throw new AddressRangeError(`${what} ${hex(va)}..${hex(va + length)}: outside any reserved range`);
  }

  /** Index of the reserved range holding `va`, or -1 (binary search). */
  private rangeIndex(va: number): number {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid];
      if (va < r.start) hi = mid - 1;
      else if (va >= r.end) lo = mid + 1;
      else return mid;
    }
    return -1;
  }
}
