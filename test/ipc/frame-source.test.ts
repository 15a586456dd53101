/**
 * IPC changes reference counts and owners through the frame source, so that a wrapper (failure
 * injection, a checker) sees every change; and messages outlive their sender.
 */
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/kernel/kernel.js';
import { FrameUse, KERNEL_OWNER } from '../../src/phys/frame-table.js';
import type { FrameSource } from '../../src/phys/types.js';
import { pattern } from './helpers.js';

const PAGE = 4096;

/** Counts what passes through it. */
class CountingFrames implements FrameSource {
  retains = 0;
  releases = 0;
  readonly owners: Array<[number, FrameUse, number]> = [];
  constructor(private readonly inner: FrameSource) {}
  allocFrame(use: FrameUse, owner: number): number {
    return this.inner.allocFrame(use, owner);
  }
  retain(pa: number): void {
    this.retains++;
    this.inner.retain(pa);
  }
  release(pa: number): boolean {
    this.releases++;
    return this.inner.release(pa);
  }
  setOwner(pa: number, use: FrameUse, owner: number): void {
    this.owners.push([pa, use, owner]);
    this.inner.setOwner(pa, use, owner);
  }
}

function boot() {
  let counting: CountingFrames | undefined;
  const kernel = new Kernel({
    ramBytes: 8 << 20,
    format: 'x86-64',
    wrapFrames: (pmm) => {
      counting = new CountingFrames(pmm);
      return counting;
    },
  });
  return { kernel, counting: counting! };
}

describe('IPC through the frame source', () => {
  it('a copy and a share take their references through it, and give them back through it', () => {
    const { kernel, counting } = boot();
    const a = kernel.createProcess();
    const b = kernel.createProcess();
    const va = a.space.mapAnon(3 * PAGE);
    a.space.fill(va, 3 * PAGE, 5);
    counting.retains = 0;
    counting.releases = 0;
    kernel.ipc.copy(a.pid, b.pid, va, 3 * PAGE);
    expect(counting.retains).toBe(3);
    kernel.ipc.share(a.pid, b.pid, va, 2 * PAGE);
    expect(counting.retains).toBe(5);
    kernel.check();
    kernel.ipc.receive(b.pid); // the copy: its three pins go
    expect(counting.releases).toBe(3);
    kernel.ipc.receive(b.pid); // the share: its references pass to b's mapping
    expect(counting.releases).toBe(3);
    kernel.check();
  });

  it('a move hands its frames to the kernel and then to the receiver through it', () => {
    const { kernel, counting } = boot();
    const a = kernel.createProcess();
    const b = kernel.createProcess();
    const va = a.space.mapAnon(2 * PAGE);
    a.space.fill(va, 2 * PAGE, 5);
    const frames = a.space.mappings(va, va + 2 * PAGE).map((m) => m.pa);
    kernel.ipc.move(a.pid, b.pid, va, 2 * PAGE);
    expect(counting.owners).toEqual(frames.map((pa) => [pa, FrameUse.Message, KERNEL_OWNER]));
    kernel.check();
    kernel.ipc.receive(b.pid);
    expect(counting.owners.slice(2)).toEqual(frames.map((pa) => [pa, FrameUse.User, b.pid]));
    kernel.check();
  });

  it.each(['copy', 'move', 'share'] as const)('a %s is received after its sender exited', (kind) => {
    const { kernel } = boot();
    const baseline = kernel.pmm.allocatedFrames;
    const a = kernel.createProcess();
    const b = kernel.createProcess();
    const va = a.space.mapAnon(2 * PAGE);
    const bytes = pattern(2 * PAGE, 3);
    a.space.write(va, bytes);
    kernel.ipc.send(a.pid, b.pid, va, 2 * PAGE, kind);
    kernel.exit(a.pid);
    kernel.check();
    const received = kernel.ipc.receive(b.pid)!;
    expect(received.from).toBe(a.pid);
    const out = new Uint8Array(2 * PAGE);
    b.space.read(received.va, out);
    expect(out).toEqual(bytes);
    kernel.check();
    kernel.exit(b.pid);
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  });
});
