import { describe, expect, it } from 'vitest';
import { LimitError, OutOfMemoryError } from '../../src/common/errors.js';
import { UnknownProcessError } from '../../src/kernel/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Access, Mode } from '../../src/mmu/flags.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { FrameUse } from '../../src/phys/frame-table.js';
import { SegmentationFaultError } from '../../src/vm/errors.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';
import { kernelState } from './kernel-state.js';

const FORMATS: FormatName[] = ['i386', 'x86-64', 'sv39'];

describe.each(FORMATS)('Kernel on %s', (format) => {
  it('creates, forks and exits processes, and every frame comes back', () => {
    const kernel = new Kernel({ format, ramBytes: 16 << 20 });
    const baseline = kernel.pmm.allocatedFrames;
    const a = kernel.createProcess('init');
    const va = a.space.vpmAlloc(8);
    a.space.fill(va, 8 * 4096, 0x11);
    const b = kernel.fork(a.pid);
    const c = kernel.fork(b.pid, { eager: true });
    expect(b.parentPid).toBe(a.pid);
    b.space.fill(va, 4096, 0x22);
    kernel.check();
    const x = new Uint8Array(1);
    a.space.read(va, x);
    expect(x[0]).toBe(0x11);
    c.space.read(va, x);
    expect(x[0]).toBe(0x11);
    for (const p of [a, b, c]) {
      kernel.exit(p.pid);
      kernel.check();
    }
    expect(kernel.processCount).toBe(0);
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('gives each process its own root and ASID; ASIDs are reused after exit', () => {
    const kernel = new Kernel({ format, ramBytes: 8 << 20 });
    const a = kernel.createProcess();
    const b = kernel.createProcess();
    expect(a.space.root).not.toBe(b.space.root);
    if (format === 'i386') expect(a.asid).toBe(0);
    else expect(a.asid).not.toBe(b.asid);
    kernel.exit(a.pid);
    const c = kernel.createProcess();
    expect(c.pid).not.toBe(a.pid);
    kernel.check();
  });

  it('unknown pids and a full table are typed errors that change nothing', () => {
    const kernel = new Kernel({ format, ramBytes: 8 << 20, maxProcesses: 3 });
    const a = kernel.createProcess();
    kernel.createProcess();
    kernel.createProcess();
    const before = kernelState(kernel);
    expect(() => kernel.createProcess()).toThrow(LimitError);
    expect(() => kernel.fork(a.pid)).toThrow(LimitError);
    expect(() => kernel.fork(999)).toThrow(UnknownProcessError);
    expect(() => kernel.exit(999)).toThrow(UnknownProcessError);
    expect(() => kernel.process(0)).toThrow(UnknownProcessError);
    expect(kernelState(kernel)).toEqual(before);
    expect(kernel.process(a.pid)).toBe(a);
  });

  it('the default process table holds 128 processes', () => {
    const kernel = new Kernel({ format, ramBytes: 8 << 20 });
    for (let k = 0; k < 128; k++) kernel.createProcess();
    expect(() => kernel.createProcess()).toThrow(/process table is full \(128/);
    kernel.check();
  });

  it('the kernel range is mapped in every space and unreachable from user mode', () => {
    const kernel = new Kernel({ format, ramBytes: 8 << 20 });
    const k = kernel.kernelSpace.reserveAnon(3 * 4096, 4096);
    kernel.kernelSpace.write(k + 4000, Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2, 1));
    const a = kernel.createProcess();
    const b = kernel.createProcess();
    for (const p of [a, b]) {
      p.space.activate();
      expect(kernel.machine.memory.read8(kernel.mmu.translate(k + 4000, Access.Read, Mode.Kernel))).toBe(9);
      expect(kernel.mmu.translate(k + 4000, Access.Read, Mode.User)).toBe(-1);
      expect(() => p.space.read(k, new Uint8Array(4))).toThrow(SegmentationFaultError);
      expect(() => p.space.write(k, new Uint8Array(4))).toThrow(SegmentationFaultError);
    }
    kernel.check();
    kernel.kernelSpace.copy(k + 8192, k + 4000, 9);
    const out = new Uint8Array(9);
    kernel.kernelSpace.read(k + 8192, out);
    expect(Array.from(out)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    kernel.kernelSpace.release(k, 3 * 4096);
    kernel.check();
  });

  it('isolates processes: no access to another space, and frames are zeroed before reuse', () => {
    const kernel = new Kernel({ format, ramBytes: 8 << 20, fill: 'junk' });
    const a = kernel.createProcess('a');
    const va = a.space.vpmAlloc(16);
    a.space.fill(va, 16 * 4096, 0xee);
    const b = kernel.createProcess('b');
    expect(() => b.space.read(va, new Uint8Array(1))).toThrow(SegmentationFaultError);
    kernel.exit(a.pid);
    const vb = b.space.vpmAlloc(va, 16);
    const data = new Uint8Array(16 * 4096);
    b.space.read(vb, data);
    expect(data.every((x) => x === 0)).toBe(true);
    kernel.check();
  });

  it('counts holders registered by upper layers', () => {
    const kernel = new Kernel({ format, ramBytes: 8 << 20 });
    const a = kernel.createProcess();
    const va = a.space.vpmAlloc(1);
    a.space.fill(va, 1, 1);
    const pa = a.space.mappings()[0].pa;
    a.space.seal(va, 4096); // a writable page may not be held elsewhere: seal it first
    kernel.pmm.retain(pa); // a message in flight holds the page
    expect(() => kernel.check()).toThrow(/reference count 2 but 1/);
    kernel.addHolderCounter((counts) => {
      counts[pa / 4096]++;
    });
    kernel.check();
    expect(kernel.pmm.frames.use[pa / 4096]).toBe(FrameUse.User);
  });

  it('a failing frame allocation in createProcess, fork or a fault changes nothing', () => {
    let failing: FailingFrameSource | undefined;
    const kernel = new Kernel({
      format,
      ramBytes: 8 << 20,
      wrapFrames: (pmm) => {
        failing = new FailingFrameSource(pmm);
        return failing;
      },
    });
    const a = kernel.createProcess();
    const va = a.space.vpmAlloc(0x1000000, 64);
    for (let p = 0; p < 64; p += 5) a.space.fill(va + p * 4096, 1, p);
    a.space.mapAnon(4096, { at: 0x40000000 });
    a.space.fill(0x40000000, 1, 1);
    const child = kernel.fork(a.pid);
    // The kernel half's tables right under the root are shared and pinned once made: make them first.
    const kernelVa = kernel.kernelSpace.reserveAnon(16 * 4096, 4096);
    kernel.kernelSpace.fill(kernelVa, 1, 1);
    const operations: Array<() => unknown> = [
      () => kernel.createProcess(),
      () => kernel.fork(a.pid),
      () => kernel.fork(child.pid, { eager: true }),
      () => child.space.fill(va, 64 * 4096, 3),
      () => kernel.kernelSpace.fill(kernelVa, 16 * 4096, 1),
    ];
    for (const op of operations) {
      for (let k = 0; k < 500; k++) {
        const before = kernelState(kernel);
        failing!.failAfter(k);
        try {
          op();
        } catch (error) {
          expect(error).toBeInstanceOf(OutOfMemoryError);
          expect(kernelState(kernel)).toEqual(before);
          kernel.check();
          continue;
        }
        failing!.disarm();
        kernel.check();
        break;
      }
    }
  });
});
