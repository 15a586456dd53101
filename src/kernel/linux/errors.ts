/**
 * Errors of loading a program: a file that is not a runnable ELF for this machine. Each names
 * the problem, so `pageframe exec` can print it.
 */
import { PageframeError } from '../../common/errors.js';

/** What is wrong with an ELF file. */
export type ElfProblem =
  | 'not-elf'
  | 'truncated'
  | 'wrong-class'
  | 'wrong-endianness'
  | 'wrong-machine'
  | 'wrong-type'
  | 'dynamic'
  | 'bad-segment';

export class ElfError extends PageframeError {
  readonly problem: ElfProblem;

  constructor(problem: ElfProblem, message: string) {
    super('ENOEXEC', message);
    this.problem = problem;
  }
}
