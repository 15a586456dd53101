import { describe, expect, it } from 'vitest';
import {
  AddressRangeError,
  AlignmentError,
  BusyError,
  LimitError,
  NotAllocatedError,
  OutOfMemoryError,
} from '../../src/common/errors.js';
import { Access, Mode } from '../../src/mmu/flags.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { FrameUse } from '../../src/phys/frame-table.js';
import { AddressSpace } from '../../src/vm/address-space.js';
import { ProtectionError, SegmentationFaultError } from '../../src/vm/errors.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';
import { Protection, RegionFlag } from '../../src/vm/region-types.js';
import { type BootedVm, bootVm } from '../../src/vm/vm-machine.js';

const FORMATS: FormatName[] = ['i386', 'x86-64', 'sv39'];

function boot(format: FormatName, ramBytes = 8 * 1024 * 1024): { vm: BootedVm; failing: FailingFrameSource } {
  let failing: FailingFrameSource | undefined;
  const vm = bootVm({
    ramBytes,
    format,
    tlb: { entries: 16, ways: 4 },
    wrapFrames: (pmm) => {
      failing = new FailingFrameSource(pmm);
      return failing;
    },
  });
  return { vm, failing: failing! };
}

function space(
  vm: BootedVm,
  owner: number,
  asid = vm.pageTables.format.name === 'i386' ? 0 : owner,
): AddressSpace {
  return new AddressSpace(vm, { owner, asid });
}

function checkAll(vm: BootedVm, spaces: AddressSpace[]): void {
  vm.pmm.check();
  vm.pageTables.check();
  const counts = new Uint32Array(vm.memory.frameCount);
  for (const s of spaces) s.check(counts);
  for (let pfn = 0; pfn < counts.length; pfn++) {
    if (vm.frameTable.use[pfn] === FrameUse.User) expect(vm.frameTable.refCount[pfn]).toBe(counts[pfn]);
  }
  const rootOf = (asid: number) =>
    vm.pageTables.format.name === 'i386'
      ? vm.mmu.root
      : spaces.find((s) => s.asid === asid && s.isAlive)?.root;
  expect(vm.mmu.tlbDisagreements(rootOf)).toEqual([]);
}

function state(vm: BootedVm, spaces: AddressSpace[]) {
  return {
    spaces: spaces.map((s) => (s.isAlive ? s.snapshot() : null)),
    allocated: vm.pmm.allocatedFrames,
    refCounts: Array.from(vm.frameTable.refCount),
    states: Array.from(vm.frameTable.state),
    tables: vm.pageTables.tablePageCount,
  };
}

describe.each(FORMATS)('AddressSpace on %s', (format) => {
  it('demand-zero pages appear on first touch and go back on unmap', () => {
    const { vm } = boot(format);
    const before = vm.pmm.allocatedFrames;
    const s = space(vm, 1);
    const va = s.vpmAlloc(4);
    expect(s.residentBytes()).toBe(0);
    const buffer = new Uint8Array(3 * 4096);
    buffer.fill(7);
    s.read(va + 100, buffer, 0, 8192);
    expect(buffer.subarray(0, 8192).every((b) => b === 0)).toBe(true);
    expect(s.faults.demandZero).toBe(3);
    const data = Uint8Array.from({ length: 6000 }, (_, i) => i * 7);
    s.write(va + 3000, data);
    const back = new Uint8Array(6000);
    s.read(va + 3000, back);
    expect(back).toEqual(data);
    checkAll(vm, [s]);
    s.unmap(va, 4 * 4096);
    expect(s.residentBytes()).toBe(0);
    checkAll(vm, [s]);
    s.destroy();
    expect(vm.pmm.allocatedFrames).toBe(before);
  });

  it('the three forms of vpm_alloc', () => {
    const { vm } = boot(format);
    const s = space(vm, 1);
    const one = s.vpmAlloc();
    const four = s.vpmAlloc(4);
    expect(four).toBe(one + 4096);
    const fixed = s.vpmAlloc(0x400000, 2);
    expect(fixed).toBe(0x400000);
    expect(() => s.vpmAlloc(0x401000, 1)).toThrow(BusyError);
    expect(() => s.vpmAlloc(0)).toThrow();
    expect(s.regions.usedRegions()).toHaveLength(2); // the first two merged
    checkAll(vm, [s]);
  });

  it('segmentation faults carry the address and the cause', () => {
    const { vm } = boot(format);
    const s = space(vm, 1);
    const va = s.mapAnon(4096, { protection: Protection.Read });
    const catchSegv = (f: () => void): SegmentationFaultError => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(SegmentationFaultError);
        return error as SegmentationFaultError;
      }
      throw new Error('no fault');
    };
    const w = catchSegv(() => s.write(va + 8, new Uint8Array(1)));
    expect(w.cause).toBe('protection');
    expect(w.address).toBe(va + 8);
    const u = catchSegv(() => s.read(va + 4096, new Uint8Array(1)));
    expect(u.cause).toBe('unmapped');
    const kernelVa = vm.pageTables.format.kernelBase;
    expect(catchSegv(() => s.access(kernelVa)).cause).toBe('kernel-only');
    expect(catchSegv(() => s.access(va, Access.Execute)).cause).toBe('protection');
    checkAll(vm, [s]);
  });

  it('protect splits regions, rewrites entries, and PROT_NONE hides present pages', () => {
    const { vm } = boot(format);
    const s = space(vm, 1);
    const va = s.vpmAlloc(4);
    s.fill(va, 4 * 4096, 0xab);
    s.protect(va + 4096, 4096, Protection.Read);
    expect(s.regions.usedRegions()).toHaveLength(3);
    expect(() => s.write(va + 4096, new Uint8Array(1))).toThrow(SegmentationFaultError);
    s.write(va, new Uint8Array(1));
    s.protect(va + 8192, 4096, Protection.None);
    expect(() => s.read(va + 8192, new Uint8Array(1))).toThrow(SegmentationFaultError);
    s.protect(va, 4 * 4096, Protection.ReadWrite);
    expect(s.regions.usedRegions()).toHaveLength(1);
    const b = new Uint8Array(1);
    s.read(va + 8192, b);
    expect(b[0]).toBe(0xab);
    expect(() => s.protect(va, 5 * 4096, Protection.Read)).toThrow(NotAllocatedError);
    checkAll(vm, [s]);
  });

  it('copy-on-write fork shares frames until a write, then copies or takes over', () => {
    const { vm } = boot(format);
    const parent = space(vm, 1);
    const va = parent.vpmAlloc(3);
    parent.fill(va, 3 * 4096, 1);
    const frames = vm.pmm.allocatedFrames;
    const child = parent.fork(2, format === 'i386' ? 0 : 2);
    checkAll(vm, [parent, child]);
    const shared = parent.mappings()[0].pa;
    expect(vm.frameTable.refCount[shared / 4096]).toBe(2);
    child.fill(va, 1, 9);
    expect(child.faults.cowCopy).toBe(1);
    const b = new Uint8Array(1);
    parent.read(va, b);
    expect(b[0]).toBe(1);
    child.read(va, b);
    expect(b[0]).toBe(9);
    parent.fill(va, 1, 5); // its frame now has one holder: taken over, not copied
    expect(parent.faults.cowTakeover).toBe(1);
    expect(parent.faults.cowCopy).toBe(0);
    checkAll(vm, [parent, child]);
    child.destroy();
    checkAll(vm, [parent]);
    expect(vm.pmm.allocatedFrames).toBe(frames);
    parent.fill(va + 4096, 1, 3);
    expect(parent.faults.cowCopy).toBe(0);
  });

  it('a frame shared by N spaces returns only when the last lets go', () => {
    const { vm } = boot(format);
    const a = space(vm, 1);
    const va = a.vpmAlloc(1);
    a.fill(va, 10, 4);
    const pa = a.mappings()[0].pa;
    const spaces = [a];
    for (let k = 2; k <= 5; k++) spaces.push(a.fork(k, format === 'i386' ? 0 : k));
    expect(vm.frameTable.refCount[pa / 4096]).toBe(5);
    checkAll(vm, spaces);
    for (const s of spaces.slice(0, 4)) s.destroy();
    expect(vm.frameTable.refCount[pa / 4096]).toBe(1);
    const last = spaces[4];
    last.fill(va, 1, 6);
    expect(last.faults.cowTakeover).toBe(1);
    const before = vm.pmm.allocatedFrames;
    last.destroy();
    expect(vm.pmm.allocatedFrames).toBeLessThan(before);
    expect(vm.frameTable.state[pa / 4096]).toBe(0);
  });

  it('eager fork copies every page', () => {
    const { vm } = boot(format);
    const parent = space(vm, 1);
    const va = parent.vpmAlloc(2);
    parent.fill(va, 8192, 3);
    const child = parent.fork(2, format === 'i386' ? 0 : 2, { eager: true });
    expect(child.mappings().map((m) => m.pa)).not.toEqual(parent.mappings().map((m) => m.pa));
    child.fill(va, 1, 8);
    expect(child.faults.cowCopy + child.faults.cowTakeover).toBe(0);
    const b = new Uint8Array(1);
    parent.read(va, b);
    expect(b[0]).toBe(3);
    checkAll(vm, [parent, child]);
  });

  it('PHYS regions map the frames they name, and only device or direct frames', () => {
    const { vm } = boot(format);
    const s = space(vm, 1);
    const direct = vm.pmm.allocFrame(FrameUse.Direct, 0);
    vm.memory.write8(direct + 5, 0x42);
    const va = s.mapPhys(direct, 4096, { protection: Protection.ReadWrite });
    const b = new Uint8Array(1);
    s.read(va + 5, b);
    expect(b[0]).toBe(0x42);
    expect(s.mappings()[0].pa).toBe(direct);
    const user = s.vpmAlloc(1);
    s.fill(user, 1, 1);
    expect(() =>
      s.mapPhys(s.mappings()[0].pa === direct ? s.mappings()[1].pa : s.mappings()[0].pa, 4096),
    ).toThrow(BusyError);
    s.unmap(va, 4096);
    expect(vm.frameTable.refCount[direct / 4096]).toBe(1);
    checkAll(vm, [s]);
  });

  it('refuses bad input with typed errors and changes nothing', () => {
    const { vm } = boot(format);
    const s = space(vm, 1);
    const va = s.vpmAlloc(2);
    s.fill(va, 8192, 1);
    const before = state(vm, [s]);
    expect(() => s.mapAnon(100)).toThrow(AlignmentError);
    expect(() => s.mapAnon(4096, { at: 0x1001 })).toThrow(AlignmentError);
    expect(() => s.mapAnon(4096, { at: va })).toThrow(BusyError);
    expect(() => s.mapAnon(4096, { at: vm.pageTables.format.userEnd })).toThrow(AddressRangeError);
    expect(() => s.unmap(va + 1, 4096)).toThrow(AlignmentError);
    expect(() => s.protect(va, 4096, 9)).toThrow();
    expect(() => s.write(va + 8190, new Uint8Array(8))).toThrow(SegmentationFaultError);
    s.seal(va, 4096);
    const sealed = state(vm, [s]);
    expect(() => s.protect(va, 4096, Protection.ReadWrite)).toThrow(ProtectionError);
    expect(state(vm, [s])).toEqual(sealed);
    expect(before.allocated).toBe(sealed.allocated);
    checkAll(vm, [s]);
  });

  it('the region limit is a clear error that changes nothing', () => {
    const { vm } = boot(format);
    const s = new AddressSpace(vm, { owner: 1, asid: format === 'i386' ? 0 : 1, regionLimit: 4 });
    const va = s.vpmAlloc(3);
    s.fill(va, 3 * 4096, 2);
    const before = state(vm, [s]);
    expect(() => s.unmap(va + 4096, 4096)).toThrow(LimitError);
    expect(() => s.protect(va + 4096, 4096, Protection.Read)).toThrow(LimitError);
    expect(() => s.reserveAnon(4096 * 2, 0x100000)).toThrow(OutOfMemoryError);
    expect(state(vm, [s])).toEqual(before);
    checkAll(vm, [s]);
  });

  it('a failing frame allocation in any fault, fork or copy changes nothing', () => {
    const { vm, failing } = boot(format);
    const parent = space(vm, 1);
    const va = parent.vpmAlloc(40);
    for (let p = 0; p < 40; p += 3) parent.fill(va + p * 4096 + 17, 10, p);
    const far = parent.mapAnon(4096, { at: 0x10000000 });
    parent.fill(far, 4, 1);
    const operations: Array<(s: AddressSpace) => unknown> = [
      (s) => s.fork(2, format === 'i386' ? 0 : 2),
      (s) => s.fork(2, format === 'i386' ? 0 : 2, { eager: true }),
      (s) => s.fill(va, 40 * 4096, 9),
      (s) => s.copy(va + 4096 * 20, va, 4096 * 15),
      (s) => s.write(0x20000000 - 10, new Uint8Array(20)),
    ];
    parent.mapAnon(8192, { at: 0x20000000 - 4096 });
    for (const op of operations) {
      for (let k = 0; ; k++) {
        const before = state(vm, [parent]);
        failing.failAfter(k);
        let result: unknown;
        try {
          result = op(parent);
        } catch (error) {
          expect(error).toBeInstanceOf(OutOfMemoryError);
          expect(state(vm, [parent])).toEqual(before);
          checkAll(vm, [parent]);
          continue;
        }
        failing.disarm();
        if (result instanceof AddressSpace) {
          checkAll(vm, [parent, result]);
          result.destroy();
        }
        checkAll(vm, [parent]);
        break;
      }
    }
  });

  it('detaches pages for a move and attaches them elsewhere', () => {
    const { vm } = boot(format);
    const a = space(vm, 1);
    const b = space(vm, 2, format === 'i386' ? 0 : 2);
    const va = a.vpmAlloc(3);
    a.fill(va + 4096, 4096, 0x33);
    const pages = a.detachPages(va, 3 * 4096);
    expect(pages[0]).toBe(-1);
    expect(vm.memory.read8(pages[1])).toBe(0x33);
    const at = b.attachPages(pages, { name: 'received' });
    const x = new Uint8Array(1);
    b.read(at + 4096 + 10, x);
    expect(x[0]).toBe(0x33);
    expect(() => a.read(va + 4096, x)).toThrow(SegmentationFaultError);
    checkAll(vm, [a, b]);
  });

  it('the kernel space maps global supervisor pages in every root', () => {
    const { vm } = boot(format);
    const kernel = new AddressSpace(vm, { owner: 0, asid: 0, mode: Mode.Kernel });
    const user = space(vm, 1);
    const k = kernel.reserveAnon(8192, 4096);
    kernel.write(k, Uint8Array.of(1, 2, 3));
    user.activate();
    expect(vm.memory.read8(vm.mmu.translate(k, Access.Read, Mode.Kernel))).toBe(1);
    expect(vm.mmu.translate(k, Access.Read, Mode.User)).toBe(-1);
    expect(() => user.read(k, new Uint8Array(1))).toThrow(SegmentationFaultError);
    kernel.release(k, 8192);
    expect(vm.mmu.translate(k, Access.Read, Mode.Kernel)).toBe(-1);
    checkAll(vm, [kernel, user]);
  });
});

describe('AddressSpace details', () => {
  it('extendAnon grows heap memory in place only into a free range', () => {
    const { vm } = boot('i386');
    const s = space(vm, 1);
    const va = s.reserveAnon(8192, 4096);
    expect(s.extendAnon(va + 8192, 4096)).toBe(true);
    expect(s.regions.usedRegions()).toHaveLength(1);
    s.mapAnon(4096, { at: va + 12288 });
    expect(s.extendAnon(va + 12288, 4096)).toBe(false);
    expect(s.extendAnon(0xf0000000 - 4096, 8192)).toBe(false);
    s.release(va, 12288);
    checkAll(vm, [s]);
  });

  it('unmap invalidates exactly the TLB entries of the pages it removes', () => {
    for (const format of FORMATS) {
      const { vm } = boot(format);
      const a = space(vm, 1);
      const b = space(vm, 2, format === 'i386' ? 0 : 2);
      const va = a.vpmAlloc(0x800000, 4);
      b.vpmAlloc(0x800000, 4);
      b.fill(va, 4 * 4096, 1);
      a.fill(va, 4 * 4096, 1);
      const asidA = a.asid;
      const vpn = (x: number) => Math.floor(x / 4096);
      for (let p = 0; p < 4; p++)
        expect(vm.mmu.tlb.find(vpn(va + p * 4096), asidA)).toBeGreaterThanOrEqual(0);
      const flushedBefore = vm.mmu.tlb.counters().flushes;
      a.unmap(va + 4096, 4096);
      expect(vm.mmu.tlb.find(vpn(va + 4096), asidA)).toBe(-1);
      for (const p of [0, 2, 3]) expect(vm.mmu.tlb.find(vpn(va + p * 4096), asidA)).toBeGreaterThanOrEqual(0);
      if (format !== 'i386') {
        // b's entries (another ASID) survive a's unmap.
        expect(vm.mmu.tlb.find(vpn(va + 4096), b.asid)).toBeGreaterThanOrEqual(0);
      }
      expect(vm.mmu.tlb.counters().flushes - flushedBefore).toBe(1);
      checkAll(vm, [a, b]);
    }
  });

  it('a sealed range can be shared read-only by reference counts, and comes back with its last holder', () => {
    const { vm } = boot('x86-64');
    const owner = space(vm, 1);
    const va = owner.vpmAlloc(2);
    owner.fill(va, 8192, 0x77);
    owner.seal(va, 8192);
    expect(() => owner.write(va, new Uint8Array(1))).toThrow(SegmentationFaultError);
    const frames = Float64Array.from(owner.mappings().map((m) => m.pa));
    const readers = [space(vm, 2), space(vm, 3)];
    for (const reader of readers) {
      for (const pa of frames) vm.pmm.retain(pa);
      const at = reader.attachPages(frames, { protection: Protection.Read, flags: RegionFlag.Sealed });
      const b = new Uint8Array(1);
      reader.read(at + 4097, b);
      expect(b[0]).toBe(0x77);
      expect(() => reader.write(at, b)).toThrow(SegmentationFaultError);
      expect(() => reader.protect(at, 4096, Protection.ReadWrite)).toThrow(ProtectionError);
    }
    expect(vm.frameTable.refCount[frames[0] / 4096]).toBe(3);
    checkAll(vm, [owner, ...readers]);
    owner.destroy();
    readers[0].destroy();
    expect(vm.frameTable.refCount[frames[0] / 4096]).toBe(1);
    readers[1].destroy();
    expect(vm.frameTable.state[frames[0] / 4096]).toBe(0);
    checkAll(vm, []);
  });
});
