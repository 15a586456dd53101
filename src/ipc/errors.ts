/** The IPC layer's own errors. Like every PageframeError, a thrown one means nothing changed. */
import { LimitError, PageframeError } from '../common/errors.js';

/** The receiver's mailbox already holds `depth` messages; the sender may retry after it receives. */
export class MailboxFullError extends LimitError {
  readonly pid: number;
  readonly depth: number;

  constructor(pid: number, depth: number, operation: string) {
    super(`${operation}: the mailbox of process ${pid} is full (${depth} messages waiting)`);
    this.pid = pid;
    this.depth = depth;
  }
}

/** No mailbox for this pid: the process was never registered or has exited. */
export class NoSuchMailboxError extends PageframeError {
  readonly pid: number;

  constructor(pid: number, operation: string) {
    super('ESRCH', `${operation}: process ${pid} has no mailbox (unknown or exited)`);
    this.pid = pid;
  }
}
