/**
 * The TLB and the walker: hits never read the tables, large pages are invalidated whole, the
 * address-space switch semantics of each architecture, replacement and counters, the checker,
 * fault causes and error codes, reserved bits, and the bit decoder.
 */
import { describe, expect, it } from 'vitest';
import { Access, PageFlags as F, FaultCause, Mode } from '../../src/mmu/flags.js';
import { createFormat, decodeEntry } from '../../src/mmu/formats.js';
import { mmuMachine } from './helpers.js';

const MiB = 1024 * 1024;
const URW = F.Read | F.Write | F.User;

describe.each(['i386', 'x86-64', 'sv39'] as const)('%s TLB', (name) => {
  it('a hit reads no table: a stale entry keeps translating until invalidated, and the checker sees it', () => {
    const { memory, pt, root, mmu } = mmuMachine(name);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    expect(mmu.translate(0x5123, Access.Read, Mode.User)).toBe(0x9123);
    expect(mmu.tlb.misses).toBe(1);
    const entry = pt.lookup(root, 0x5000).entryAddress;
    memory.write32(entry, 0); // corrupt the leaf behind the TLB's back
    expect(mmu.translate(0x5456, Access.Read, Mode.User)).toBe(0x9456);
    expect(mmu.tlb.hits).toBe(1);
    expect(mmu.translateUntracked(0x5456, Access.Read, Mode.User)).toBe(-1);
    expect(mmu.tlbDisagreements()).toMatchObject([{ va: 0x5000, tlbPa: 0x9000, reason: 'not mapped' }]);
    mmu.invalidatePage(0x5fff);
    expect(mmu.tlbDisagreements()).toEqual([]);
    expect(mmu.translate(0x5456, Access.Read, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.NotPresent);
    expect(mmu.faultLevel).toBe(0);
    expect(mmu.tlb.counters()).toMatchObject({ hits: 1, misses: 2, flushes: 1, invalidatedEntries: 1 });
  });

  it('invalidating any address inside a large page removes every piece of it', () => {
    const { pt, root, mmu } = mmuMachine(name);
    const size = pt.format.pageSizes[1];
    pt.map(root, 2 * size, 0, size, URW);
    pt.map(root, 0x3000, 0x7000, 4096, URW);
    for (const off of [0, 0x1000, size - 4096]) {
      expect(mmu.translate(2 * size + off + 5, Access.Read, Mode.User)).toBe(off + 5);
    }
    mmu.translate(0x3000, Access.Read, Mode.User);
    expect(mmu.tlb.validEntries).toBe(4);
    mmu.invalidatePage(2 * size + size / 2);
    expect(mmu.tlb.validEntries).toBe(1);
    expect(mmu.tlb.snapshot()).toMatchObject([{ va: 0x3000, pa: 0x7000, pageSize: 4096 }]);
  });

  it('the first store to a clean page walks again to set D; later stores hit', () => {
    const { pt, root, mmu } = mmuMachine(name);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    mmu.translate(0x5000, Access.Read, Mode.User);
    expect(pt.lookup(root, 0x5000).flags & F.Dirty).toBe(0);
    expect(mmu.translate(0x5004, Access.Write, Mode.User)).toBe(0x9004);
    expect(pt.lookup(root, 0x5000).flags & F.Dirty).toBe(F.Dirty);
    expect(mmu.translate(0x5008, Access.Write, Mode.User)).toBe(0x9008);
    expect(mmu.tlb.counters()).toMatchObject({ hits: 1, misses: 2 });
  });

  it('replaces round-robin inside a set and counts evictions', () => {
    const { pt, root, mmu } = mmuMachine(name, { entries: 4, ways: 2 });
    for (let p = 0; p < 3; p++) pt.map(root, p * 0x2000, 0x10000 + p * 0x1000, 4096, URW); // vpn 0, 2, 4: set 0
    for (let p = 0; p < 3; p++) mmu.translate(p * 0x2000, Access.Read, Mode.User);
    expect(mmu.tlb.evictions).toBe(1);
    expect(mmu.translate(0x2000, Access.Read, Mode.User)).toBe(0x11000); // still there
    expect(mmu.tlb.hits).toBe(1);
    expect(mmu.translate(0, Access.Read, Mode.User)).toBe(0x10000); // evicted first: misses again
    expect(mmu.tlb.misses).toBe(4);
    expect(mmu.tlbDisagreements()).toEqual([]);
  });

  it('the checker finds entries with more rights or another frame than the tables', () => {
    const { pt, root, mmu } = mmuMachine(name);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    pt.map(root, 0x6000, 0xa000, 4096, URW);
    mmu.translate(0x5000, Access.Write, Mode.User);
    mmu.translate(0x6000, Access.Read, Mode.User);
    pt.protect(root, 0x5000, F.Read | F.User);
    pt.unmap(root, 0x6000);
    pt.map(root, 0x6000, 0xb000, 4096, URW);
    expect(mmu.tlbDisagreements().map((d) => [d.va, d.reason])).toEqual([
      [0x5000, 'more rights'],
      [0x6000, 'different frame'],
    ]);
    mmu.invalidatePage(0x5000);
    mmu.invalidatePage(0x6000);
    expect(mmu.tlbDisagreements()).toEqual([]);
    expect(mmu.translate(0x5000, Access.Write, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.Protection);
  });

  it('translateUntracked neither fills the TLB nor sets A / D', () => {
    const { pt, root, mmu } = mmuMachine(name);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    expect(mmu.translateUntracked(0x5010, Access.Write, Mode.User)).toBe(0x9010);
    expect(pt.lookup(root, 0x5000).flags & (F.Accessed | F.Dirty)).toBe(0);
    expect(mmu.tlb.validEntries).toBe(0);
  });
});

describe('address-space switches', () => {
  it('i386: a CR3 write flushes every non-global entry and keeps global ones', () => {
    const { pt, root, mmu } = mmuMachine('i386');
    pt.map(pt.kernelRoot, 0xf0000000, 0x1000, 4096, F.Read | F.Write | F.Global);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    const other = pt.createRoot(2);
    mmu.translate(0xf0000000, Access.Read, Mode.Kernel);
    mmu.translate(0x5000, Access.Read, Mode.User);
    mmu.setRoot(other);
    expect(mmu.tlb.snapshot()).toMatchObject([{ va: 0xf0000000, global: true }]);
    expect(mmu.translate(0xf0000004, Access.Read, Mode.Kernel)).toBe(0x1004);
    expect(mmu.tlb.hits).toBe(1);
    expect(mmu.translate(0x5000, Access.Read, Mode.User)).toBe(-1);
    expect(() => mmu.setRoot(other, 1)).toThrow(/ASID 1 is out of range/);
  });

  it('i386: a 4 MiB global kernel page is mapped with A and D set in every root, so its TLB entry suits all', () => {
    const { memory, pt, root, mmu } = mmuMachine('i386');
    const other = pt.createRoot(2);
    pt.map(root, 0xf0400000, 0, 4 * MiB, F.Read | F.Write | F.Global);
    // P | R/W | A | D | PS | G = 0x1e3, in both directories (PDE 961) and the kernel's.
    for (const r of [root, other, pt.kernelRoot]) expect(memory.read32(r + 961 * 4)).toBe(0x000001e3);
    expect(mmu.translate(0xf0400010, Access.Write, Mode.Kernel)).toBe(0x10);
    mmu.setRoot(other);
    expect(mmu.tlbDisagreements()).toEqual([]);
    expect(mmu.translate(0xf0400020, Access.Write, Mode.Kernel)).toBe(0x20);
    expect(mmu.tlb.hits).toBe(1);
    pt.check();
  });

  it('x86-64: PCIDs keep their entries across switches; a CR3 write without bit 63 flushes the new PCID', () => {
    const { pt, root, mmu } = mmuMachine('x86-64');
    const other = pt.createRoot(2);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    pt.map(other, 0x5000, 0xa000, 4096, URW);
    expect(mmu.translate(0x5000, Access.Read, Mode.User)).toBe(0x9000);
    mmu.setRoot(other, 2);
    expect(mmu.translate(0x5000, Access.Read, Mode.User)).toBe(0xa000);
    mmu.setRoot(root, 1, true); // bit 63 set: PCID 1's entries stay
    expect(mmu.translate(0x5000, Access.Read, Mode.User)).toBe(0x9000);
    expect(mmu.tlb.hits).toBe(1);
    mmu.setRoot(root, 1); // flushes PCID 1 only
    expect(mmu.tlb.snapshot()).toMatchObject([{ asid: 2, pa: 0xa000 }]);
    mmu.invalidateAsid(2);
    expect(mmu.tlb.validEntries).toBe(0);
    expect(mmu.tlbDisagreements()).toEqual([]);
  });

  it('Sv39: a satp write flushes nothing; SFENCE.VMA by ASID, or all including global', () => {
    const { pt, root, mmu } = mmuMachine('sv39');
    const other = pt.createRoot(2);
    pt.map(pt.kernelRoot, -(2 ** 38), 0x1000, 4096, F.Read | F.Global);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    mmu.translate(0x5000, Access.Read, Mode.User);
    mmu.translate(-(2 ** 38), Access.Read, Mode.Kernel);
    mmu.setRoot(other, 2);
    mmu.setRoot(root, 1);
    expect(mmu.tlb.validEntries).toBe(2);
    mmu.invalidateAsid(1);
    expect(mmu.tlb.snapshot()).toMatchObject([{ global: true }]);
    mmu.invalidateAll();
    expect(mmu.tlb.validEntries).toBe(0);
  });
});

describe('faults', () => {
  it('x86 error codes: P, W/R, U/S, RSVD, I/D; CR2 holds the address', () => {
    const { memory, pt, root, mmu } = mmuMachine('i386');
    pt.map(root, 0x5000, 0x9000, 4096, F.Read | F.User);
    expect(mmu.translate(0x5010, Access.Write, Mode.User)).toBe(-1);
    expect([mmu.faultCause, mmu.faultCode, mmu.faultAddress, mmu.faultLevel]).toEqual([
      FaultCause.Protection,
      0b111,
      0x5010,
      0,
    ]);
    expect(mmu.translate(0x7000, Access.Read, Mode.Kernel)).toBe(-1);
    expect([mmu.faultCause, mmu.faultCode]).toEqual([FaultCause.NotPresent, 0]);
    // i386 has no NX: an instruction fetch is a read, and the error code has no I/D bit.
    expect(mmu.translate(0x7000, Access.Execute, Mode.User)).toBe(-1);
    expect(mmu.faultCode).toBe(0b100);
    expect(mmu.translate(0x5000, Access.Execute, Mode.User)).toBe(0x9000);
    // A 4 MiB PDE with bit 13 set (PSE-36 address bits, reserved with MAXPHYADDR 32).
    memory.write32(root + 4 * 4, 0x00400000 | 0x2000 | 0x87);
    expect(mmu.translate(0x01000000, Access.Write, Mode.User)).toBe(-1);
    expect([mmu.faultCause, mmu.faultCode, mmu.faultLevel]).toEqual([FaultCause.ReservedBit, 0b1111, 1]);
    expect(mmu.describeFault()).toMatch(
      /user write of 0x01000000: reserved bit at level 1 \(error code 0x0f\)/,
    );
  });

  it('x86: rights are the AND of every level, and supervisor writes respect R/W (CR0.WP = 1)', () => {
    const { memory, pt, root, mmu } = mmuMachine('i386');
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    memory.write32(root, memory.read32(root) & ~2); // the PDE loses R/W
    expect(mmu.translate(0x5000, Access.Write, Mode.User)).toBe(-1);
    expect(mmu.faultCode).toBe(0b111);
    expect(mmu.translate(0x5000, Access.Write, Mode.Kernel)).toBe(-1);
    expect(mmu.faultCode).toBe(0b011);
    memory.write32(root, memory.read32(root) & ~4); // and U/S
    expect(mmu.translate(0x5000, Access.Read, Mode.User)).toBe(-1);
    expect(mmu.translate(0x5000, Access.Read, Mode.Kernel)).toBe(0x9000);
  });

  it('x86-64: NX fetches, reserved bits 51:32 and PS in a PML4E, non-canonical addresses', () => {
    const { memory, pt, root, mmu } = mmuMachine('x86-64');
    pt.map(root, 0x5000, 0x9000, 4096, F.Read | F.Write);
    expect(mmu.translate(0x5000, Access.Execute, Mode.Kernel)).toBe(-1);
    expect(mmu.faultCode).toBe(0x11);
    const leaf = pt.lookup(root, 0x5000).entryAddress;
    memory.write32(leaf + 4, 1); // bit 32: above MAXPHYADDR
    expect(mmu.translate(0x5000, Access.Read, Mode.Kernel)).toBe(-1);
    expect([mmu.faultCause, mmu.faultCode, mmu.faultLevel]).toEqual([FaultCause.ReservedBit, 0b1001, 0]);
    memory.write32(root + 8, 0x00000087); // PML4E 1 with PS
    expect(mmu.translate(2 ** 39, Access.Read, Mode.User)).toBe(-1);
    expect([mmu.faultCause, mmu.faultLevel]).toEqual([FaultCause.ReservedBit, 3]);
    expect(mmu.translate(2 ** 47, Access.Read, Mode.User)).toBe(-1);
    expect([mmu.faultCause, mmu.faultCode, mmu.faultLevel]).toEqual([FaultCause.NonCanonical, 0, -1]);
  });

  it('Sv39: causes 12 / 13 / 15, reserved encodings, misaligned superpages, SUM', () => {
    const { memory, pt, root, mmu } = mmuMachine('sv39');
    pt.map(root, 0x5000, 0x9000, 4096, F.Read | F.User);
    expect(mmu.translate(0x5000, Access.Write, Mode.User)).toBe(-1);
    expect([mmu.faultCause, mmu.faultCode, mmu.faultAddress]).toEqual([FaultCause.Protection, 15, 0x5000]);
    expect(mmu.translate(0x5000, Access.Execute, Mode.User)).toBe(-1);
    expect(mmu.faultCode).toBe(12);
    expect(mmu.translate(0x5000, Access.Read, Mode.Kernel)).toBe(-1);
    expect(mmu.faultCode).toBe(13);
    mmu.sum = true;
    expect(mmu.translateUntracked(0x5000, Access.Read, Mode.Kernel)).toBe(0x9000);
    expect(mmu.translateUntracked(0x5000, Access.Execute, Mode.Kernel)).toBe(-1);
    const leaf = pt.lookup(root, 0x5000).entryAddress;
    memory.write32(leaf, memory.read32(leaf) & ~2); // R cleared: V and U only, a pointer at level 0
    expect(mmu.translate(0x5000, Access.Read, Mode.User)).toBe(-1);
    expect([mmu.faultCause, mmu.faultLevel]).toEqual([FaultCause.ReservedBit, 0]);
    memory.write32(leaf, (0x9 << 10) | 0b10101); // V W U without R: reserved
    expect(mmu.translateUntracked(0x5000, Access.Read, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.ReservedBit);
    // A 2 MiB leaf whose PPN[0] is not zero: misaligned superpage.
    memory.write32(pt.lookup(root, 0x5000).tables[1] + 8, (0x201 << 10) | 0b10011);
    expect(mmu.translate(0x200000, Access.Read, Mode.User)).toBe(-1);
    expect([mmu.faultCause, mmu.faultLevel, mmu.faultCode]).toEqual([FaultCause.ReservedBit, 1, 13]);
    expect(mmu.translate(2 ** 38, Access.Write, Mode.User)).toBe(-1);
    expect([mmu.faultCause, mmu.faultCode]).toEqual([FaultCause.NonCanonical, 15]);
  });
});

describe('decodeEntry', () => {
  const value = (d: ReturnType<typeof decodeEntry>, name: string) =>
    d.fields.find((f) => f.name === name)?.value;

  it('i386 PTE, 4 MiB PDE', () => {
    const pte = decodeEntry('i386', 0x00234067, 0, 0);
    expect(pte).toMatchObject({ kind: 'page', address: 0x234000, pageSize: 4096, reserved: false });
    expect(['P', 'R/W', 'U/S', 'A', 'D', 'G', 'address'].map((n) => value(pte, n))).toEqual([
      1, 1, 1, 1, 1, 0, 0x234,
    ]);
    const big = decodeEntry('i386', 0x00c00185, 0, 1);
    expect(big).toMatchObject({ kind: 'page', address: 0xc00000, pageSize: 4 * MiB });
    expect(value(big, 'PS')).toBe(1);
    expect(value(big, 'G')).toBe(1);
    expect(decodeEntry('i386', 0x00102007, 0, 1)).toMatchObject({ kind: 'table', address: 0x102000 });
  });

  it('x86-64 leaf with XD, Sv39 leaf and pointer', () => {
    const leaf = decodeEntry('x86-64', 0x00005067, 0x80000000, 0);
    expect(value(leaf, 'XD')).toBe(1);
    expect(leaf.flags & F.Execute).toBe(0);
    expect(decodeEntry('x86-64', 0x40000183, 0, 2)).toMatchObject({ kind: 'page', pageSize: 1024 * MiB });
    const sv = decodeEntry('sv39', 0x200008d7, 0, 0);
    expect(sv).toMatchObject({ kind: 'page', address: 0x80002000 });
    expect(
      ['V', 'R', 'W', 'X', 'U', 'A', 'D', 'PPN[0]', 'PPN[1]', 'PPN[2]'].map((n) => value(sv, n)),
    ).toEqual([1, 1, 1, 0, 1, 1, 1, 0x002, 0x000, 0x2]);
    expect(decodeEntry('sv39', 0x00040801, 0, 2)).toMatchObject({ kind: 'table', address: 0x102000 });
    expect(createFormat('sv39').decode(0x1, 0x80000000, 1).reserved).toBe(true);
  });
});
