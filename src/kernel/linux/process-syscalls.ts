/**
 * The process and information system calls: clone (fork only: SIGCHLD, with copy-on-write),
 * wait4, prlimit64, getrandom (seeded), clock_gettime, uname, and the signal calls a program makes
 * at start (accepted: no handler ever runs, a fatal signal ends the process).
 */
import { LimitError, OutOfMemoryError } from '../../common/errors.js';
import type { AddressSpace } from '../../vm/address-space.js';
import { Errno } from './errno.js';
import type { LinuxMachine } from './linux-machine.js';
import { type LinuxProcess, RunState } from './linux-process.js';
import { Signal } from './signals.js';
import { writeUser } from './user-memory.js';

const CSIGNAL = 0xff;
const CLONE_PARENT_SETTID = 0x00100000;
const CLONE_CHILD_CLEARTID = 0x00200000;
const CLONE_CHILD_SETTID = 0x01000000;
const WNOHANG = 1;
const RLIMIT_STACK = 3;
const RLIMIT_NOFILE = 7;
const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;
const CLOCK_REALTIME = 0;
const CLOCK_REALTIME_COARSE = 5;
const UTSNAME_FIELD = 65;

/** clone: only what fork() asks (exit signal SIGCHLD, no new stack, the TID flags). */
export function clone(
  machine: LinuxMachine,
  self: LinuxProcess,
  flags: number,
  newStack: number,
  parentTid: number,
  childTid: number,
): number {
  const extra = flags & ~CSIGNAL & ~(CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID);
  if ((flags & CSIGNAL) !== Signal.SIGCHLD || extra !== 0 || newStack !== 0) return -Errno.EINVAL;
  let child: LinuxProcess;
  try {
    child = machine.fork(self);
  } catch (error) {
    if (error instanceof LimitError) return -Errno.EAGAIN;
    if (error instanceof OutOfMemoryError) return -Errno.ENOMEM;
    throw error;
  }
  const tid = int32(child.pid);
  if (flags & CLONE_CHILD_SETTID) writeUser(child.live.space, childTid, tid);
  if (flags & CLONE_PARENT_SETTID) writeUser(self.live.space, parentTid, tid);
  child.clearChildTid = flags & CLONE_CHILD_CLEARTID ? childTid : 0;
  return child.pid;
}

/**
 * wait4: reaps an ended child (its status word at `statusAddress`) and returns its pid; with none
 * ended yet, returns 0 under WNOHANG, else blocks (undefined: the ecall runs again later).
 */
export function wait4(
  machine: LinuxMachine,
  self: LinuxProcess,
  pid: number,
  statusAddress: number,
  options: number,
): number | undefined {
  const candidates = [...self.children].filter((c) => pid <= 0 || c === pid);
  if (candidates.length === 0) return -Errno.ECHILD;
  for (const childPid of candidates) {
    const child = machine.process(childPid);
    if (child?.state !== RunState.Zombie) continue;
    if (statusAddress !== 0 && !writeUser(self.live.space, statusAddress, int32(child.waitStatus))) {
      return -Errno.EFAULT;
    }
    machine.reap(self, child);
    return child.pid;
  }
  if (options & WNOHANG) return 0;
  self.state = RunState.Waiting;
  return undefined;
}

/** prlimit64 on itself: RLIMIT_STACK is the stack growth limit; others read as Linux defaults. */
export function prlimit64(
  space: AddressSpace,
  self: LinuxProcess,
  pid: number,
  resource: number,
  newAddress: number,
  oldAddress: number,
  readNew: (address: number) => Uint8Array | undefined,
): number {
  if (pid !== 0 && pid !== self.pid) return -Errno.ESRCH;
  if (resource < 0 || resource > 15) return -Errno.EINVAL;
  if (oldAddress !== 0) {
    const limits = new Uint8Array(16);
    const view = new DataView(limits.buffer);
    const [soft, hard] =
      resource === RLIMIT_STACK
        ? [BigInt(self.stack.limitBytes), RLIM_INFINITY]
        : resource === RLIMIT_NOFILE
          ? [1024n, 4096n]
          : [RLIM_INFINITY, RLIM_INFINITY];
    view.setBigUint64(0, soft, true);
    view.setBigUint64(8, hard, true);
    if (!writeUser(space, oldAddress, limits)) return -Errno.EFAULT;
  }
  if (newAddress !== 0) {
    const limits = readNew(newAddress);
    if (!limits) return -Errno.EFAULT;
    const view = new DataView(limits.buffer);
    const soft = view.getBigUint64(0, true);
    if (soft > view.getBigUint64(8, true)) return -Errno.EINVAL;
    if (resource === RLIMIT_STACK) {
      self.stack.limitBytes = soft >= 1n << 40n ? 2 ** 40 : Number(soft);
    }
  }
  return 0;
}

/** getrandom: bytes from the machine's seeded generator, the same every run with the same seed. */
export function getrandom(
  machine: LinuxMachine,
  space: AddressSpace,
  buffer: number,
  length: number,
): number {
  const n = Math.min(length, 1 << 20);
  const bytes = new Uint8Array(n);
  for (let k = 0; k < n; k++) bytes[k] = machine.random.nextU32() & 0xff;
  return writeUser(space, buffer, bytes) ? n : -Errno.EFAULT;
}

/** clock_gettime: the host's realtime clock for the realtime clocks, its monotonic one otherwise. */
export function clockGettime(
  machine: LinuxMachine,
  space: AddressSpace,
  clock: number,
  address: number,
): number {
  if (clock < 0 || clock > 11) return -Errno.EINVAL;
  const realtime = clock === CLOCK_REALTIME || clock === CLOCK_REALTIME_COARSE;
  const ns = realtime ? machine.host.realtimeNanoseconds() : machine.host.monotonicNanoseconds();
  const spec = new Uint8Array(16);
  const view = new DataView(spec.buffer);
  view.setBigInt64(0, ns / 1_000_000_000n, true);
  view.setBigInt64(8, ns % 1_000_000_000n, true);
  return writeUser(space, address, spec) ? 0 : -Errno.EFAULT;
}

/** uname: a Linux on riscv64 named pageframe. */
export function uname(space: AddressSpace, address: number): number {
  const fields = ['Linux', 'pageframe', '6.1.0-pageframe', '#1 SMP pageframe', 'riscv64', '(none)'];
  const bytes = new Uint8Array(fields.length * UTSNAME_FIELD);
  const encoder = new TextEncoder();
  fields.forEach((field, i) => {
    bytes.set(encoder.encode(field), i * UTSNAME_FIELD);
  });
  return writeUser(space, address, bytes) ? 0 : -Errno.EFAULT;
}

/** rt_sigaction / rt_sigprocmask: accepted; the old action or mask reads as the default (zeros). */
export function acceptSignalCall(space: AddressSpace, oldAddress: number, bytes: number): number {
  if (oldAddress !== 0 && !writeUser(space, oldAddress, new Uint8Array(bytes))) return -Errno.EFAULT;
  return 0;
}

function int32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value, true);
  return bytes;
}
