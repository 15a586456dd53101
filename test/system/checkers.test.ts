/**
 * The checkers catch what they claim to: each invariant of the address-space checker and of the
 * page-table checker is broken on purpose (an entry rewritten behind the kernel's back) on every
 * format, and the checker must name it. The checkers read RAM words in one pass per table page;
 * this proves the fast pass kept every check.
 */
import { describe, expect, it } from 'vitest';
import { hex } from '../../src/common/format.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { PageFlags } from '../../src/mmu/flags.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { Protection } from '../../src/vm/region-types.js';
import { FORMATS } from './system-model.js';

const PAGE = 4096;
const AT = 0x400000;

function boot(format: FormatName) {
  const kernel = new Kernel({ format, ramBytes: 8 << 20 });
  const p = kernel.createProcess('p');
  return { kernel, p, space: p.space, tables: kernel.machine.pageTables };
}

/** Rewrites the 4 KiB leaf mapping `va` under `root` to map `pa` with `flags` (neutral flags). */
function rewrite(kernel: Kernel, root: number, va: number, pa: number, flags: number): void {
  const tables = kernel.machine.pageTables;
  const at = tables.lookup(root, va).entryAddress;
  const entry = new Uint32Array(2);
  tables.format.encodeLeaf(pa, tables.format.effectiveFlags(flags), 0, entry);
  writeEntry(kernel, at, entry[0], entry[1]);
}

function writeEntry(kernel: Kernel, at: number, low: number, high: number): void {
  const memory = kernel.pmm.memory;
  memory.write32(at, low);
  if (kernel.machine.pageTables.format.entryBytes === 8) memory.write32(at + 4, high);
}

describe.each([...FORMATS])('%s: the address-space checker', (format) => {
  it('a page mapped inside a FREE region', () => {
    const { kernel, space } = boot(format);
    const pa = kernel.pmm.allocFrame();
    kernel.machine.pageTables.map(space.root, AT, pa, PAGE, PageFlags.Read | PageFlags.User);
    expect(() => space.check()).toThrow(`page ${hex(AT)} is mapped inside a FREE region`);
  });

  it('a writable page in a read-only region', () => {
    const { kernel, space } = boot(format);
    space.mapAnon(PAGE, { at: AT, protection: Protection.Read });
    space.read(AT, new Uint8Array(4));
    const { pagePa, flags } = kernel.machine.pageTables.lookup(space.root, AT);
    rewrite(kernel, space.root, AT, pagePa, flags | PageFlags.Write);
    expect(() => space.check()).toThrow('is writable in a read-only region');
  });

  it('a user page in a PROT_NONE region', () => {
    const { kernel, space, tables } = boot(format);
    space.mapAnon(PAGE, { at: AT, protection: Protection.Read });
    space.read(AT, new Uint8Array(4));
    const { pagePa, flags } = tables.lookup(space.root, AT);
    space.protect(AT, PAGE, Protection.None);
    if (tables.lookup(space.root, AT).present) rewrite(kernel, space.root, AT, pagePa, flags);
    else tables.map(space.root, AT, pagePa, PAGE, flags);
    expect(() => space.check()).toThrow('is reachable from user mode in a PROT_NONE region');
  });

  it('a kernel page reachable from user mode', () => {
    const { kernel } = boot(format);
    const ks = kernel.kernelSpace;
    const va = ks.mapAnon(PAGE);
    ks.fill(va, PAGE, 1);
    const { pagePa, flags } = kernel.machine.pageTables.lookup(ks.root, va);
    rewrite(kernel, ks.root, va, pagePa, flags | PageFlags.User);
    expect(() => ks.check()).toThrow('is a kernel page reachable from user mode');
  });

  it('a PHYS page mapping another frame than its region names, or a freed one', () => {
    const { kernel, space } = boot(format);
    const named = kernel.pmm.allocFrame();
    const other = kernel.pmm.allocFrame();
    space.mapPhys(named, PAGE, { at: AT, protection: Protection.ReadWrite });
    space.read(AT, new Uint8Array(4));
    const { flags } = kernel.machine.pageTables.lookup(space.root, AT);
    rewrite(kernel, space.root, AT, other, flags);
    expect(() => space.check()).toThrow(`maps ${hex(other)}, not the frame its PHYS region names`);
  });

  it('an ANON page mapping a free frame, or a frame of another use', () => {
    const { kernel, space, tables } = boot(format);
    space.mapAnon(2 * PAGE, { at: AT, protection: Protection.ReadWrite });
    space.fill(AT, 2 * PAGE, 1);
    const { flags } = tables.lookup(space.root, AT);
    const free = kernel.pmm.allocFrame();
    kernel.pmm.free(free);
    rewrite(kernel, space.root, AT + PAGE, free, flags);
    expect(() => space.check()).toThrow(
      `page ${hex(AT + PAGE)} maps frame ${hex(free)} that is not allocated`,
    );
    rewrite(kernel, space.root, AT + PAGE, space.root, flags);
    expect(() => space.check()).toThrow(`page ${hex(AT + PAGE)} maps frame ${hex(space.root)} of use 2`);
  });

  it('a writable private page whose frame has other holders', () => {
    const { kernel, p, space } = boot(format);
    space.mapAnon(PAGE, { at: AT, protection: Protection.ReadWrite });
    space.fill(AT, PAGE, 1);
    kernel.fork(p.pid);
    const { pagePa, flags } = kernel.machine.pageTables.lookup(space.root, AT);
    rewrite(kernel, space.root, AT, pagePa, flags | PageFlags.Write);
    expect(() => space.check()).toThrow(
      `page ${hex(AT)} is writable but its frame ${hex(pagePa)} has 2 holders (copy-on-write broken)`,
    );
  });

  it('a large page', () => {
    const { kernel, space, tables } = boot(format);
    const large = tables.format.pageSizes[1];
    const va = space.mapAnon(2 * large, { protection: Protection.ReadWrite });
    const at = Math.ceil(va / large) * large;
    tables.map(space.root, at, 0, large, PageFlags.Read | PageFlags.User);
    expect(() => space.check()).toThrow(
      `page ${hex(at)} is a ${large}-byte page; address spaces map 4 KiB pages`,
    );
    tables.unmap(space.root, at);
    space.check();
    kernel.check();
  });
});

describe.each([...FORMATS])('%s: the page-table checker', (format) => {
  function touched() {
    const machine = boot(format);
    machine.space.mapAnon(2 * PAGE, { at: AT, protection: Protection.ReadWrite });
    machine.space.fill(AT, 2 * PAGE, 1);
    machine.kernel.check();
    return machine;
  }

  it('a present-entry count that disagrees with the table', () => {
    const { tables, space } = touched();
    const leaf = tables.lookup(space.root, AT).tables.at(-1) as number;
    tables.presentCount[leaf / PAGE]++;
    expect(() => tables.check()).toThrow(`table ${hex(leaf)} has 2 present entries but its count says 3`);
  });

  it('an entry with reserved bits', () => {
    const { kernel, tables, space } = touched();
    const { entryAddress, entryLo, entryHi } = tables.lookup(space.root, AT);
    // i386 has no reserved bit in a 4 KiB entry: its PDE's PS-only bit 21 of a 4 MiB page is.
    if (format === 'i386') {
      const directory = tables.lookup(space.root, AT).tables[0];
      const index = AT >>> 22;
      const memory = kernel.pmm.memory;
      const pde = memory.read32(directory + index * 4);
      memory.write32(directory + index * 4, pde | 0x80 | (1 << 21));
      expect(() => tables.check()).toThrow('has reserved bits set');
      return;
    }
    const reservedHigh = format === 'x86-64' ? 1 : 1 << 22; // bit 32 (above MAXPHYADDR 32) / bit 54
    writeEntry(kernel, entryAddress, entryLo, (entryHi | reservedHigh) >>> 0);
    expect(() => tables.check()).toThrow(
      `of table ${hex(tables.lookup(space.root, AT).tables.at(-1) as number)}`,
    );
  });

  it('an empty table kept, and a table page held but not reached', () => {
    const { kernel, tables, space } = touched();
    // A page under another leaf table keeps the leaf table's parent from being empty.
    const span = tables.format.entriesPerTable * PAGE;
    space.mapAnon(PAGE, { at: AT + span, protection: Protection.ReadWrite });
    space.fill(AT + span, PAGE, 1);
    const { tables: walked } = tables.lookup(space.root, AT);
    const leaf = walked.at(-1) as number;
    for (const va of [AT, AT + PAGE]) {
      const at = tables.lookup(space.root, va).entryAddress;
      writeEntry(kernel, at, 0, 0);
    }
    tables.presentCount[leaf / PAGE] = 0;
    expect(() => tables.check()).toThrow(`empty table ${hex(leaf)} at level 0 was not given back`);
    const parent = walked.at(-2) as number;
    const index = tables.format.indexOf(AT, 1);
    writeEntry(kernel, parent + index * tables.format.entryBytes, 0, 0);
    tables.presentCount[parent / PAGE]--;
    expect(() => tables.check()).toThrow(/table pages are held but \d+ are reachable/);
  });

  it("a root whose kernel half differs from the kernel root's", () => {
    const { kernel, tables, space } = touched();
    const kernelVa = kernel.kernelSpace.mapAnon(PAGE);
    kernel.kernelSpace.fill(kernelVa, PAGE, 1);
    const index = tables.format.indexOf(kernelVa, tables.format.levels - 1);
    const at = space.root + index * tables.format.entryBytes;
    // A bit the hardware ignores in a table entry (x86 AVL bit 9, Sv39 RSW bit 8): only the copy differs.
    kernel.pmm.memory.write32(at, kernel.pmm.memory.read32(at) ^ (format === 'sv39' ? 1 << 8 : 1 << 9));
    expect(() => tables.check()).toThrow(`root ${hex(space.root)} kernel entry ${index} differs`);
  });
});
