import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/common/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { FrameUse } from '../../src/phys/frame-table.js';

const FORMATS: FormatName[] = ['i386', 'x86-64', 'sv39'];

/** A kernel with two processes (one a fork) that have touched memory; check() holds. */
function machine(format: FormatName) {
  const kernel = new Kernel({ format, ramBytes: 8 << 20 });
  const a = kernel.createProcess('a');
  const va = a.space.vpmAlloc(4);
  a.space.fill(va, 4 * 4096, 0x11);
  const b = kernel.fork(a.pid);
  kernel.kernelSpace.fill(kernel.kernelSpace.mapAnon(4096), 4096, 0x22);
  kernel.check();
  return { kernel, a, b, va };
}

function invariantMessage(f: () => void): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(InvariantError);
    return (error as Error).message;
  }
  throw new Error('check() passed');
}

describe.each(FORMATS)('kernel.check() and table pages on %s', (format) => {
  it("notices a live process's root freed behind its back", () => {
    const { kernel, b } = machine(format);
    kernel.pmm.free(b.space.root);
    expect(invariantMessage(() => kernel.check())).toMatch(/free/);
  });

  it('notices an interior table page freed behind its back', () => {
    const { kernel, a, va } = machine(format);
    const tables = kernel.pageTables.lookup(a.space.root, va).tables;
    expect(tables.length).toBe(kernel.pageTables.format.levels);
    for (let level = 1; level < tables.length; level++) {
      const fresh = machine(format);
      const walked = fresh.kernel.pageTables.lookup(fresh.a.space.root, fresh.va).tables;
      fresh.kernel.pmm.free(walked[level]);
      expect(invariantMessage(() => fresh.kernel.check())).toMatch(/free/);
    }
  });

  it('notices a table page reused for something else', () => {
    const { kernel, a, va } = machine(format);
    const leafTable = kernel.pageTables.lookup(a.space.root, va).tables.at(-1) as number;
    kernel.pmm.setOwner(leafTable, FrameUse.User, a.pid);
    expect(invariantMessage(() => kernel.check())).toMatch(/not a PageTable frame/);
  });

  it('notices a leaked table page that no live root reaches', () => {
    const { kernel } = machine(format);
    kernel.pmm.allocFrame(FrameUse.PageTable, 1);
    expect(invariantMessage(() => kernel.check())).toMatch(/no live root reaches it/);
  });

  it('notices a kernel table page freed behind its back', () => {
    const { kernel } = machine(format);
    const kva = kernel.kernelSpace.regions.usedRegions()[0].base;
    const tables = kernel.pageTables.lookup(kernel.pageTables.kernelRoot, kva).tables;
    kernel.pmm.free(tables.at(-1) as number);
    expect(invariantMessage(() => kernel.check())).toMatch(/free/);
  });

  it('notices a leaf that maps a free frame', () => {
    const { kernel, a, va } = machine(format);
    a.space.fill(va, 4096, 0x33); // a's own copy: held once
    const pa = kernel.pageTables.lookup(a.space.root, va).pagePa;
    kernel.pmm.free(pa);
    expect(invariantMessage(() => kernel.check())).toMatch(/free|not allocated/);
  });
});
