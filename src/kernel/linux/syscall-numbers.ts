/**
 * Linux system-call numbers of the generic table that RISC-V uses (asm-generic/unistd.h), with
 * their names for the counts in reports; a test checks them against the cross compiler's header.
 */
export const Syscall = {
  getcwd: 17,
  dup: 23,
  dup3: 24,
  fcntl: 25,
  ioctl: 29,
  faccessat: 48,
  openat: 56,
  close: 57,
  lseek: 62,
  read: 63,
  write: 64,
  readv: 65,
  writev: 66,
  pread64: 67,
  ppoll: 73,
  readlinkat: 78,
  newfstatat: 79,
  fstat: 80,
  exit: 93,
  exit_group: 94,
  set_tid_address: 96,
  futex: 98,
  set_robust_list: 99,
  nanosleep: 101,
  clock_gettime: 113,
  clock_getres: 114,
  sched_yield: 124,
  kill: 129,
  tgkill: 131,
  rt_sigaction: 134,
  rt_sigprocmask: 135,
  uname: 160,
  getrlimit: 163,
  gettimeofday: 169,
  getpid: 172,
  getppid: 173,
  getuid: 174,
  geteuid: 175,
  getgid: 176,
  getegid: 177,
  gettid: 178,
  brk: 214,
  munmap: 215,
  mremap: 216,
  clone: 220,
  execve: 221,
  mmap: 222,
  mprotect: 226,
  madvise: 233,
  wait4: 260,
  prlimit64: 261,
  getrandom: 278,
  statx: 291,
  rseq: 293,
} as const;

const NAMES = new Map<number, string>(Object.entries(Syscall).map(([name, number]) => [number, name]));

/** The call's name, or `syscall_N` for a number this table does not know. */
export function syscallName(number: number): string {
  return NAMES.get(number) ?? `syscall_${number}`;
}
