/**
 * The typed errors of memory-access traces: a line that does not parse (with its line number),
 * and an address the chosen paging format cannot map in user space.
 */
import { PageframeError } from '../../common/errors.js';

/** A trace line that is not well formed; `line` is 1-based, the message `line N: reason`. */
export class TraceSyntaxError extends PageframeError {
  readonly line: number;

  constructor(line: number, reason: string) {
    super('ETRACE', `line ${line}: ${reason}`);
    this.line = line;
  }
}

/** A traced address outside the user half of the paging format the replay runs on. */
export class TraceAddressError extends PageframeError {
  constructor(message: string) {
    super('ETRACEADDR', message);
  }
}
