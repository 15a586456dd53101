/** Checks of the options a format is made with (FormatOptions), shared by the formats. */
import { InvalidArgumentError } from '../common/errors.js';
import type { FormatOptions } from './page-table-format.js';

/** A format whose MAXPHYADDR the architecture fixes accepts only that value. */
export function fixedMaxPhysicalBits(name: string, bits: number, options: FormatOptions): void {
  if (options.maxPhysicalBits !== undefined && options.maxPhysicalBits !== bits) {
    throw new InvalidArgumentError(`${name} MAXPHYADDR is ${bits}, not ${options.maxPhysicalBits}`);
  }
}
