/**
 * A streaming reader of valgrind lackey's memory traces (`valgrind --tool=lackey --trace-mem=yes`):
 * `I  ADDR,SIZE` (instruction fetch), ` L ADDR,SIZE` (load), ` S ADDR,SIZE` (store),
 * ` M ADDR,SIZE` (modify: a load then a store), ADDR in hexadecimal without 0x. Valgrind's own
 * messages (`==PID== ...`, `--PID-- ...`) and blank lines are skipped; anything else is a
 * TraceSyntaxError naming the line. Used by the trace command and its tests.
 */
import { readDecimal, readHex, scan, skipBlanks } from './address-text.js';
import { LineStream } from './line-stream.js';
import { AccessKind, type MemoryTrace } from './memory-trace.js';
import { TraceSyntaxError } from './trace-errors.js';

const KIND_OF_LETTER: Record<string, AccessKind> = {
  I: AccessKind.Fetch,
  L: AccessKind.Read,
  S: AccessKind.Write,
  M: AccessKind.Modify,
};

export class LackeyParser extends LineStream {
  /** Lines of valgrind's own messages skipped. */
  messageLines = 0;

  protected parseLine(text: string, start: number, end: number, line: number): void {
    const first = skipBlanks(text, start, end);
    if (first === end) return;
    const c = text.charCodeAt(first);
    // `==1234== text` and `--1234-- text`: valgrind talking, not a trace line.
    if ((c === 61 || c === 45) && text.charCodeAt(first + 1) === c) {
      this.messageLines++;
      return;
    }
    const kind = KIND_OF_LETTER[text[first]];
    if (kind === undefined)
      throw new TraceSyntaxError(line, `'${text.slice(start, end)}' is not a lackey line (I, L, S or M)`);
    // Lackey writes instruction fetches flush left and data accesses indented by one space.
    if ((kind === AccessKind.Fetch) !== (first === start)) {
      throw new TraceSyntaxError(
        line,
        `'${text.slice(start, end)}': lackey puts I at the margin and L, S, M one space in`,
      );
    }
    const at = skipBlanks(text, first + 1, end);
    if (at === first + 1)
      throw new TraceSyntaxError(line, `'${text.slice(start, end)}': a blank must follow the kind`);
    const address = readHex(text, at, end);
    if (address < 0)
      throw new TraceSyntaxError(
        line,
        `'${text.slice(start, end)}': the address must be hexadecimal below 2^53`,
      );
    if (text.charCodeAt(scan.end) !== 44 || scan.end >= end) {
      throw new TraceSyntaxError(
        line,
        `'${text.slice(start, end)}': a comma and the size must follow the address`,
      );
    }
    const size = readDecimal(text, scan.end + 1, end);
    if (size <= 0 || skipBlanks(text, scan.end, end) !== end) {
      throw new TraceSyntaxError(
        line,
        `'${text.slice(start, end)}': the size must be a positive decimal number`,
      );
    }
    this.trace.add(address, kind, size);
  }
}

/** Parses a whole lackey trace held in one string. */
export function parseLackey(text: string): MemoryTrace {
  const parser = new LackeyParser();
  parser.push(text);
  return parser.end();
}
