/**
 * What x86-64 four-level paging and RISC-V Sv39 share: 4 KiB tables of 512 eight-byte entries,
 * 9 index bits a level above the 12-bit page offset, 4 KiB / 2 MiB / 1 GiB pages, and a
 * sign-extended address space whose negative upper half (root entries 256 to 511) is the
 * kernel's. Each format adds only its entry bits.
 */
import { index9 } from './entry-fields.js';
import { PageSize } from './flags.js';

export abstract class SignExtendedFormat {
  readonly entryBytes = 8;
  readonly indexBits = 9;
  readonly entriesPerTable = 512;
  readonly signExtended = true;
  readonly pageSizes = [PageSize.Size4K, PageSize.Size2M, PageSize.Size1G];
  readonly kernelRootIndex = 256;
  readonly hasNoExecute = true;
  readonly levels: number;
  readonly vaBits: number;
  /** Canonical addresses are the integers in [minVa, endVa); the kernel half is the negative one. */
  readonly minVa: number;
  readonly endVa: number;
  readonly kernelBase: number;
  readonly userEnd: number;
  /** Bytes one root entry covers. */
  private readonly rootSpan: number;

  constructor(levels: number) {
    this.levels = levels;
    this.vaBits = 12 + 9 * levels;
    this.endVa = 2 ** (this.vaBits - 1);
    this.minVa = -this.endVa;
    this.kernelBase = this.minVa;
    this.userEnd = this.endVa;
    this.rootSpan = 2 ** (12 + 9 * (levels - 1));
  }

  levelShift(level: number): number {
    return 12 + 9 * level;
  }

  levelOfPageSize(size: number): number {
    return size === PageSize.Size4K ? 0 : size === PageSize.Size2M ? 1 : size === PageSize.Size1G ? 2 : -1;
  }

  isCanonical(va: number): boolean {
    return Number.isInteger(va) && va >= this.minVa && va < this.endVa;
  }

  indexOf(va: number, level: number): number {
    return index9(va, 12 + 9 * level);
  }

  rootIndexBase(index: number): number {
    return (index < 256 ? index : index - 512) * this.rootSpan;
  }
}
