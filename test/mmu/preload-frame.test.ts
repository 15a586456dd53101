/**
 * Mmu.preloadFrame: the TLB filled from the entry a fault handler just wrote, given as a template
 * (the entry for frame 0) and a frame, without reading the entry; the same TLB state and result
 * as preload() and as a walk, and preload()'s way whenever the entry would need A or D written.
 */
import { describe, expect, it } from 'vitest';
import { Access, FaultCause, Mode, PageFlags } from '../../src/mmu/flags.js';
import { createFormat, FORMATS } from '../../src/mmu/formats.js';
import { Mmu } from '../../src/mmu/mmu.js';
import { PageTables } from '../../src/mmu/page-tables.js';
import { FrameUse } from '../../src/phys/frame-table.js';
import { PhysicalMemoryManager } from '../../src/phys/physical-memory-manager.js';

const USER = Mode.User;
const RW = PageFlags.Read | PageFlags.Write | PageFlags.User;

/** A root with page `base` mapped (so its leaf table exists) and page `base + 4096` absent. */
function machine(name: (typeof FORMATS)[number]) {
  const phys = new PhysicalMemoryManager({ ramBytes: 16 << 20 });
  const pt = new PageTables(createFormat(name), phys.memory, phys);
  const root = pt.createRoot(1);
  const base = 0x40000000;
  pt.map(root, base, phys.allocFrame(FrameUse.User, 1), 4096, RW);
  const mmu = new Mmu(pt, { entries: 16, ways: 4 });
  mmu.setRoot(root, name === 'i386' ? 0 : 1);
  const page = base + 4096;
  const frame = phys.allocFrame(FrameUse.User, 1);
  /** Faults on `page` as a store, then writes its entry (flags | A [| D]) as a handler would. */
  const faultAndFill = (flags: number) => {
    expect(mmu.translate(page + 12, Access.Write, USER)).toBe(-1);
    expect(mmu.faultCause).toBe(FaultCause.NotPresent);
    const table = pt.knownLeafTable(root, page);
    const at = table + pt.format.indexOf(page, 0) * pt.format.entryBytes;
    const words = new Uint32Array(2);
    const effective = pt.format.effectiveFlags(flags);
    pt.format.encodeLeaf(frame, effective, 0, words);
    phys.memory.write32(at, words[0]);
    if (pt.format.entryBytes === 8) phys.memory.write32(at + 4, words[1]);
    pt.format.encodeLeaf(0, effective, 0, words);
    return { at, low: words[0], high: pt.format.entryBytes === 8 ? words[1] : 0 };
  };
  return { phys, pt, mmu, page, frame, faultAndFill };
}

describe.each(FORMATS)('%s: preloadFrame', (name) => {
  it('fills the TLB as a walk would, reading nothing, and the retried access hits', () => {
    const { mmu, page, frame, faultAndFill, phys } = machine(name);
    const entry = faultAndFill(RW | PageFlags.Accessed | PageFlags.Dirty);
    const before = phys.memory.read32(entry.at);
    const misses = mmu.tlb.misses;
    const walks = mmu.walks;
    expect(mmu.preloadFrame(page + 12, Access.Write, USER, entry.at, entry.low, entry.high, frame)).toBe(
      frame + 12,
    );
    expect(mmu.tlb.misses).toBe(misses + 1);
    expect(mmu.walks).toBe(walks);
    expect(phys.memory.read32(entry.at)).toBe(before);
    expect(mmu.tlbDisagreements()).toEqual([]);
    mmu.tlb.check();
    const hits = mmu.tlb.hits;
    expect(mmu.translate(page + 20, Access.Write, USER)).toBe(frame + 20);
    expect(mmu.tlb.hits).toBe(hits + 1);
  });

  it('takes preload()s way for an entry that needs A or D, and sets them', () => {
    const { mmu, page, frame, faultAndFill, phys, pt } = machine(name);
    const entry = faultAndFill(RW); // neither accessed nor dirty
    expect(mmu.preloadFrame(page, Access.Write, USER, entry.at, entry.low, entry.high, frame)).toBe(frame);
    const flags = pt.format.flagsOf(phys.memory.read32(entry.at), phys.memory.read32(entry.at + 4), 0);
    expect(flags & (PageFlags.Accessed | PageFlags.Dirty)).toBe(PageFlags.Accessed | PageFlags.Dirty);
    expect(mmu.tlbDisagreements()).toEqual([]);
    mmu.tlb.check();
  });

  it('searches the set again when the TLB changed after the faulting miss', () => {
    const { mmu, page, frame, faultAndFill } = machine(name);
    const entry = faultAndFill(RW | PageFlags.Accessed | PageFlags.Dirty);
    // The miss found no way for the page; a walk since cached it: the fill must take that way,
    // not a second one.
    expect(mmu.translate(page, Access.Read, USER)).toBe(frame);
    expect(mmu.preloadFrame(page, Access.Write, USER, entry.at, entry.low, entry.high, frame)).toBe(frame);
    expect(mmu.tlb.snapshot().filter((e) => e.va === page)).toHaveLength(1);
    expect(mmu.tlbDisagreements()).toEqual([]);
    mmu.tlb.check();
  });
});
