/** The kernel layer's own errors. */
import { PageframeError } from '../common/errors.js';

/** No process has this pid (never created, or it has exited). */
export class UnknownProcessError extends PageframeError {
  readonly pid: number;

  constructor(pid: number, operation: string) {
    super('ESRCH', `${operation}: no process with pid ${pid}`);
    this.pid = pid;
  }
}
