/**
 * A memory-access trace in parallel typed arrays: one address and one kind per page access, so a
 * replay walks millions of accesses without an object each. Filled by the trace parsers, read
 * by the replay driver and the next-use pass.
 */
import { InvalidArgumentError } from '../../common/errors.js';
import { Access } from '../../mmu/flags.js';

/** What an access does; Modify (lackey's `M`, a load then a store) translates as a write. */
export const AccessKind = {
  Read: 0,
  Write: 1,
  Fetch: 2,
  Modify: 3,
} as const;
export type AccessKind = (typeof AccessKind)[keyof typeof AccessKind];

/** The MMU access each kind translates as. */
export const ACCESS_OF_KIND: readonly Access[] = [Access.Read, Access.Write, Access.Execute, Access.Write];

const PAGE_SIZE = 4096;
const INITIAL_CAPACITY = 1024;

export class MemoryTrace {
  /** Byte address of each access (a page access: one that straddles two pages is two). */
  addresses: Float64Array;
  kinds: Uint8Array;
  private length = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.addresses = new Float64Array(Math.max(capacity, 1));
    this.kinds = new Uint8Array(Math.max(capacity, 1));
  }

  /** Accesses held. */
  get count(): number {
    return this.length;
  }

  /**
   * Appends an access of `size` bytes at `address`: one page access, or two when the bytes
   * cross into the next page (lackey reports an unaligned access as one line).
   */
  add(address: number, kind: AccessKind, size = 1): void {
    this.push(address, kind);
    const offset = address % PAGE_SIZE;
    if (size > 1 && offset + size > PAGE_SIZE) this.push(address - offset + PAGE_SIZE, kind);
  }

  /** Page number of access `i` (addresses may pass 2^32: division, not a shift). */
  pageOf(i: number): number {
    return Math.floor(this.addresses[i] / PAGE_SIZE);
  }

  /** A trace of pages given by number, all reads (for tests and textbook exercises). */
  static ofPages(pages: ArrayLike<number>, base = 0): MemoryTrace {
    const trace = new MemoryTrace(pages.length);
    for (let i = 0; i < pages.length; i++) {
      if (!Number.isInteger(pages[i]) || pages[i] < 0) {
        throw new InvalidArgumentError(`page ${pages[i]} is not a page number`);
      }
      trace.add(base + pages[i] * PAGE_SIZE, AccessKind.Read);
    }
    return trace;
  }

  private push(address: number, kind: AccessKind): void {
    if (this.length === this.addresses.length) this.grow();
    this.addresses[this.length] = address;
    this.kinds[this.length] = kind;
    this.length++;
  }

  private grow(): void {
    const addresses = new Float64Array(this.addresses.length * 2);
    addresses.set(this.addresses);
    const kinds = new Uint8Array(this.kinds.length * 2);
    kinds.set(this.kinds);
    this.addresses = addresses;
    this.kinds = kinds;
  }
}
