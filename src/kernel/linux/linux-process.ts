/**
 * What the Linux personality keeps per process beside the kernel's Process: the saved hart
 * context, the program break, the growable stack, open files, the parent and children for wait4,
 * and the exit status of a zombie. LinuxMachine owns these; the system calls change them.
 */
import { InvariantError } from '../../common/errors.js';
import type { Process } from '../process.js';
import type { FileTable } from './file-table.js';
import type { GrowableStack } from './stack-growth.js';

export const RunState = {
  /** Ready to run, or running. */
  Runnable: 0,
  /** In wait4 for a child: its ecall runs again once a child has changed state. */
  Waiting: 1,
  /** Ended: its memory is gone, its status waits for the parent's wait4. */
  Zombie: 2,
} as const;
export type RunState = (typeof RunState)[keyof typeof RunState];

/** The ids a program sees (getuid and friends, AT_UID ...): an ordinary user. */
export const USER_ID = 1000;

/** Linux's default RLIMIT_STACK soft limit. */
export const DEFAULT_STACK_LIMIT = 8 << 20;

export class LinuxProcess<Context = unknown> {
  readonly pid: number;
  /** The kernel's process; undefined once it has ended (a zombie). */
  process: Process | undefined;
  /** 0 when it has none (it was started by exec, or its parent ended first). */
  parentPid: number;
  readonly name: string;
  /** The path it was started by (AT_EXECFN, /proc/self/exe). */
  readonly executable: string;
  context: Context | undefined;
  state: RunState = RunState.Runnable;
  /** wait4's status word once a zombie: exit code << 8, or the signal number. */
  waitStatus = 0;
  readonly children = new Set<number>();
  files: FileTable;
  /** The program break: where the heap region starts, and the current break. */
  breakStart = 0;
  breakEnd = 0;
  stack: GrowableStack;
  /** set_tid_address / CLONE_CHILD_CLEARTID: zeroed at exit. */
  clearChildTid = 0;

  constructor(
    process: Process,
    parentPid: number,
    executable: string,
    files: FileTable,
    stack: GrowableStack,
  ) {
    this.pid = process.pid;
    this.process = process;
    this.parentPid = parentPid;
    this.name = process.name;
    this.executable = executable;
    this.files = files;
    this.stack = stack;
  }

  /** The live kernel process; throws when it has ended. */
  get live(): Process {
    if (!this.process) throw new InvariantError(`process ${this.pid} has ended`);
    return this.process;
  }
}

/** wait4's status word for an exit with `code`. */
export function exitedStatus(code: number): number {
  return (code & 0xff) << 8;
}

/** wait4's status word for a death by `signal`. */
export function signaledStatus(signal: number): number {
  return signal & 0x7f;
}

/** The shell's exit status for a wait status: the code, or 128 + the signal. */
export function shellStatus(waitStatus: number): number {
  const signal = waitStatus & 0x7f;
  return signal === 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
}
