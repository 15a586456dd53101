/**
 * One policy for what a user types after a command, shared by every command: option values are
 * checked against their allowed range (a bad one exits 2 naming the option, the range and the
 * usage line), and an input file that cannot be read is named with the reason.
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { PageframeError } from '../common/errors.js';
import { parseNumber } from '../workload/scenario/lexer.js';

export interface Range {
  min: number;
  max: number;
  /** Sizes only: the value must be a multiple of this (a page, say). */
  multipleOf?: number;
  /** Sizes only: the value must be a power of two. */
  powerOfTwo?: boolean;
}

/** `--ram 64M`: a size as scenarios write it (4096, 0x1000, 4K, 64KiB, 16M, 1G), in a range. */
export function sizeOption(range: Range): (value: string) => number {
  return (value) => {
    if (value.trim().startsWith('-')) {
      throw new InvalidArgumentError(`A size cannot be negative. Allowed: ${describeSizeRange(range)}`);
    }
    const size = parseNumber(value, (reason) => {
      throw new InvalidArgumentError(`${capitalized(reason)}. Allowed: ${describeSizeRange(range)}`);
    });
    const fits =
      size >= range.min &&
      size <= range.max &&
      (range.multipleOf === undefined || size % range.multipleOf === 0) &&
      (range.powerOfTwo !== true || Number.isInteger(Math.log2(size)));
    if (!fits) throw new InvalidArgumentError(`Allowed: ${describeSizeRange(range)}`);
    return size;
  };
}

/** `--seed 7`: a whole number in a range, written in decimal. */
export function countOption(range: Range): (value: string) => number {
  return (value) => {
    const count = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(count) || count < range.min || count > range.max) {
      const negative = count < 0 ? 'It cannot be negative. ' : '';
      throw new InvalidArgumentError(`${negative}Allowed: a whole number from ${range.min} to ${range.max}`);
    }
    return count;
  };
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Sizes as a person reads them: 4096 is 4 KiB, 2^32 is 4 GiB. */
export function formatSize(bytes: number): string {
  for (const [unit, scale] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= scale && bytes % scale === 0) return `${bytes / scale} ${unit}`;
  }
  return `${bytes} bytes`;
}

function describeSizeRange(range: Range): string {
  const bounds = `${formatSize(range.min)} to ${formatSize(range.max)}`;
  if (range.powerOfTwo) return `a power of two from ${bounds}`;
  if (range.multipleOf !== undefined) return `${bounds}, a multiple of ${formatSize(range.multipleOf)}`;
  return bounds;
}

/** An input file that cannot be read: its name and why, in words. */
export class InputFileError extends PageframeError {
  readonly file: string;
  /** The system's error code (ENOENT, EISDIR, ...), or '' when there was none. */
  readonly systemCode: string;

  constructor(file: string, reason: string, systemCode = '') {
    super('EINPUT', `${file}: cannot read it: ${reason}`);
    this.file = file;
    this.systemCode = systemCode;
  }
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
};

/** The text of an input file (`-` is standard input), or an InputFileError. */
export function readInputFile(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw inputFileError(file, error);
  }
}

/** The bytes of an input file (`-` is standard input), or an InputFileError saying why not. */
export function readInputBytes(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file === '-' ? 0 : file));
  } catch (error) {
    throw inputFileError(file, error);
  }
}

function inputFileError(file: string, error: unknown): InputFileError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return new InputFileError(
    file,
    READ_ERRORS[code] ?? (error instanceof Error ? error.message : String(error)),
    code,
  );
}

/**
 * After a usage error (a bad option value, a missing argument) every command prints its usage
 * line and where the rest is. Call once, after all commands are defined.
 */
export function showUsageAfterErrors(program: Command): void {
  for (const command of program.commands) {
    command.showHelpAfterError(
      `Usage: ${program.name()} ${command.name()} ${command.usage()}\n(${program.name()} ${command.name()} --help lists every option)`,
    );
  }
}
