/** Test helpers: a kernel with a post office, and the state a refused IPC call must leave alone. */
import type { PostOffice } from '../../src/ipc/post-office.js';
import { Kernel, type KernelConfig } from '../../src/kernel/kernel.js';
import type { Process } from '../../src/kernel/process.js';

export interface IpcMachine {
  kernel: Kernel;
  post: PostOffice;
  /** A new process (the kernel opens its mailbox). */
  spawn(name?: string): Process;
  /** Every layer's invariant checker, the post office's included. */
  check(): void;
}

export function bootIpc(config: KernelConfig = {}, depth?: number): IpcMachine {
  const kernel = new Kernel({ ramBytes: 16 << 20, mailboxDepth: depth, ...config });
  return {
    kernel,
    post: kernel.ipc,
    spawn: (name?: string) => kernel.createProcess(name),
    // The kernel's checker runs the post office's and counts messages in flight as holders.
    check: () => kernel.check(),
  };
}

/** Everything observable of the machine and the mailboxes. */
export function machineState({ kernel, post }: IpcMachine) {
  const frames = kernel.pmm.frames;
  return {
    processes: kernel.processes().map((p) => ({
      pid: p.pid,
      space: p.space.snapshot(),
      pending: post.hasMailbox(p.pid) ? post.pending(p.pid) : -1,
      head: post.hasMailbox(p.pid) ? post.peek(p.pid) : null,
    })),
    allocated: kernel.pmm.allocatedFrames,
    tablePages: kernel.pageTables.tablePageCount,
    refCounts: Array.from(frames.refCount),
    uses: Array.from(frames.use, (use, pfn) => (frames.state[pfn] === 1 ? use : 0)),
    owners: Array.from(frames.owner, (owner, pfn) => (frames.state[pfn] === 1 ? owner : 0)),
    stats: { ...post.stats },
  };
}

/** A deterministic byte pattern. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  return out;
}
