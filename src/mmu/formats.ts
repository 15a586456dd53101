/** The formats by name, and decoding of a raw entry for any of them. */
import { InvalidArgumentError } from '../common/errors.js';
import { I386Format } from './i386-format.js';
import type { DecodedEntry, FormatOptions, PageTableFormat } from './page-table-format.js';
import { Sv39Format } from './sv39-format.js';
import { X8664Format } from './x86-64-format.js';

/** Every format, by name: the one list of them. */
const FORMAT_CLASSES = {
  i386: I386Format,
  'x86-64': X8664Format,
  sv39: Sv39Format,
} as const;

export type FormatName = keyof typeof FORMAT_CLASSES;

export const FORMATS = Object.keys(FORMAT_CLASSES) as readonly FormatName[];

/** A format by name: 'i386' (the default), 'x86-64' or 'sv39'; options: MAXPHYADDR on x86-64. */
export function createFormat(name: FormatName = 'i386', options: FormatOptions = {}): PageTableFormat {
  if (!Object.hasOwn(FORMAT_CLASSES, name)) {
    throw new InvalidArgumentError(
      `unknown page-table format '${String(name)}' (have: ${FORMATS.join(', ')})`,
    );
  }
  return new FORMAT_CLASSES[name](options);
}

/** Every named bit of a raw entry (lo = bits 31:0, hi = bits 63:32) at `level` of format `name`. */
export function decodeEntry(name: FormatName, lo: number, hi: number, level: number): DecodedEntry {
  return createFormat(name).decode(lo >>> 0, hi >>> 0, level);
}
