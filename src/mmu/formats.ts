/** The formats by name, and decoding of a raw entry for any of them. */
import { InvalidArgumentError } from '../common/errors.js';
import { I386Format } from './i386-format.js';
import type { DecodedEntry, FormatName, PageTableFormat } from './page-table-format.js';
import { Sv39Format } from './sv39-format.js';
import { X8664Format } from './x86-64-format.js';

export const FORMATS: readonly FormatName[] = ['i386', 'x86-64', 'sv39'];

/** A format by name: 'i386' (the default), 'x86-64' or 'sv39'. */
export function createFormat(name: FormatName = 'i386'): PageTableFormat {
  switch (name) {
    case 'i386':
      return new I386Format();
    case 'x86-64':
      return new X8664Format();
    case 'sv39':
      return new Sv39Format();
    default:
      throw new InvalidArgumentError(
        `unknown page-table format '${String(name)}' (have: ${FORMATS.join(', ')})`,
      );
  }
}

/** Every named bit of a raw entry (lo = bits 31:0, hi = bits 63:32) at `level` of format `name`. */
export function decodeEntry(name: FormatName, lo: number, hi: number, level: number): DecodedEntry {
  return createFormat(name).decode(lo >>> 0, hi >>> 0, level);
}
