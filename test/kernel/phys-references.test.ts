import { describe, expect, it } from 'vitest';
import { BusyError, InvariantError, LimitError } from '../../src/common/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { FrameUse, MAX_REF_COUNT } from '../../src/phys/frame-table.js';
import { Protection } from '../../src/vm/region-types.js';

const FORMATS: FormatName[] = ['i386', 'x86-64', 'sv39'];
const PAGE = 4096;

function snapshot(kernel: Kernel) {
  return {
    refCounts: Array.from(kernel.pmm.frames.refCount),
    states: Array.from(kernel.pmm.frames.state),
    spaces: kernel.processes().map((p) => p.space.snapshot()),
  };
}

describe.each(FORMATS)('PHYS mappings hold references on %s', (format) => {
  it('a mapped direct frame cannot be freed; unmap gives its reference back', () => {
    const kernel = new Kernel({ format, ramBytes: 8 << 20 });
    const baseline = kernel.pmm.allocatedFrames;
    const p = kernel.createProcess('p');
    const direct = kernel.pmm.allocFrame(FrameUse.Direct, 0);
    const va = p.space.mapPhys(direct, PAGE);
    expect(kernel.pmm.refCountOf(direct)).toBe(2);
    kernel.check();
    const before = snapshot(kernel);
    expect(() => kernel.pmm.free(direct)).toThrow(BusyError);
    expect(() => kernel.pmm.free(direct)).toThrow(/2 holders/);
    expect(snapshot(kernel)).toEqual(before);
    p.space.write(va, new Uint8Array([7])); // mapped now: the reference does not depend on it
    expect(kernel.pmm.refCountOf(direct)).toBe(2);
    kernel.check();
    p.space.unmap(va, PAGE);
    expect(kernel.pmm.refCountOf(direct)).toBe(1);
    kernel.check();
    kernel.pmm.free(direct);
    kernel.exit(p.pid);
    kernel.check();
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('partial unmap, fork and exit each give back exactly their references', () => {
    const kernel = new Kernel({ format, ramBytes: 8 << 20 });
    const baseline = kernel.pmm.allocatedFrames;
    const p = kernel.createProcess('p');
    const first = kernel.pmm.allocContiguous(4);
    const va = p.space.mapPhys(first, 4 * PAGE, { protection: Protection.Read });
    const counts = () => [0, 1, 2, 3].map((k) => kernel.pmm.refCountOf(first + k * PAGE));
    expect(counts()).toEqual([2, 2, 2, 2]);
    p.space.unmap(va + PAGE, PAGE);
    expect(counts()).toEqual([2, 1, 2, 2]);
    const child = kernel.fork(p.pid);
    expect(counts()).toEqual([3, 1, 3, 3]);
    kernel.check();
    kernel.exit(p.pid);
    expect(counts()).toEqual([2, 1, 2, 2]);
    kernel.check();
    // The allocator may pass its reference to the mapping: the frame goes with the last unmap.
    kernel.pmm.release(first);
    kernel.check();
    kernel.exit(child.pid);
    kernel.check();
    expect(counts()).toEqual([0, 1, 1, 1]);
    kernel.pmm.free(first + PAGE, 3);
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('reserved frames (device memory) take no reference', () => {
    const kernel = new Kernel({
      format,
      ramBytes: 8 << 20,
      memoryMap: [{ base: 4 << 20, length: 64 << 10, type: 'device' }],
    });
    const p = kernel.createProcess('p');
    const va = p.space.mapPhys(4 << 20, 2 * PAGE);
    p.space.write(va, new Uint8Array([1, 2, 3]));
    expect(kernel.pmm.refCountOf(4 << 20)).toBe(0);
    kernel.fork(p.pid);
    kernel.check();
    kernel.exit(p.pid);
    kernel.check();
  });

  it('a refused map or fork takes no reference', () => {
    const kernel = new Kernel({ format, ramBytes: 8 << 20 });
    const p = kernel.createProcess('p');
    const first = kernel.pmm.allocContiguous(2);
    // The second frame's count is full: mapPhys is refused, the first frame keeps its count.
    kernel.pmm.frames.refCount[first / PAGE + 1] = MAX_REF_COUNT;
    let before = snapshot(kernel);
    expect(() => p.space.mapPhys(first, 2 * PAGE)).toThrow(LimitError);
    expect(snapshot(kernel)).toEqual(before);
    kernel.pmm.frames.refCount[first / PAGE + 1] = 1;
    const other = kernel.pmm.allocContiguous(1);
    p.space.mapPhys(first, 2 * PAGE);
    p.space.mapPhys(other, PAGE);
    kernel.pmm.frames.refCount[other / PAGE] = MAX_REF_COUNT;
    before = snapshot(kernel);
    const allocated = kernel.pmm.allocatedFrames;
    expect(() => kernel.fork(p.pid)).toThrow(LimitError);
    expect(snapshot(kernel)).toEqual(before);
    expect(kernel.pmm.allocatedFrames).toBe(allocated);
    kernel.pmm.frames.refCount[other / PAGE] = 2;
    kernel.check();
  });

  it('the checker finds a PHYS frame freed behind the mapping', () => {
    const kernel = new Kernel({ format, ramBytes: 8 << 20 });
    const p = kernel.createProcess('p');
    const direct = kernel.pmm.allocFrame(FrameUse.Direct, 0);
    const va = p.space.mapPhys(direct, PAGE);
    p.space.read(va, new Uint8Array(1));
    kernel.pmm.release(direct);
    kernel.check(); // the mapping alone holds it: fine
    kernel.pmm.release(direct); // behind the mapping's back: the frame is free but mapped
    expect(() => kernel.check()).toThrow(InvariantError);
  });
});
