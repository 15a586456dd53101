/**
 * Swap entries: the non-present leaf entry that holds a swapped-out page's slot, in each
 * format's own bits, as Linux lays them out. The hardware ignores every bit of an entry whose
 * P (x86) or V (RISC-V) bit is 0, so software may keep a location there. Used by src/vm.
 *
 * In pageframe a non-present entry is otherwise always zero: PROT_NONE pages keep a present,
 * supervisor-only entry, and nothing else writes a non-present entry. So "not present and not
 * zero" is exactly "a swap entry", and slot 0 (the device's header) is never used, so no swap
 * entry is zero. The bits that mean PROT_NONE in Linux's non-present entries (x86 bit 8, RISC-V
 * bit 5) are kept clear all the same.
 *
 * - i386 (2-level, Linux `pgtable-2level.h`): type in bits 5:1, offset in bits 31:9.
 * - x86-64 (Linux `pgtable_64.h`): type in bits 63:59, the offset inverted (the L1TF mitigation:
 *   a stale entry then points at no real memory) in bits 58:9.
 * - Sv39 (Linux `arch/riscv`): bits 3:0 zero (V and the leaf bits), bit 6 the exclusive marker,
 *   type in bits 11:7, offset in bits 63:12.
 * pageframe has one swap device, so the type is always 0.
 */
import { InvalidArgumentError } from '../common/errors.js';
import type { FormatName } from './formats.js';

/** The present bit: P on x86, V on RISC-V, bit 0 in every format. */
const PRESENT = 1;

export interface SwapEntryFormat {
  readonly format: FormatName;
  /** Highest slot number an entry can hold. */
  readonly maxSlot: number;
  /** Encodes the swap entry of `slot`: bits 31:0 into out[0], bits 63:32 into out[1]. */
  encode(slot: number, out: Uint32Array): void;
  /** The slot a swap entry holds. */
  slotOf(lo: number, hi: number): number;
}

/** Whether a raw leaf entry is a swap entry: not present, and not empty. */
export function isSwapEntry(lo: number, hi: number): boolean {
  return (lo & PRESENT) === 0 && (lo | hi) !== 0;
}

const TWO_23 = 2 ** 23;
const TWO_20 = 2 ** 20;

const I386: SwapEntryFormat = {
  format: 'i386',
  maxSlot: 2 ** 23 - 1,
  encode(slot, out) {
    out[0] = slot << 9;
    out[1] = 0;
  },
  slotOf(lo) {
    return lo >>> 9;
  },
};

const X86_64: SwapEntryFormat = {
  format: 'x86-64',
  maxSlot: 2 ** 32 - 1,
  encode(slot, out) {
    // Bits 58:9 hold ~slot (50 bits): its low 23 bits in lo 31:9, the next 27 in hi 26:0.
    out[0] = ((~slot & 0x7fffff) << 9) >>> 0;
    out[1] = 0x7ffffff - Math.floor(slot / TWO_23);
  },
  slotOf(lo, hi) {
    return ((~lo >>> 9) & 0x7fffff) + (0x7ffffff - (hi & 0x7ffffff)) * TWO_23;
  },
};

const SV39: SwapEntryFormat = {
  format: 'sv39',
  maxSlot: 2 ** 32 - 1,
  encode(slot, out) {
    out[0] = ((slot & 0xfffff) << 12) >>> 0;
    out[1] = Math.floor(slot / TWO_20);
  },
  slotOf(lo, hi) {
    return (lo >>> 12) + hi * TWO_20;
  },
};

/** The swap-entry layout of a page-table format. */
export function swapEntryFormat(format: FormatName): SwapEntryFormat {
  switch (format) {
    case 'i386':
      return I386;
    case 'x86-64':
      return X86_64;
    case 'sv39':
      return SV39;
    default:
      throw new InvalidArgumentError(`no swap-entry layout for format ${String(format)}`);
  }
}
