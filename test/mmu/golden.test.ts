/**
 * Golden tests: mappings worked out by hand from the manuals (Intel SDM vol. 3 4.3 and 4.5, the
 * RISC-V privileged specification's Sv39 section), checking the exact bytes of every table page.
 * SequentialFrames hands out table pages in order, so every table's address is known.
 */
import { describe, expect, it } from 'vitest';
import { Access, PageFlags as F, Mode } from '../../src/mmu/flags.js';
import { createFormat } from '../../src/mmu/formats.js';
import { Mmu } from '../../src/mmu/mmu.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { PhysicalMemory } from '../../src/phys/physical-memory.js';
import { bytesAt, nonZeroEntries, SequentialFrames } from './helpers.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function setup(name: 'i386' | 'x86-64' | 'sv39', ram: number) {
  const memory = new PhysicalMemory(ram);
  const frames = new SequentialFrames(memory, 0x100000);
  const pt = new PageTables(createFormat(name), memory, frames);
  return { memory, frames, pt, mmu: new Mmu(pt) };
}

describe('i386 golden tables', () => {
  it('a 4 KiB user page: PDE 1 -> page table, PTE 1 -> frame, then A and D on a user write', () => {
    const { memory, pt, mmu } = setup('i386', 64 * MiB);
    expect(pt.kernelRoot).toBe(0x100000);
    const root = pt.createRoot(1);
    expect(root).toBe(0x101000);
    // 0x00401000: directory index 1 (bits 31:22), table index 1 (bits 21:12).
    pt.map(root, 0x00401000, 0x00234000, 4096, F.Read | F.Write | F.User);
    // PDE: table 0x102000 | P | R/W | U/S = 0x00102007; PTE: 0x00234000 | P | R/W | U/S = 0x00234007.
    expect(bytesAt(memory, root + 4, 4)).toEqual([0x07, 0x20, 0x10, 0x00]);
    expect(nonZeroEntries(memory, root, 4)).toEqual(new Map([[1, [0x00102007]]]));
    expect(nonZeroEntries(memory, 0x102000, 4)).toEqual(new Map([[1, [0x00234007]]]));
    mmu.setRoot(root);
    expect(mmu.translate(0x00401abc, Access.Write, Mode.User)).toBe(0x00234abc);
    // The walk set A (bit 5) in the PDE, A and D (bit 6) in the PTE.
    expect(nonZeroEntries(memory, root, 4)).toEqual(new Map([[1, [0x00102027]]]));
    expect(bytesAt(memory, 0x102004, 4)).toEqual([0x67, 0x40, 0x23, 0x00]);
    expect(nonZeroEntries(memory, pt.kernelRoot, 4).size).toBe(0);
  });

  it('a 4 MiB PSE page and a global kernel page shared through the kernel root', () => {
    const { memory, pt, mmu } = setup('i386', 64 * MiB);
    // Kernel page 0xF0000000 (PDE 960) -> 0x5000, read-write, global, supervisor.
    pt.map(pt.kernelRoot, 0xf0000000, 0x5000, 4096, F.Read | F.Write | F.Global);
    // Kernel page table 0x101000 in PDE 960 (byte 0xF00 of the directory): 0x00101007.
    expect(nonZeroEntries(memory, 0x100000, 4)).toEqual(new Map([[960, [0x00101007]]]));
    // PTE 0: 0x5000 | P | R/W | G (bit 8) = 0x00005103.
    expect(nonZeroEntries(memory, 0x101000, 4)).toEqual(new Map([[0, [0x00005103]]]));
    const root = pt.createRoot(7);
    expect(root).toBe(0x102000);
    // 4 MiB page at 0x00800000 (PDE 2) -> 0x00c00000, user read-only: P | U/S | PS (bit 7) = 0x85.
    pt.map(root, 0x00800000, 0x00c00000, 4 * MiB, F.Read | F.User);
    expect(nonZeroEntries(memory, root, 4)).toEqual(
      new Map([
        [2, [0x00c00085]],
        [960, [0x00101007]],
      ]),
    );
    mmu.setRoot(root);
    expect(mmu.translate(0x00bff123, Access.Read, Mode.User)).toBe(0x00fff123);
    expect(nonZeroEntries(memory, root, 4).get(2)).toEqual([0x00c000a5]); // A set
    expect(mmu.translate(0xf0000010, Access.Write, Mode.Kernel)).toBe(0x5010);
    expect(nonZeroEntries(memory, 0x101000, 4)).toEqual(new Map([[0, [0x00005163]]]));
    // Every PDE used gets A: the kernel PDE is shared, so both directories' copies differ now;
    // the copy in the root walked was marked.
    expect(nonZeroEntries(memory, root, 4).get(960)).toEqual([0x00101027]);
  });
});

describe('x86-64 golden tables', () => {
  it('the last user page 0x7ffffffff000: PML4 255, PDPT 511, PD 511, PT 511, XD set', () => {
    const { memory, pt, mmu } = setup('x86-64', 64 * MiB);
    const root = pt.createRoot(1); // 0x101000; tables follow at 0x102000 (PDPT), 0x103000 (PD), 0x104000 (PT)
    pt.map(root, 0x7ffffffff000, 0x5000, 4096, F.Read | F.Write | F.User);
    expect(nonZeroEntries(memory, root, 8)).toEqual(new Map([[255, [0x00102007, 0]]]));
    expect(nonZeroEntries(memory, 0x102000, 8)).toEqual(new Map([[511, [0x00103007, 0]]]));
    expect(nonZeroEntries(memory, 0x103000, 8)).toEqual(new Map([[511, [0x00104007, 0]]]));
    // Leaf: 0x5000 | P | R/W | U/S, bit 63 XD: bytes 07 50 00 00 00 00 00 80.
    expect(bytesAt(memory, 0x104000 + 511 * 8, 8)).toEqual([0x07, 0x50, 0, 0, 0, 0, 0, 0x80]);
    mmu.setRoot(root, 5);
    expect(mmu.translate(0x7ffffffff008, Access.Execute, Mode.User)).toBe(-1);
    // Protection (P = 1), user (U/S = 4), instruction fetch (I/D = 16): 0x15.
    expect(mmu.faultCode).toBe(0x15);
    expect(mmu.faultAddress).toBe(0x7ffffffff008);
    expect(mmu.translate(0x7ffffffff008, Access.Write, Mode.User)).toBe(0x5008);
    expect(bytesAt(memory, 0x104000 + 511 * 8, 8)).toEqual([0x67, 0x50, 0, 0, 0, 0, 0, 0x80]);
    expect(nonZeroEntries(memory, root, 8)).toEqual(new Map([[255, [0x00102027, 0]]]));
  });

  it('2 MiB and 1 GiB pages, and the kernel half at PML4 256', () => {
    const { memory, pt } = setup('x86-64', 2 * GiB);
    const root = pt.createRoot(1); // 0x101000
    // 0x40200000: PML4 0, PDPT 1, PD 1. 2 MiB page -> 0x00400000, executable read-only: P | PS = 0x81.
    pt.map(root, 0x40200000, 0x00400000, 2 * MiB, F.Read | F.Execute);
    expect(nonZeroEntries(memory, root, 8)).toEqual(new Map([[0, [0x00102007, 0]]]));
    expect(nonZeroEntries(memory, 0x102000, 8)).toEqual(new Map([[1, [0x00103007, 0]]]));
    expect(nonZeroEntries(memory, 0x103000, 8)).toEqual(new Map([[1, [0x00400081, 0]]]));
    // 0x80000000: PDPT 2, 1 GiB page -> 0x40000000, writable global, not executable.
    pt.map(root, 0x80000000, 0x40000000, GiB, F.Read | F.Write | F.Global);
    expect(nonZeroEntries(memory, 0x102000, 8).get(2)).toEqual([0x40000183, 0x80000000]);
    // Kernel: 0xffff800000000000 = -2^47 is PML4 256, PDPT 0, PD 0, PT 0.
    pt.map(pt.kernelRoot, -(2 ** 47), 0x7000, 4096, F.Read | F.Write);
    expect(nonZeroEntries(memory, 0x100000, 8)).toEqual(new Map([[256, [0x00104007, 0]]]));
    // The new kernel entry was copied into the existing root.
    expect(nonZeroEntries(memory, root, 8).get(256)).toEqual([0x00104007, 0]);
    expect(nonZeroEntries(memory, 0x106000, 8)).toEqual(new Map([[0, [0x00007003, 0x80000000]]]));
    expect(pt.lookup(root, -(2 ** 47) + 0x10).pa).toBe(0x7010);
  });
});

describe('Sv39 golden tables', () => {
  it('a 4 KiB page at 0x1000 -> 0x80002000: pointers carry only V, the leaf PPN in bits 53:10', () => {
    const { memory, pt, mmu } = setup('sv39', 4 * GiB);
    const root = pt.createRoot(1); // 0x101000; level-1 table 0x102000, level-0 table 0x103000
    pt.map(root, 0x1000, 0x80002000, 4096, F.Read | F.Write | F.User);
    // Pointer: PPN 0x102 << 10 | V = 0x00040801.
    expect(nonZeroEntries(memory, root, 8)).toEqual(new Map([[0, [0x00040801, 0]]]));
    expect(nonZeroEntries(memory, 0x102000, 8)).toEqual(new Map([[0, [0x00040c01, 0]]]));
    // Leaf: PPN 0x80002 << 10 = 0x20000800 | V R W U (0x17).
    expect(bytesAt(memory, 0x103000 + 8, 8)).toEqual([0x17, 0x08, 0x00, 0x20, 0, 0, 0, 0]);
    mmu.setRoot(root, 3);
    expect(mmu.translate(0x1234, Access.Read, Mode.User)).toBe(0x80002234);
    expect(nonZeroEntries(memory, 0x103000, 8).get(1)).toEqual([0x20000857, 0]); // A (bit 6)
    expect(mmu.translate(0x1234, Access.Write, Mode.User)).toBe(0x80002234);
    expect(nonZeroEntries(memory, 0x103000, 8).get(1)).toEqual([0x200008d7, 0]); // D (bit 7)
    // Svadu touches only the leaf: the pointers are unchanged.
    expect(nonZeroEntries(memory, root, 8)).toEqual(new Map([[0, [0x00040801, 0]]]));
    // A supervisor load from a U page faults (SUM = 0): load page fault, cause 13.
    expect(mmu.translate(0x1234, Access.Read, Mode.Kernel)).toBe(-1);
    expect(mmu.faultCode).toBe(13);
  });

  it('2 MiB and 1 GiB pages and the kernel half', () => {
    const { memory, pt } = setup('sv39', 4 * GiB);
    const root = pt.createRoot(1); // 0x101000
    // 0x200000: VPN[2] 0, VPN[1] 1. 2 MiB leaf -> 0x80200000 R X: PPN 0x80200 << 10 | 0xb.
    pt.map(root, 0x200000, 0x80200000, 2 * MiB, F.Read | F.Execute);
    expect(nonZeroEntries(memory, 0x102000, 8)).toEqual(new Map([[1, [0x2008000b, 0]]]));
    // 0x40000000: VPN[2] 1. 1 GiB leaf -> 0x80000000 R W G: 0x20000000 | 0x27.
    pt.map(root, 0x40000000, 0x80000000, GiB, F.Read | F.Write | F.Global);
    expect(nonZeroEntries(memory, root, 8)).toEqual(
      new Map([
        [0, [0x00040801, 0]],
        [1, [0x20000027, 0]],
      ]),
    );
    // Kernel: 0xffffffc000000000 = -2^38 is VPN[2] 256.
    pt.map(pt.kernelRoot, -(2 ** 38), 0x9000, 4096, F.Read | F.Write | F.Execute);
    expect(nonZeroEntries(memory, 0x100000, 8)).toEqual(new Map([[256, [0x00040c01, 0]]]));
    expect(nonZeroEntries(memory, root, 8).get(256)).toEqual([0x00040c01, 0]);
    expect(nonZeroEntries(memory, 0x104000, 8)).toEqual(new Map([[0, [0x0000240f, 0]]]));
  });
});
