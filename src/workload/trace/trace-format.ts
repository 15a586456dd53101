/**
 * The trace formats by name, a parser for each, and a guess from a file's name or first line
 * when none is named. Used by the trace command (and any caller with text to replay).
 */
import { InvalidArgumentError } from '../../common/errors.js';
import { LackeyParser } from './lackey-parser.js';
import type { LineStream } from './line-stream.js';
import type { MemoryTrace } from './memory-trace.js';
import { RwParser } from './rw-parser.js';

export const MEMORY_TRACE_FORMATS = ['lackey', 'rw'] as const;
export type MemoryTraceFormat = (typeof MEMORY_TRACE_FORMATS)[number];

/** A streaming parser: push() chunks of text, end() for the trace. */
export type TraceParser = LineStream & { end(): MemoryTrace };

export function createTraceParser(format: MemoryTraceFormat): TraceParser {
  return format === 'lackey' ? new LackeyParser() : new RwParser();
}

/**
 * The format of a trace named `name` that starts with `head`: by extension (.rw, .lackey), else
 * by its first line that is not blank or a `#` comment: lackey starts `I `, ` L`, ` S`, ` M` or
 * a valgrind message (`==`); the plain format starts with R or W.
 */
export function guessTraceFormat(name: string, head: string): MemoryTraceFormat {
  if (name.endsWith('.rw')) return 'rw';
  if (name.endsWith('.lackey')) return 'lackey';
  for (const line of head.split('\n')) {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) continue;
    if (/^(==|--)|^I\s/.test(line) || /^ [LSM] /.test(line)) return 'lackey';
    if (/^[RrWw]\s/.test(text)) return 'rw';
    break;
  }
  throw new InvalidArgumentError(
    `cannot tell the format of ${name}: name it with --format lackey or --format rw`,
  );
}
