/**
 * A streaming reader of the plain trace format: one access a line, `R ADDR` (read) or `W ADDR`
 * (write), ADDR hexadecimal with 0x or decimal; `#` starts a comment (a whole line or the end of
 * one); blank lines are skipped. The format of textbook exercises (OSTEP, vmsim). Anything else
 * is a TraceSyntaxError naming the line.
 */
import { readDecimal, readHex, scan, skipBlanks } from './address-text.js';
import { LineStream } from './line-stream.js';
import { AccessKind, type MemoryTrace } from './memory-trace.js';
import { TraceSyntaxError } from './trace-errors.js';

export class RwParser extends LineStream {
  protected parseLine(text: string, start: number, end: number, line: number): void {
    const first = skipBlanks(text, start, end);
    if (first === end || text.charCodeAt(first) === 35) return;
    const letter = text.charCodeAt(first) | 0x20; // lower case
    if (letter !== 114 && letter !== 119) {
      throw new TraceSyntaxError(line, `'${text.slice(start, end)}' must start with R or W`);
    }
    const at = skipBlanks(text, first + 1, end);
    if (at === first + 1 || at === end) {
      throw new TraceSyntaxError(
        line,
        `'${text.slice(start, end)}': an address must follow R or W after a blank`,
      );
    }
    const hex = text.charCodeAt(at) === 48 && (text.charCodeAt(at + 1) | 0x20) === 120;
    const address = hex ? readHex(text, at + 2, end) : readDecimal(text, at, end);
    if (address < 0) {
      throw new TraceSyntaxError(
        line,
        `'${text.slice(start, end)}': the address must be 0x-hexadecimal or decimal, below 2^53`,
      );
    }
    const rest = skipBlanks(text, scan.end, end);
    if (rest !== end && text.charCodeAt(rest) !== 35) {
      throw new TraceSyntaxError(line, `'${text.slice(start, end)}': unexpected text after the address`);
    }
    this.trace.add(address, letter === 119 ? AccessKind.Write : AccessKind.Read);
  }
}

/** Parses a whole plain trace held in one string. */
export function parseRw(text: string): MemoryTrace {
  const parser = new RwParser();
  parser.push(text);
  return parser.end();
}
