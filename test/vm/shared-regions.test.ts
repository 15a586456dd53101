/** MAP_SHARED: a shared region is one set of frames for parent and child, touched before the fork or after. */
import { describe, expect, it } from 'vitest';
import { OutOfMemoryError } from '../../src/common/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';
import { RegionFlag } from '../../src/vm/region-types.js';

const PAGE = 4096;
const FORMATS: FormatName[] = ['i386', 'x86-64', 'sv39'];

function byteAt(kernel: Kernel, pid: number, va: number): number {
  const out = new Uint8Array(1);
  kernel.process(pid).space.read(va, out);
  return out[0];
}

describe.each(FORMATS)('shared regions across fork (%s)', (format) => {
  it('a page first touched after the fork is one frame for both', () => {
    const kernel = new Kernel({ ramBytes: 8 << 20, format });
    const baseline = kernel.pmm.allocatedFrames;
    const parent = kernel.createProcess();
    const va = parent.space.mapAnon(4 * PAGE, { flags: RegionFlag.Shared });
    parent.space.fill(va, 1, 0x11); // page 0 touched before the fork, pages 1..3 not
    const child = kernel.fork(parent.pid);
    kernel.check();
    // The child writes a page nobody had touched; the parent sees it, and the other way round.
    child.space.fill(va + PAGE + 5, 1, 0x22);
    expect(byteAt(kernel, parent.pid, va + PAGE + 5)).toBe(0x22);
    parent.space.fill(va + 3 * PAGE, 1, 0x33);
    expect(byteAt(kernel, child.pid, va + 3 * PAGE)).toBe(0x33);
    child.space.fill(va, 1, 0x44);
    expect(byteAt(kernel, parent.pid, va)).toBe(0x44);
    const parentFrames = parent.space.mappings(va, va + 4 * PAGE).map((m) => m.pa);
    const childFrames = child.space.mappings(va, va + 4 * PAGE).map((m) => m.pa);
    expect(parentFrames).toHaveLength(4);
    expect(childFrames).toEqual(parentFrames);
    for (const pa of parentFrames) expect(kernel.pmm.refCountOf(pa)).toBe(2);
    kernel.check();
    kernel.exit(child.pid);
    expect(byteAt(kernel, parent.pid, va + PAGE + 5)).toBe(0x22);
    kernel.check();
    kernel.exit(parent.pid);
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('private regions stay private for pages touched after the fork', () => {
    const kernel = new Kernel({ ramBytes: 8 << 20, format });
    const parent = kernel.createProcess();
    const va = parent.space.mapAnon(2 * PAGE);
    const child = kernel.fork(parent.pid);
    child.space.fill(va, 1, 0x22);
    expect(byteAt(kernel, parent.pid, va)).toBe(0);
    expect(byteAt(kernel, child.pid, va)).toBe(0x22);
    kernel.check();
  });

  it('a fork that runs out of memory while giving a shared region its frames changes nothing', () => {
    let failing: FailingFrameSource | undefined;
    const kernel = new Kernel({
      ramBytes: 8 << 20,
      format,
      wrapFrames: (pmm) => {
        failing = new FailingFrameSource(pmm);
        return failing;
      },
    });
    const parent = kernel.createProcess();
    const va = parent.space.mapAnon(3 * PAGE, { flags: RegionFlag.Shared });
    parent.space.fill(va + PAGE, 1, 7);
    const before = {
      space: parent.space.snapshot(),
      allocated: kernel.pmm.allocatedFrames,
      faults: { ...parent.space.faults },
    };
    let succeeded = false;
    for (let k = 0; !succeeded; k++) {
      failing!.failAfter(k);
      try {
        const child = kernel.fork(parent.pid);
        succeeded = true;
        expect(child.space.mappings(va, va + 3 * PAGE)).toHaveLength(3);
      } catch (error) {
        expect(error).toBeInstanceOf(OutOfMemoryError);
        expect(parent.space.snapshot()).toEqual(before.space);
        expect(kernel.pmm.allocatedFrames).toBe(before.allocated);
        expect(parent.space.faults).toEqual(before.faults);
      }
      failing!.disarm();
      kernel.check();
    }
  });
});
