/**
 * Physical addresses at the edges: an entry that points past the end of RAM makes the walk raise
 * an access fault (not a JavaScript error, and never an alias of a frame in RAM), and tables and
 * frames at or above 2 GiB work on every format (int32 arithmetic would turn them negative).
 */
import { describe, expect, it } from 'vitest';
import { Access, PageFlags as F, FaultCause, Mode, RiscvCause } from '../../src/mmu/flags.js';
import { createFormat } from '../../src/mmu/formats.js';
import { Mmu } from '../../src/mmu/mmu.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { PhysicalMemory } from '../../src/phys/physical-memory.js';
import { SequentialFrames } from './helpers.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const URW = F.Read | F.Write | F.User;

function setup(name: FormatName, ramBytes = 64 * MiB, framesBase = 0x100000) {
  const memory = new PhysicalMemory(ramBytes);
  const frames = new SequentialFrames(memory, framesBase);
  const pt = new PageTables(createFormat(name), memory, frames);
  const root = pt.createRoot(1);
  const mmu = new Mmu(pt);
  mmu.setRoot(root, name === 'i386' ? 0 : 1);
  return { memory, frames, pt, root, mmu };
}

/** Rewrites the entry at `entryAddress` to point at `pa` (a leaf at `level`, or a table when `table`). */
function pointAt(pt: PageTables, entryAddress: number, pa: number, level: number, table: boolean): void {
  const out = new Uint32Array(2);
  if (table) pt.format.encodeTable(pa, level, out);
  else pt.format.encodeLeaf(pa, pt.format.effectiveFlags(URW | F.Accessed | F.Dirty), level, out);
  pt.memory.write32(entryAddress, out[0]);
  if (pt.format.entryBytes === 8) pt.memory.write32(entryAddress + 4, out[1]);
}

describe.each(['i386', 'x86-64', 'sv39'] as const)('%s entries past the end of RAM', (name) => {
  it('a leaf whose frame is past RAM faults with an access fault, as a store would on hardware', () => {
    const { pt, root, mmu, memory } = setup(name);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    pointAt(pt, pt.lookup(root, 0x5000).entryAddress, memory.size + 0x3000, 0, false);
    expect(mmu.translate(0x5123, Access.Write, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.AccessFault);
    expect(mmu.faultLevel).toBe(0);
    expect(mmu.faultCode).toBe(name === 'sv39' ? RiscvCause.StoreAccessFault : 0);
    expect(mmu.translateUntracked(0x5123, Access.Read, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.AccessFault);
    expect(mmu.faultCode).toBe(name === 'sv39' ? RiscvCause.LoadAccessFault : 0);
    expect(mmu.tlb.validEntries).toBe(0);
  });

  it('a table pointer past RAM faults at the level whose entry cannot be read', () => {
    const { pt, root, mmu, memory } = setup(name);
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    const walk = pt.lookup(root, 0x5000);
    const top = pt.format.levels - 1;
    const rootEntry = root + pt.format.indexOf(0x5000, top) * pt.format.entryBytes;
    pointAt(pt, rootEntry, memory.size + 0x10000, top, true);
    expect(walk.tables.length).toBe(pt.format.levels);
    expect(mmu.translate(0x5000, Access.Execute, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.AccessFault);
    expect(mmu.faultLevel).toBe(top - 1);
    expect(mmu.faultCode).toBe(name === 'sv39' ? RiscvCause.InstructionAccessFault : 0);
  });
});

describe('Sv39 frame numbers above 4 GiB', () => {
  it('a table pointer 4 GiB above a real table faults instead of reading that table', () => {
    const { pt, root, mmu } = setup('sv39');
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    const [, middle] = pt.lookup(root, 0x5000).tables;
    const rootEntry = root + pt.format.indexOf(0x5000, 2) * 8;
    // The same frame number plus 2^20 frames: 4 GiB higher, in PPN[2]'s upper bits.
    pointAt(pt, rootEntry, middle + 4 * GiB, 2, true);
    expect(pt.format.addressOf(pt.memory.read32(rootEntry), pt.memory.read32(rootEntry + 4), 2)).toBe(
      middle + 4 * GiB,
    );
    expect(mmu.translate(0x5123, Access.Read, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.AccessFault);
    expect(mmu.faultLevel).toBe(1);
  });

  it('a leaf 4 GiB above a real frame faults instead of translating to it', () => {
    const { pt, root, mmu } = setup('sv39');
    pt.map(root, 0x5000, 0x9000, 4096, URW);
    pointAt(pt, pt.lookup(root, 0x5000).entryAddress, 0x9000 + 4 * GiB, 0, false);
    expect(mmu.translate(0x5123, Access.Read, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.AccessFault);
  });
});

describe.each(['i386', 'x86-64', 'sv39'] as const)('%s tables and frames at and above 2 GiB', (name) => {
  it('maps, translates, sets A and D, walks, takes and unmaps with addresses past 2^31', () => {
    // 3 GiB of RAM costs only the chunks written; every table page comes from 2 GiB up.
    const { pt, root, mmu, frames } = setup(name, 3 * GiB, 2 * GiB);
    const large = pt.format.pageSizes[1];
    const frame = 0xa0000000 + 0x5000;
    pt.map(root, 0x5000, frame, 4096, URW);
    pt.map(root, 4 * large, 0xa0000000 + 2 * large, large, URW);
    expect(Math.min(...frames.live)).toBeGreaterThanOrEqual(2 * GiB);
    expect(pt.lookup(root, 0x5000).tables.every((t) => t >= 2 * GiB)).toBe(true);

    expect(mmu.translate(0x5abc, Access.Write, Mode.User)).toBe(frame + 0xabc);
    expect(mmu.translate(0x5abd, Access.Write, Mode.User)).toBe(frame + 0xabd); // a hit
    expect(mmu.tlb.counters()).toMatchObject({ hits: 1, misses: 1 });
    const leaf = pt.lookup(root, 0x5000);
    expect(leaf.pa).toBe(frame);
    expect(leaf.flags & (F.Accessed | F.Dirty)).toBe(F.Accessed | F.Dirty);
    expect(mmu.translate(4 * large + large - 1, Access.Read, Mode.User)).toBe(0xa0000000 + 3 * large - 1);
    expect(mmu.translateUntracked(4 * large + 5, Access.Read, Mode.User)).toBe(0xa0000000 + 2 * large + 5);
    expect(mmu.tlbDisagreements()).toEqual([]);
    mmu.tlb.check();

    const seen: number[][] = [];
    pt.walkRange(root, 0, 8 * large, (va, pa, size) => seen.push([va, pa, size]));
    expect(seen).toEqual([
      [0x5000, frame, 4096],
      [4 * large, 0xa0000000 + 2 * large, large],
    ]);
    const taken = new Float64Array(2);
    expect(pt.takeRange(root, 0x4000, 0x6000, taken)).toBe(1);
    expect([...taken]).toEqual([-1, frame]);
    pt.unmapRange(root, 0, 8 * large);
    pt.check();
    mmu.invalidateAll();
    expect(mmu.translate(0x5000, Access.Read, Mode.User)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.NotPresent);
  });
});

describe('Sv39 frame numbers past 2^32 (physical addresses up to 2^56)', () => {
  it('a leaf and a table pointer keep every PPN bit, and decode to the address they were given', () => {
    const format = createFormat('sv39');
    const out = new Uint32Array(2);
    // 2^44 and beyond: a shift would cut the frame number to 32 bits and point at frame 0.
    for (const pa of [2 ** 44, 2 ** 50 + 7 * 4096, 2 ** 56 - 4096]) {
      format.encodeLeaf(pa, format.effectiveFlags(URW), 0, out);
      expect(format.addressOf(out[0], out[1], 0)).toBe(pa);
      format.encodeTable(pa, 1, out);
      expect(format.addressOf(out[0], out[1], 1)).toBe(pa);
    }
  });
});
