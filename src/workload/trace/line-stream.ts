/**
 * Splits text that arrives in chunks of any size into numbered lines, for the streaming trace
 * parsers: a line may end in one chunk and continue in the next; `\n` and `\r\n` both end a line.
 * Each parser adds the accesses of its lines to `trace`.
 */
import { InvalidArgumentError } from '../../common/errors.js';
import { MemoryTrace } from './memory-trace.js';

export abstract class LineStream {
  readonly trace: MemoryTrace;
  private carry = '';
  private lineNumber = 0;
  private ended = false;

  constructor(trace = new MemoryTrace()) {
    this.trace = trace;
  }

  /** Feeds the next chunk of text; whole lines are parsed now, a partial last one is kept. */
  push(chunk: string): void {
    if (this.ended) throw new InvalidArgumentError('a trace parser takes no text after end()');
    let start = 0;
    const text = this.carry.length > 0 ? this.carry + chunk : chunk;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline < 0) break;
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      this.parseLine(text, start, end, ++this.lineNumber);
      start = newline + 1;
    }
    this.carry = start < text.length ? text.slice(start) : '';
  }

  /** Parses whatever is left (a last line without a newline). */
  protected finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.carry.length > 0) {
      const end = this.carry.endsWith('\r') ? this.carry.length - 1 : this.carry.length;
      this.parseLine(this.carry, 0, end, ++this.lineNumber);
      this.carry = '';
    }
  }

  /** Parses the rest and returns the trace. */
  end(): MemoryTrace {
    this.finish();
    return this.trace;
  }

  /** Lines read so far. */
  get lines(): number {
    return this.lineNumber;
  }

  /** Parses text[start, end), line number `line` (1-based); no newline included. */
  protected abstract parseLine(text: string, start: number, end: number, line: number): void;
}
