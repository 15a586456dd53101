/** The scenario language's error: every mistake in a scenario, located at a file and line. */
import { PageframeError } from '../../common/errors.js';

/**
 * A mistake in a scenario (syntax, an unknown variable, a failed expectation, an operation that
 * failed inside the machine), located at a line of a file. The message reads `file:line: reason`,
 * the form compilers use, so editors can jump to it.
 */
export class ScenarioError extends PageframeError {
  readonly file: string;
  readonly line: number;
  /** The reason without the location. */
  readonly reason: string;

  constructor(file: string, line: number, reason: string) {
    super('ESCENARIO', `${file}:${line}: ${reason}`);
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}
