import { describe, expect, it } from 'vitest';
import {
  AlignmentError,
  BusyError,
  InvalidArgumentError,
  LimitError,
  NotAllocatedError,
  OutOfMemoryError,
  type PageframeError,
} from '../../src/common/errors.js';
import { MailboxFullError, NoSuchMailboxError } from '../../src/ipc/errors.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { FrameUse, KERNEL_OWNER } from '../../src/phys/frame-table.js';
import { ProtectionError, SegmentationFaultError } from '../../src/vm/errors.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';
import { Protection } from '../../src/vm/region-types.js';
import { bootIpc, type IpcMachine, machineState, pattern } from './helpers.js';

const PAGE = 4096;
const FORMATS: FormatName[] = ['i386', 'x86-64', 'sv39'];

function read(m: IpcMachine, pid: number, va: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  m.kernel.process(pid).space.read(va, out);
  return out;
}

function frameOf(m: IpcMachine, pid: number, va: number): number {
  const found = m.kernel.process(pid).space.mappings(va, va + PAGE);
  return found.length === 1 ? found[0].pa : -1;
}

/** Expects `call` to throw `type` and to leave the machine and the mailboxes exactly as they were. */
function expectRefused(
  m: IpcMachine,
  call: () => unknown,
  type: new (...args: never[]) => PageframeError,
): void {
  const before = machineState(m);
  expect(call).toThrow(type);
  expect(machineState(m)).toEqual(before);
  m.check();
}

describe.each(FORMATS)('PostOffice on %s', (format) => {
  it('copy: the payload goes once, from the frames as they were at send, into a fresh area', () => {
    const m = bootIpc({ format });
    const baseline = m.kernel.pmm.allocatedFrames;
    const a = m.spawn('a');
    const b = m.spawn('b');
    const area = a.space.mapAnon(4 * PAGE);
    const va = area + 100;
    const payload = pattern(10_000, 1);
    a.space.write(va, payload);
    const pinned = frameOf(m, a.pid, area);
    m.post.copy(a.pid, b.pid, va, payload.length);
    // The message pins the sender's frames: one reference more, the sender's entry read-only.
    expect(m.kernel.pmm.refCountOf(pinned)).toBe(2);
    m.check();
    // The sender changes its copy before the receiver takes it: the message keeps the old bytes.
    a.space.fill(va, payload.length, 0xee);
    m.check();
    expect(m.post.stats.bytesCopied).toBe(0);
    const got = m.post.receive(b.pid);
    expect(got).not.toBeNull();
    expect(got?.length).toBe(payload.length);
    expect(got?.kind).toBe('copy');
    expect(got?.from).toBe(a.pid);
    expect((got?.va ?? 0) % PAGE).toBe(100);
    expect(read(m, b.pid, got?.va ?? 0, payload.length)).toEqual(payload);
    expect(m.post.stats.bytesCopied).toBe(payload.length);
    expect(m.post.stats.copies).toBe(1);
    expect(read(m, a.pid, va, 4)).toEqual(new Uint8Array(4).fill(0xee));
    m.check();
    m.kernel.exit(a.pid);
    m.kernel.exit(b.pid);
    m.check();
    expect(m.kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('copy: into a buffer the receiver names, which may be partly untouched', () => {
    const m = bootIpc({ format });
    const a = m.spawn();
    const b = m.spawn();
    const src = a.space.mapAnon(3 * PAGE);
    const payload = pattern(2 * PAGE + 123, 2);
    a.space.write(src + 7, payload);
    const buffer = b.space.mapAnon(4 * PAGE);
    b.space.fill(buffer, 1, 0x99); // first page touched, the others demand-zero
    m.post.copy(a.pid, b.pid, src + 7, payload.length);
    const got = m.post.receive(b.pid, { into: buffer + 1 });
    expect(got?.va).toBe(buffer + 1);
    expect(read(m, b.pid, buffer, 1)[0]).toBe(0x99);
    expect(read(m, b.pid, buffer + 1, payload.length)).toEqual(payload);
    expect(read(m, b.pid, buffer + 1 + payload.length, 10)).toEqual(new Uint8Array(10));
    expect(m.post.stats.bytesCopied).toBe(payload.length);
    m.check();
    // After the message is gone, the sender's write takes its frame back (count 1 again).
    const frame = frameOf(m, a.pid, src);
    expect(m.kernel.pmm.refCountOf(frame)).toBe(1);
    a.space.fill(src, 1, 5);
    expect(frameOf(m, a.pid, src)).toBe(frame);
    m.check();
  });

  it('copy of pages the sender never touched delivers zeros', () => {
    const m = bootIpc({ format });
    const a = m.spawn();
    const b = m.spawn();
    const src = a.space.mapAnon(2 * PAGE);
    const allocated = m.kernel.pmm.allocatedFrames;
    m.post.copy(a.pid, b.pid, src + 10, PAGE);
    expect(m.kernel.pmm.allocatedFrames).toBe(allocated);
    const buffer = b.space.mapAnon(PAGE);
    b.space.fill(buffer, PAGE, 0x77);
    m.post.receive(b.pid, { into: buffer });
    expect(read(m, b.pid, buffer, PAGE)).toEqual(new Uint8Array(PAGE));
    m.check();
  });

  it('move: the frames change hands, no byte is copied, and the sender faults on the range', () => {
    const m = bootIpc({ format });
    const baseline = m.kernel.pmm.allocatedFrames;
    const a = m.spawn();
    const b = m.spawn();
    const va = a.space.mapAnon(8 * PAGE);
    const payload = pattern(6 * PAGE, 3);
    a.space.write(va + PAGE, payload);
    // Warm the sender's TLB with the pages that will go.
    read(m, a.pid, va + PAGE, 6 * PAGE);
    const frames = [0, 1, 2, 3, 4, 5].map((k) => frameOf(m, a.pid, va + (k + 1) * PAGE));
    m.post.move(a.pid, b.pid, va + PAGE, 6 * PAGE);
    for (const pa of frames) {
      expect(m.kernel.pmm.frames.use[pa / PAGE]).toBe(FrameUse.Message);
      expect(m.kernel.pmm.frames.owner[pa / PAGE]).toBe(KERNEL_OWNER);
    }
    m.check(); // no stale TLB entry of the sender survives
    expect(() => read(m, a.pid, va + PAGE, 1)).toThrow(SegmentationFaultError);
    expect(() => a.space.fill(va + 6 * PAGE, 1, 1)).toThrow(SegmentationFaultError);
    expect(read(m, a.pid, va, 1)).toEqual(new Uint8Array(1)); // the pages around stay
    const got = m.post.receive(b.pid);
    const at = got?.va ?? 0;
    expect(read(m, b.pid, at, payload.length)).toEqual(payload);
    for (let k = 0; k < 6; k++) {
      expect(frameOf(m, b.pid, at + k * PAGE)).toBe(frames[k]);
      expect(m.kernel.pmm.frames.use[frames[k] / PAGE]).toBe(FrameUse.User);
      expect(m.kernel.pmm.frames.owner[frames[k] / PAGE]).toBe(b.pid);
    }
    expect(m.post.stats.bytesCopied).toBe(0);
    expect(m.post.stats.pagesMoved).toBe(6);
    b.space.fill(at, PAGE, 0x42); // the receiver owns it read-write
    expect(frameOf(m, b.pid, at)).toBe(frames[0]);
    m.check();
    m.kernel.exit(a.pid);
    m.kernel.exit(b.pid);
    expect(m.kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('move: pages shared copy-on-write with a forked child stay the child’s', () => {
    const m = bootIpc({ format });
    const baseline = m.kernel.pmm.allocatedFrames;
    const a = m.spawn();
    const b = m.spawn();
    const va = a.space.mapAnon(2 * PAGE);
    a.space.write(va, pattern(2 * PAGE, 4));
    const child = m.kernel.fork(a.pid);
    m.post.move(a.pid, b.pid, va, 2 * PAGE);
    m.check();
    const got = m.post.receive(b.pid);
    m.check();
    b.space.fill(got?.va ?? 0, 2 * PAGE, 1); // copy-on-write copies for the receiver
    expect(read(m, child.pid, va, 2 * PAGE)).toEqual(pattern(2 * PAGE, 4));
    m.check();
    for (const p of [a, b, child]) m.kernel.exit(p.pid);
    expect(m.kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('share: read-only for everyone, one frame counted by every mapping, freed with the last', () => {
    const m = bootIpc({ format });
    const baseline = m.kernel.pmm.allocatedFrames;
    const a = m.spawn();
    const b = m.spawn();
    const c = m.spawn();
    const va = a.space.mapAnon(2 * PAGE);
    const payload = pattern(2 * PAGE, 5);
    a.space.write(va, payload);
    const frame = frameOf(m, a.pid, va);
    m.post.share(a.pid, b.pid, va, 2 * PAGE);
    m.post.share(a.pid, c.pid, va, 2 * PAGE);
    expect(m.kernel.pmm.refCountOf(frame)).toBe(3);
    m.check();
    expect(() => a.space.fill(va, 1, 0)).toThrow(SegmentationFaultError);
    expect(() => a.space.protect(va, PAGE, Protection.ReadWrite)).toThrow(ProtectionError);
    const inB = m.post.receive(b.pid)?.va ?? 0;
    const inC = m.post.receive(c.pid, { at: 0x4000_0000 })?.va ?? 0;
    expect(inC).toBe(0x4000_0000);
    expect(frameOf(m, b.pid, inB)).toBe(frame);
    expect(frameOf(m, c.pid, inC)).toBe(frame);
    expect(m.kernel.pmm.refCountOf(frame)).toBe(3);
    expect(read(m, b.pid, inB, payload.length)).toEqual(payload);
    expect(read(m, c.pid, inC, payload.length)).toEqual(payload);
    expect(() => b.space.fill(inB, 1, 0)).toThrow(SegmentationFaultError);
    expect(() => c.space.protect(inC, PAGE, Protection.ReadWrite)).toThrow(ProtectionError);
    expect(m.post.stats.pagesShared).toBe(4);
    expect(m.post.stats.bytesCopied).toBe(0);
    m.check();
    m.kernel.exit(a.pid);
    m.kernel.exit(b.pid);
    expect(m.kernel.pmm.refCountOf(frame)).toBe(1);
    expect(read(m, c.pid, inC, payload.length)).toEqual(payload);
    m.check();
    m.kernel.exit(c.pid);
    expect(m.kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('messages in flight: released when the receiver exits, kept when the sender exits', () => {
    const m = bootIpc({ format });
    const baseline = m.kernel.pmm.allocatedFrames;
    const a = m.spawn();
    const b = m.spawn();
    const c = m.spawn();
    const va = a.space.mapAnon(6 * PAGE);
    a.space.write(va, pattern(6 * PAGE, 6));
    m.post.move(a.pid, b.pid, va, 2 * PAGE);
    m.post.share(a.pid, b.pid, va + 2 * PAGE, PAGE);
    m.post.copy(a.pid, b.pid, va + 3 * PAGE + 5, 100);
    m.post.move(a.pid, c.pid, va + 4 * PAGE, 2 * PAGE);
    m.post.copy(a.pid, c.pid, va + 2 * PAGE, 50);
    m.check();
    m.kernel.exit(b.pid); // its three messages go, their frames with them
    expect(m.post.stats.messagesDropped).toBe(3);
    m.check();
    m.kernel.exit(a.pid); // c's messages survive the sender
    m.check();
    const moved = m.post.receive(c.pid);
    expect(read(m, c.pid, moved?.va ?? 0, 2 * PAGE)).toEqual(pattern(6 * PAGE, 6).subarray(4 * PAGE));
    const copied = m.post.receive(c.pid);
    expect(read(m, c.pid, copied?.va ?? 0, 50)).toEqual(
      pattern(6 * PAGE, 6).subarray(2 * PAGE, 2 * PAGE + 50),
    );
    expect(m.post.receive(c.pid)).toBeNull();
    m.check();
    m.kernel.exit(c.pid);
    m.check();
    expect(m.post.inFlight).toBe(0);
    expect(m.kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('refuses bad input with typed errors and changes nothing', () => {
    const m = bootIpc({ format }, 2);
    const baseline = m.kernel.pmm.allocatedFrames;
    const a = m.spawn();
    const b = m.spawn();
    const va = a.space.mapAnon(5 * PAGE);
    a.space.write(va, pattern(4 * PAGE, 7));
    const ro = a.space.mapAnon(PAGE, { protection: Protection.Read });
    const sealed = a.space.mapAnon(PAGE);
    a.space.seal(sealed, PAGE);
    const none = a.space.mapAnon(PAGE, { protection: Protection.None });
    const phys = m.kernel.pmm.allocFrame();
    const device = a.space.mapPhys(phys, PAGE);
    a.space.unmap(va + 4 * PAGE, PAGE); // a hole between va's pages and the next region
    const unmapped = va + 4 * PAGE;
    m.check();
    expectRefused(m, () => m.post.copy(a.pid, b.pid, unmapped, 10), NotAllocatedError);
    expectRefused(m, () => m.post.copy(a.pid, b.pid, va + 4 * PAGE - 5, 10), NotAllocatedError);
    expectRefused(m, () => m.post.move(a.pid, b.pid, va, 5 * PAGE), NotAllocatedError);
    expectRefused(m, () => m.post.move(a.pid, b.pid, ro, PAGE), ProtectionError);
    expectRefused(m, () => m.post.move(a.pid, b.pid, sealed, PAGE), ProtectionError);
    expectRefused(m, () => m.post.copy(a.pid, b.pid, none, 1), ProtectionError);
    expectRefused(m, () => m.post.share(a.pid, b.pid, device, PAGE), InvalidArgumentError);
    expectRefused(m, () => m.post.move(a.pid, 999, va, PAGE), NoSuchMailboxError);
    expectRefused(m, () => m.post.move(999, b.pid, va, PAGE), NoSuchMailboxError);
    expectRefused(m, () => m.post.copy(a.pid, b.pid, va, 0), InvalidArgumentError);
    expectRefused(m, () => m.post.move(a.pid, b.pid, va, 0), InvalidArgumentError);
    expectRefused(m, () => m.post.move(a.pid, b.pid, va + 8, PAGE), AlignmentError);
    expectRefused(m, () => m.post.move(a.pid, b.pid, va, PAGE + 1), AlignmentError);
    expectRefused(m, () => m.post.share(a.pid, b.pid, va, 100), AlignmentError);
    expectRefused(m, () => m.post.send(a.pid, b.pid, va, PAGE, 'steal' as 'copy'), InvalidArgumentError);
    // A full mailbox (depth 2).
    m.post.copy(a.pid, b.pid, va, 10);
    m.post.move(a.pid, b.pid, va + PAGE, PAGE);
    m.check();
    expectRefused(m, () => m.post.copy(a.pid, b.pid, va, 10), MailboxFullError);
    // Receiving at an occupied address, or a move into a buffer: the message stays.
    const taken = b.space.mapAnon(PAGE);
    expectRefused(m, () => m.post.receive(b.pid, { at: taken, into: taken }), InvalidArgumentError);
    expectRefused(m, () => m.post.receive(b.pid, { at: taken }), BusyError);
    expectRefused(m, () => m.post.receive(b.pid, { into: taken + PAGE - 5 }), NotAllocatedError);
    const roBuffer = b.space.mapAnon(PAGE, { protection: Protection.Read });
    expectRefused(m, () => m.post.receive(b.pid, { into: roBuffer }), ProtectionError);
    expect(m.post.receive(b.pid, { into: taken })?.va).toBe(taken);
    expectRefused(m, () => m.post.receive(b.pid, { into: taken }), InvalidArgumentError);
    expectRefused(m, () => m.post.receive(b.pid, { at: taken }), BusyError);
    expectRefused(m, () => m.post.receive(b.pid, { at: taken + 1 }), AlignmentError);
    expect(m.post.receive(b.pid, { at: 0x5000_0000 })?.va).toBe(0x5000_0000);
    expect(m.post.receive(b.pid)).toBeNull();
    m.kernel.exit(b.pid);
    expectRefused(m, () => m.post.copy(a.pid, b.pid, va, 10), NoSuchMailboxError);
    expect(() => m.post.receive(b.pid)).toThrow(NoSuchMailboxError);
    m.check();
    m.kernel.exit(a.pid);
    m.kernel.pmm.free(phys);
    m.check();
    expect(m.kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('running out of memory at receive leaves the message waiting and the machine as it was', () => {
    let failing: FailingFrameSource | undefined;
    const m = bootIpc({
      format,
      wrapFrames: (pmm) => {
        failing = new FailingFrameSource(pmm);
        return failing;
      },
    });
    const source = failing as FailingFrameSource;
    const baseline = m.kernel.pmm.allocatedFrames;
    const a = m.spawn();
    const b = m.spawn();
    const va = a.space.mapAnon(8 * PAGE);
    a.space.write(va, pattern(8 * PAGE, 9));
    const buffer = b.space.mapAnon(4 * PAGE);
    m.post.copy(a.pid, b.pid, va + 10, 3 * PAGE); // into a fresh area
    m.post.copy(a.pid, b.pid, va + 20, 3 * PAGE); // into the untouched buffer
    m.post.move(a.pid, b.pid, va + 4 * PAGE, 2 * PAGE); // far away: new table pages
    m.post.share(a.pid, b.pid, va + 6 * PAGE, 2 * PAGE);
    const attempts: Array<() => unknown> = [
      () => m.post.receive(b.pid),
      () => m.post.receive(b.pid, { into: buffer + 20 }),
      () => m.post.receive(b.pid, { at: 0x7000_0000 }),
      () => m.post.receive(b.pid, { at: 0x3000_0000 }),
    ];
    for (const attempt of attempts) {
      let failures = 0;
      for (let k = 0; ; k++) {
        const before = machineState(m);
        source.failAfter(k);
        try {
          attempt();
        } catch (error) {
          expect(error).toBeInstanceOf(OutOfMemoryError);
          expect(machineState(m)).toEqual(before);
          m.check();
          failures++;
          continue;
        }
        source.disarm();
        m.check();
        break;
      }
      expect(failures).toBeGreaterThan(0);
    }
    expect(m.post.pending(b.pid)).toBe(0);
    expect(read(m, b.pid, buffer + 20, 3 * PAGE)).toEqual(pattern(8 * PAGE, 9).subarray(20, 20 + 3 * PAGE));
    m.kernel.exit(a.pid);
    m.kernel.exit(b.pid);
    m.check();
    expect(m.kernel.pmm.allocatedFrames).toBe(baseline);
  });

  it('a move or share that would split regions past the limit is refused and changes nothing', () => {
    const m = bootIpc({ format, regionLimit: 4 });
    const baseline = m.kernel.pmm.allocatedFrames;
    const a = m.spawn();
    const b = m.spawn();
    const va = a.space.mapAnon(8 * PAGE); // regions: free, anon, free
    a.space.write(va, pattern(8 * PAGE, 10));
    m.post.copy(a.pid, b.pid, va + 2 * PAGE + 5, PAGE); // copy-on-write keeps the regions as they are
    expect(a.space.regions.count).toBe(3);
    m.check();
    expectRefused(m, () => m.post.share(a.pid, b.pid, va + 4 * PAGE, PAGE), LimitError);
    expectRefused(m, () => m.post.move(a.pid, b.pid, va + 4 * PAGE, PAGE), LimitError);
    m.post.move(a.pid, b.pid, va + 6 * PAGE, 2 * PAGE); // the end of the region: one region more
    m.check();
    m.kernel.exit(b.pid); // both messages released
    m.kernel.exit(a.pid);
    m.check();
    expect(m.kernel.pmm.allocatedFrames).toBe(baseline);
  });
});
