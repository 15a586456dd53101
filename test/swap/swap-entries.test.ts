/**
 * Swap entries in each format's own bits, as Linux lays them out: i386 2-level paging
 * (arch/x86/include/asm/pgtable-2level.h: type in bits 5:1, offset from bit 9), x86-64
 * (pgtable_64.h: the offset inverted in bits 58:9, type in 63:59) and RISC-V
 * (arch/riscv/include/asm/pgtable.h: type in bits 11:7, offset from bit 12). P / V is bit 0.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFormat } from '../../src/mmu/formats.js';
import { isSwapEntry, swapEntryFormat } from '../../src/mmu/swap-entries.js';

const entry = (format: 'i386' | 'x86-64' | 'sv39', slot: number): bigint => {
  const out = new Uint32Array(2);
  swapEntryFormat(format).encode(slot, out);
  return (BigInt(out[1]) << 32n) | BigInt(out[0]);
};

describe('swap entries', () => {
  it('put the slot where Linux puts the swap offset', () => {
    expect(entry('i386', 1)).toBe(0x200n);
    expect(entry('i386', 0x7fffff)).toBe(0xfffffe00n);
    // x86-64: ~offset in bits 58:9.
    expect(entry('x86-64', 1)).toBe((~1n & ((1n << 50n) - 1n)) << 9n);
    expect(entry('x86-64', 1)).toBe(0x07ff_ffff_ffff_fc00n);
    expect(entry('x86-64', 0x1234567)).toBe((~0x1234567n & ((1n << 50n) - 1n)) << 9n);
    expect(entry('sv39', 1)).toBe(0x1000n);
    expect(entry('sv39', 0x1234567)).toBe(0x1234567n << 12n);
  });

  it('are not present, not empty, and leave the bits Linux keeps for PROT_NONE clear', () => {
    for (const name of ['i386', 'x86-64', 'sv39'] as const) {
      const format = createFormat(name);
      for (const slot of [1, 2, 4095, 1 << 20, swapEntryFormat(name).maxSlot]) {
        const out = new Uint32Array(2);
        swapEntryFormat(name).encode(slot, out);
        expect(format.isPresent(out[0], out[1])).toBe(false);
        expect(isSwapEntry(out[0], out[1])).toBe(true);
        // x86 bit 8 (_PAGE_PROTNONE), RISC-V bit 5; and the type field of both is 0.
        expect(out[0] & (name === 'sv39' ? 0xfe0 : 0x13e)).toBe(0);
        expect(swapEntryFormat(name).slotOf(out[0], out[1])).toBe(slot);
      }
    }
    expect(isSwapEntry(0, 0)).toBe(false);
    expect(isSwapEntry(0x1001, 0)).toBe(false); // present
  });

  it('give back every slot they hold', () => {
    for (const name of ['i386', 'x86-64', 'sv39'] as const) {
      const codec = swapEntryFormat(name);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: codec.maxSlot }), (slot) => {
          const out = new Uint32Array(2);
          codec.encode(slot, out);
          return codec.slotOf(out[0], out[1]) === slot && isSwapEntry(out[0], out[1]);
        }),
      );
    }
  });
});
