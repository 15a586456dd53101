/**
 * What the heap needs of an address space (docs/architecture.md, "What the heap needs of an
 * address space"). `AddressSpace` (user range, user mode) and the kernel's space (kernel range,
 * kernel mode) both provide these methods with exactly these signatures, so the heap never
 * imports the vm layer's classes and runs unchanged on a process, on the kernel, or on the
 * machine-less `SparseSpace`.
 */
export interface HeapSpace {
  /**
   * Fresh ANON read-write memory: `bytes` a multiple of 4096, aligned to `alignment` (a power of
   * two >= 4096). Returns its virtual address. Throws OutOfMemoryError (no virtual gap, or the
   * region limit) and changes nothing. Pages are demand-zero.
   */
  reserveAnon(bytes: number, alignment: number): number;
  /**
   * Gives back a range reserveAnon returned (any page-aligned sub-range of it); its frames go back
   * to the physical memory manager and its table pages when emptied. May fail, changing nothing:
   * adjacent heap memory merges into one region, so giving back a piece in its middle splits the
   * region, and the region limit can forbid that (OutOfMemoryError, or a limit error, code
   * ELIMIT). The heap then keeps the range and offers it back at its next trim.
   */
  release(va: number, bytes: number): void;
  /** Copy-out and copy-in through the MMU as the owner would (demand faults handled). */
  read(va: number, target: Uint8Array, offset?: number, length?: number): void;
  write(va: number, source: Uint8Array, offset?: number, length?: number): void;
  fill(va: number, length: number, value: number): void;
  /** memmove inside the space (realloc's move). */
  copy(dstVa: number, srcVa: number, length: number): void;
  /**
   * Optional, beyond the contract above: fresh ANON memory exactly at [va, va + bytes) when that
   * range is free, returning true; false (nothing changed) when it is not. With it realloc grows
   * a large block in place instead of copying it; without it realloc moves the block. Released
   * later with the block it extends, by one release() of the whole range.
   */
  extendAnon?(va: number, bytes: number): boolean;
}
