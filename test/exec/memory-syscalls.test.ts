import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/kernel/kernel.js';
import { Errno } from '../../src/kernel/linux/errno.js';
import { FileTable } from '../../src/kernel/linux/file-table.js';
import { LinuxProcess } from '../../src/kernel/linux/linux-process.js';
import {
  brk,
  MapFlag,
  MMAP_BASE,
  madvise,
  mmap,
  mprotect,
  mremap,
  munmap,
} from '../../src/kernel/linux/memory-syscalls.js';

const PAGE = 4096;
const PRIVATE = MapFlag.Private | MapFlag.Anonymous;

function setup() {
  const kernel = new Kernel({ format: 'sv39', ramBytes: 16 << 20 });
  const baseline = kernel.pmm.allocatedFrames;
  const process = kernel.createProcess('calls');
  const space = process.space;
  const self = new LinuxProcess(process, 0, '/bin/calls', new FileTable(), {
    top: space.end,
    limitBytes: 8 << 20,
  });
  const regions = () => space.regions.usedRegions().map((r) => [r.base, r.ceiling, r.protection]);
  const byte = (va: number) => {
    const b = new Uint8Array(1);
    space.read(va, b);
    return b[0];
  };
  const finish = () => {
    kernel.check();
    kernel.exit(process.pid);
    kernel.check();
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  };
  return { kernel, space, self, regions, byte, finish };
}

describe('memory system calls', () => {
  it('mmap places anonymous memory, munmap and mprotect split regions on any page range', () => {
    const { kernel, space, regions, finish } = setup();
    const a = mmap(space, 0, 8 * PAGE, 3, PRIVATE);
    expect(a).toBe(MMAP_BASE);
    space.fill(a, 8 * PAGE, 0x5a);
    expect(munmap(space, a + 2 * PAGE, 2 * PAGE)).toBe(0);
    expect(mprotect(space, a + 5 * PAGE, PAGE, 1)).toBe(0);
    expect(regions()).toEqual([
      [a, a + 2 * PAGE, 3],
      [a + 4 * PAGE, a + 5 * PAGE, 3],
      [a + 5 * PAGE, a + 6 * PAGE, 1],
      [a + 6 * PAGE, a + 8 * PAGE, 3],
    ]);
    expect(mprotect(space, a + 2 * PAGE, PAGE, 1)).toBe(-Errno.ENOMEM);
    expect(mprotect(space, a + 1, PAGE, 1)).toBe(-Errno.EINVAL);
    expect(munmap(space, a + 1, PAGE)).toBe(-Errno.EINVAL);
    expect(mmap(space, 0, 0, 3, PRIVATE)).toBe(-Errno.EINVAL);
    expect(mmap(space, 0, PAGE, 3, MapFlag.Anonymous)).toBe(-Errno.EINVAL);
    expect(mmap(space, 0, PAGE, 3, MapFlag.Private)).toBe(-Errno.ENODEV);
    kernel.check();
    finish();
  });

  it('MAP_FIXED replaces what was there with fresh zero pages; MAP_FIXED_NOREPLACE refuses', () => {
    const { space, byte, finish } = setup();
    const a = mmap(space, 0, 4 * PAGE, 3, PRIVATE);
    space.fill(a, 4 * PAGE, 7);
    expect(mmap(space, a + PAGE, PAGE, 3, PRIVATE | MapFlag.FixedNoReplace)).toBe(-Errno.EEXIST);
    expect(mmap(space, a + PAGE, PAGE, 1, PRIVATE | MapFlag.Fixed)).toBe(a + PAGE);
    expect([byte(a), byte(a + PAGE), byte(a + 2 * PAGE)]).toEqual([7, 0, 7]);
    expect(mmap(space, 0x1234, PAGE, 3, PRIVATE | MapFlag.Fixed)).toBe(-Errno.EINVAL);
    finish();
  });

  it('mremap shrinks, grows in place, and moves the frames themselves when it must', () => {
    const { kernel, space, byte, finish } = setup();
    const a = mmap(space, 0, 2 * PAGE, 3, PRIVATE);
    space.fill(a, 2 * PAGE, 9);
    expect(mremap(space, a, 2 * PAGE, 3 * PAGE, 0)).toBe(a); // the pages after are free
    const blocker = mmap(space, a + 3 * PAGE, PAGE, 3, PRIVATE | MapFlag.Fixed);
    expect(blocker).toBe(a + 3 * PAGE);
    expect(mremap(space, a, 3 * PAGE, 6 * PAGE, 0)).toBe(-Errno.ENOMEM);
    const frame = kernel.mmu.translateUntracked(a, 0, 1, space.root);
    const moved = mremap(space, a, 3 * PAGE, 6 * PAGE, 1);
    expect(moved).not.toBe(a);
    expect(kernel.mmu.translateUntracked(moved, 0, 1, space.root)).toBe(frame); // no copy
    expect([byte(moved), byte(moved + PAGE + 1), byte(moved + 5 * PAGE)]).toEqual([9, 9, 0]);
    expect(mremap(space, moved, 6 * PAGE, PAGE, 0)).toBe(moved);
    expect(space.regions.ceiling(space.regions.find(moved))).toBe(moved + PAGE);
    expect(mremap(space, 0x5000, PAGE, 2 * PAGE, 1)).toBe(-Errno.EFAULT);
    finish();
  });

  it('madvise(MADV_DONTNEED) drops private pages (zero after) and keeps shared ones', () => {
    const { kernel, space, byte, finish } = setup();
    const a = mmap(space, 0, 4 * PAGE, 3, PRIVATE);
    const shared = mmap(space, 0, PAGE, 3, MapFlag.Shared | MapFlag.Anonymous);
    space.fill(a, 4 * PAGE, 0x7a);
    space.fill(shared, PAGE, 0x33);
    const before = kernel.pmm.allocatedFrames;
    expect(madvise(space, a + PAGE, 2 * PAGE, 4)).toBe(0);
    expect(kernel.pmm.allocatedFrames).toBe(before - 2);
    expect([byte(a), byte(a + PAGE), byte(a + 3 * PAGE - 1), byte(a + 3 * PAGE)]).toEqual([0x7a, 0, 0, 0x7a]);
    expect(madvise(space, shared, PAGE, 4)).toBe(0);
    expect(byte(shared)).toBe(0x33);
    expect(madvise(space, 0x5000, PAGE, 4)).toBe(-Errno.ENOMEM);
    expect(space.regions.usedRegions().length).toBe(2);
    finish();
  });

  it('brk grows and shrinks the heap region after the program, and refuses to move below its start', () => {
    const { space, self, regions, byte, finish } = setup();
    self.breakStart = 0x80000;
    self.breakEnd = 0x80000;
    expect(brk(self, space, 0)).toBe(0x80000);
    expect(brk(self, space, 0x80000 + 5000)).toBe(0x80000 + 5000);
    expect(regions()).toEqual([[0x80000, 0x82000, 3]]);
    space.fill(0x80000, 8192, 1);
    expect(brk(self, space, 0x80000 + 100)).toBe(0x80000 + 100);
    expect(regions()).toEqual([[0x80000, 0x81000, 3]]);
    expect(brk(self, space, 0x80000 + 5000)).toBe(0x80000 + 5000);
    expect(byte(0x81000)).toBe(0); // given back, then fresh
    expect(brk(self, space, 0x1000)).toBe(0x80000 + 5000);
    finish();
  });
});
