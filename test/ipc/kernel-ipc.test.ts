/** The kernel owns the post office: a mailbox per process, messages released on exit, checked. */
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/common/errors.js';
import { Mailbox } from '../../src/ipc/mailbox.js';
import { PostOffice } from '../../src/ipc/post-office.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { FrameUse, KERNEL_OWNER } from '../../src/phys/frame-table.js';

const PAGE = 4096;

describe('Kernel and IPC', () => {
  it('opens a mailbox for every created or forked process and closes it at exit', () => {
    const kernel = new Kernel({ ramBytes: 8 << 20, mailboxDepth: 5 });
    const baseline = kernel.pmm.allocatedFrames;
    const a = kernel.createProcess();
    const b = kernel.fork(a.pid);
    for (const p of [a, b]) {
      const box = p.attachments.get('mailbox');
      expect(box).toBeInstanceOf(Mailbox);
      expect((box as Mailbox).depth).toBe(5);
      expect(kernel.ipc.hasMailbox(p.pid)).toBe(true);
    }
    kernel.exit(b.pid);
    expect(kernel.ipc.hasMailbox(b.pid)).toBe(false);
    kernel.check();
    kernel.exit(a.pid);
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it("counts a message's frames as holders, and catches a message frame no message holds", () => {
    const kernel = new Kernel({ ramBytes: 8 << 20 });
    const baseline = kernel.pmm.allocatedFrames;
    const a = kernel.createProcess();
    const b = kernel.createProcess();
    const va = a.space.mapAnon(2 * PAGE);
    a.space.fill(va, 2 * PAGE, 3);
    kernel.ipc.move(a.pid, b.pid, va, PAGE);
    kernel.ipc.share(a.pid, b.pid, va + PAGE, PAGE);
    kernel.check();
    // A frame tagged as a message's with no message holding it is a leak the checker must see.
    const stray = kernel.pmm.allocFrame(FrameUse.Message, KERNEL_OWNER);
    expect(() => kernel.check()).toThrow(InvariantError);
    kernel.pmm.free(stray);
    kernel.check();
    // A missing reference on a shared frame in flight is caught too.
    const shared = a.space.mappings(va + PAGE, va + 2 * PAGE)[0].pa;
    kernel.pmm.retain(shared);
    expect(() => kernel.check()).toThrow(InvariantError);
    kernel.pmm.release(shared);
    kernel.check();
    kernel.exit(b.pid);
    kernel.exit(a.pid);
    kernel.check();
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('a second post office on the same kernel checks only its own messages', () => {
    const kernel = new Kernel({ ramBytes: 8 << 20 });
    const baseline = kernel.pmm.allocatedFrames;
    const other = new PostOffice(kernel.machine);
    kernel.addHolderCounter((counts) => other.countHolders(counts));
    kernel.onExit((p) => other.onProcessExit(p.pid));
    const a = kernel.createProcess();
    const b = kernel.createProcess();
    other.open(a.pid, a.space);
    other.open(b.pid, b.space);
    const va = a.space.mapAnon(2 * PAGE);
    a.space.fill(va, 2 * PAGE, 3);
    other.move(a.pid, b.pid, va, PAGE);
    kernel.ipc.move(a.pid, b.pid, va + PAGE, PAGE);
    other.check();
    kernel.check();
    kernel.exit(b.pid);
    kernel.check();
    kernel.exit(a.pid);
    kernel.check();
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  });
});
