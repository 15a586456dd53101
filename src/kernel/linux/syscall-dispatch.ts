/**
 * The Linux system-call table: decodes an ecall's number (a7) and arguments (a0 to a5) and calls
 * the file, memory and process calls. Returns the value for a0, or undefined when the call does
 * not return (exit, a blocked wait4). An unknown number returns -ENOSYS and is counted.
 */
import { Errno } from './errno.js';
import * as files from './file-syscalls.js';
import type { LinuxMachine } from './linux-machine.js';
import { exitedStatus, type LinuxProcess, USER_ID } from './linux-process.js';
import * as memory from './memory-syscalls.js';
import * as processes from './process-syscalls.js';
import { Signal } from './signals.js';
import { Syscall, syscallName } from './syscall-numbers.js';
import { readUser } from './user-memory.js';

/** Signals whose default action is not to end the process. */
const HARMLESS_SIGNALS = new Set([0, Signal.SIGCHLD, 18, 23, 28]);
const SIGSET_BYTES = 8;
const O_CLOEXEC = 0o2000000;
const SIGACTION_BYTES = 24;

export function dispatchSyscall<Context>(
  machine: LinuxMachine<Context>,
  self: LinuxProcess<Context>,
  number: number,
  args: readonly bigint[],
): number | undefined {
  const name = syscallName(number);
  machine.counters.syscalls.set(name, (machine.counters.syscalls.get(name) ?? 0) + 1);
  const unsigned = (i: number): number => Number(BigInt.asUintN(64, args[i]));
  const int = (i: number): number => Number(BigInt.asIntN(32, args[i]));
  const long = (i: number): number => Number(BigInt.asIntN(64, args[i]));
  const space = self.live.space;
  const context = { self: self as LinuxProcess, space, host: machine.host };
  const linux = machine as LinuxMachine;
  switch (number) {
    case Syscall.read:
      return files.read(context, int(0), unsigned(1), unsigned(2));
    case Syscall.write:
      return files.write(context, int(0), unsigned(1), unsigned(2));
    case Syscall.readv:
      return files.vectored(context, int(0), unsigned(1), int(2), files.read);
    case Syscall.writev:
      return files.vectored(context, int(0), unsigned(1), int(2), files.write);
    case Syscall.openat:
      return files.openat(context, int(0), unsigned(1), int(2));
    case Syscall.close:
      return files.close(context, int(0));
    case Syscall.lseek:
      return files.lseek(context, int(0), long(1), int(2));
    case Syscall.fstat:
      return files.fstat(context, int(0), unsigned(1));
    case Syscall.newfstatat:
      return files.newfstatat(context, int(0), unsigned(1), unsigned(2), int(3));
    case Syscall.readlinkat:
      return files.readlinkat(context, unsigned(1), unsigned(2), long(3));
    case Syscall.ioctl:
      return files.ioctl(context, int(0), unsigned(1));
    case Syscall.dup:
      return files.dup(context, int(0));
    case Syscall.dup3:
      return int(2) & ~O_CLOEXEC ? -Errno.EINVAL : files.dup(context, int(0), int(1));
    case Syscall.fcntl:
      return files.fcntl(context, int(0), int(1));
    case Syscall.brk:
      return memory.brk(self, space, unsigned(0));
    case Syscall.mmap:
      return flushed(machine, memory.mmap(space, unsigned(0), unsigned(1), int(2), int(3)));
    case Syscall.munmap:
      return flushed(machine, memory.munmap(space, unsigned(0), unsigned(1)));
    case Syscall.mprotect:
      return flushed(machine, memory.mprotect(space, unsigned(0), unsigned(1), int(2)));
    case Syscall.mremap:
      return flushed(machine, memory.mremap(space, unsigned(0), unsigned(1), unsigned(2), int(3)));
    case Syscall.madvise:
      return flushed(machine, memory.madvise(space, unsigned(0), unsigned(1), int(2)));
    case Syscall.exit:
    case Syscall.exit_group:
      machine.terminate(self, exitedStatus(int(0)));
      return undefined;
    case Syscall.clone:
      return processes.clone(linux, self as LinuxProcess, unsigned(0), unsigned(1), unsigned(2), unsigned(4));
    case Syscall.wait4:
      return processes.wait4(linux, self as LinuxProcess, int(0), unsigned(1), int(2));
    case Syscall.kill:
    case Syscall.tgkill: {
      const target = number === Syscall.kill ? int(0) : int(1);
      const signal = number === Syscall.kill ? int(1) : int(2);
      if (signal < 0 || signal > 64) return -Errno.EINVAL;
      const victim = target === self.pid || target === 0 ? self : machine.process(target);
      if (!victim?.process) return -Errno.ESRCH;
      if (HARMLESS_SIGNALS.has(signal)) return 0;
      machine.kill(victim, signal, `sent by process ${self.pid}`);
      return victim === self ? undefined : 0;
    }
    case Syscall.set_tid_address:
      self.clearChildTid = unsigned(0);
      return self.pid;
    case Syscall.set_robust_list:
      return 0;
    case Syscall.rseq:
      return -Errno.ENOSYS; // glibc falls back quietly; no warning needed
    case Syscall.prlimit64:
      return processes.prlimit64(space, self as LinuxProcess, int(0), int(1), unsigned(2), unsigned(3), (a) =>
        readUser(space, a, 16),
      );
    case Syscall.getrandom:
      return processes.getrandom(linux, space, unsigned(0), unsigned(1));
    case Syscall.clock_gettime:
      return processes.clockGettime(linux, space, int(0), unsigned(1));
    case Syscall.uname:
      return processes.uname(space, unsigned(0));
    case Syscall.rt_sigaction:
      return processes.acceptSignalCall(space, unsigned(2), SIGACTION_BYTES);
    case Syscall.rt_sigprocmask:
      return processes.acceptSignalCall(space, unsigned(2), SIGSET_BYTES);
    case Syscall.getpid:
    case Syscall.gettid:
      return self.pid;
    case Syscall.getppid:
      return self.parentPid;
    case Syscall.getuid:
    case Syscall.geteuid:
    case Syscall.getgid:
    case Syscall.getegid:
      return USER_ID;
    case Syscall.sched_yield:
      return 0;
    default:
      machine.unknownSyscall(self, number);
      return -Errno.ENOSYS;
  }
}

/** After a call that may have changed mappings, the hart's cached translations go. */
function flushed<Context>(machine: LinuxMachine<Context>, result: number): number {
  machine.hart.flushTranslations();
  return result;
}
