/**
 * A frame never goes back to the allocator while a TLB entry still reaches it: a frame source
 * that looks into the TLB at every free catches any path that frees first and invalidates after.
 */
import { describe, expect, it } from 'vitest';
import { OutOfMemoryError } from '../../src/common/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Access } from '../../src/mmu/flags.js';
import type { Mmu } from '../../src/mmu/mmu.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { FrameState, type FrameUse } from '../../src/phys/frame-table.js';
import type { FrameSource } from '../../src/phys/types.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';

const PAGE = 4096;
const FORMATS: FormatName[] = ['i386', 'x86-64', 'sv39'];

/** Passes everything on; when a release frees a frame, records it if the TLB still maps it. */
class TlbWatchingFrames implements FrameSource {
  mmu: Mmu | null = null;
  readonly stale: string[] = [];
  constructor(private readonly inner: FrameSource) {}
  allocFrame(use: FrameUse, owner: number): number {
    return this.inner.allocFrame(use, owner);
  }
  retain(pa: number): void {
    this.inner.retain(pa);
  }
  setOwner(pa: number, use: FrameUse, owner: number): void {
    this.inner.setOwner(pa, use, owner);
  }
  release(pa: number): boolean {
    const freed = this.inner.release(pa);
    if (freed && this.mmu) {
      for (const entry of this.mmu.tlb.snapshot()) {
        if (entry.pa === pa)
          this.stale.push(
            `frame ${pa.toString(16)} freed while the TLB maps ${entry.va.toString(16)} (ASID ${entry.asid})`,
          );
      }
    }
    return freed;
  }
}

function boot(format: FormatName) {
  let watcher: TlbWatchingFrames | undefined;
  let failing: FailingFrameSource | undefined;
  const kernel = new Kernel({
    ramBytes: 8 << 20,
    format,
    tlb: { entries: 64, ways: 4 },
    wrapFrames: (pmm) => {
      watcher = new TlbWatchingFrames(pmm);
      failing = new FailingFrameSource(watcher);
      return failing;
    },
  });
  watcher!.mmu = kernel.mmu;
  return { kernel, watcher: watcher!, failing: failing! };
}

/** Touches every page of [va, va + pages) through the MMU so that the TLB holds them. */
function touch(kernel: Kernel, pid: number, va: number, pages: number): void {
  const space = kernel.process(pid).space;
  for (let p = 0; p < pages; p++) space.access(va + p * PAGE, Access.Write);
}

describe.each(FORMATS)('frames go back only after the TLB forgets them (%s)', (format) => {
  it('at exit', () => {
    const { kernel, watcher } = boot(format);
    const a = kernel.createProcess();
    const va = a.space.mapAnon(8 * PAGE);
    touch(kernel, a.pid, va, 8);
    const frames = a.space.mappings(va, va + 8 * PAGE);
    expect(frames).toHaveLength(8);
    kernel.exit(a.pid);
    for (const { pa } of frames) expect(kernel.pmm.stateOf(pa)).toBe(FrameState.Free);
    expect(watcher.stale).toEqual([]);
  });

  it('at munmap, page by page and with an ASID flush', () => {
    const { kernel, watcher } = boot(format);
    const a = kernel.createProcess();
    const small = a.space.mapAnon(4 * PAGE);
    const large = a.space.mapAnon(40 * PAGE);
    touch(kernel, a.pid, small, 4);
    touch(kernel, a.pid, large, 40);
    const frames = [
      ...a.space.mappings(small, small + 4 * PAGE),
      ...a.space.mappings(large, large + 40 * PAGE),
    ];
    expect(frames).toHaveLength(44);
    a.space.unmap(small, 4 * PAGE);
    a.space.unmap(large, 40 * PAGE);
    for (const { pa } of frames) expect(kernel.pmm.stateOf(pa)).toBe(FrameState.Free);
    expect(watcher.stale).toEqual([]);
    kernel.check();
  });

  it('when a copy-on-write write and the undo of a failed copy-in replace frames', () => {
    const { kernel, watcher, failing } = boot(format);
    const parent = kernel.createProcess();
    const va = parent.space.mapAnon(4 * PAGE);
    parent.space.fill(va, 4 * PAGE, 1);
    const child = kernel.fork(parent.pid);
    touch(kernel, child.pid, va, 1); // a writable child copy of page 0, in the TLB
    for (let p = 1; p < 4; p++) child.space.access(va + p * PAGE, Access.Read);
    // Page 1 is copied, page 2 fails: the undo frees the copy of page 1.
    failing.failAfter(1);
    expect(() => child.space.fill(va + PAGE, 2 * PAGE, 9)).toThrow(OutOfMemoryError);
    failing.disarm();
    kernel.exit(parent.pid); // the child's pages become its own; its TLB entries stay valid
    touch(kernel, child.pid, va, 4);
    kernel.exit(child.pid);
    expect(watcher.stale).toEqual([]);
  });

  it('when a moved page is received and its receiver exits', () => {
    const { kernel, watcher } = boot(format);
    const a = kernel.createProcess();
    const b = kernel.createProcess();
    const va = a.space.mapAnon(2 * PAGE);
    touch(kernel, a.pid, va, 2);
    kernel.ipc.move(a.pid, b.pid, va, 2 * PAGE);
    const received = kernel.ipc.receive(b.pid)!;
    touch(kernel, b.pid, received.va, 2);
    kernel.exit(b.pid);
    expect(watcher.stale).toEqual([]);
    kernel.check();
  });
});
