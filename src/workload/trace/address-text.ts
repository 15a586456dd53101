/**
 * Reading numbers out of a trace line without slicing strings: hexadecimal and decimal digits
 * from a position, into a double (exact up to 2^53). Shared by the trace parsers.
 */

/** Largest address a trace may hold: doubles are exact integers below 2^53. */
export const MAX_TRACE_ADDRESS = 2 ** 53;

/** Where the last read number ended (one past its last digit). */
export const scan = { end: 0 };

/** The hexadecimal number at text[start, end) up to the first non-digit, or -1 when there is none or it is too large. */
export function readHex(text: string, start: number, end: number): number {
  let value = 0;
  let at = start;
  for (; at < end; at++) {
    const c = text.charCodeAt(at);
    let digit: number;
    if (c >= 48 && c <= 57) digit = c - 48;
    else if (c >= 97 && c <= 102) digit = c - 87;
    else if (c >= 65 && c <= 70) digit = c - 55;
    else break;
    value = value * 16 + digit;
  }
  scan.end = at;
  return at === start || value >= MAX_TRACE_ADDRESS ? -1 : value;
}

/** The decimal number at text[start, end) up to the first non-digit, or -1 when there is none or it is too large. */
export function readDecimal(text: string, start: number, end: number): number {
  let value = 0;
  let at = start;
  for (; at < end; at++) {
    const c = text.charCodeAt(at);
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  scan.end = at;
  return at === start || value >= MAX_TRACE_ADDRESS ? -1 : value;
}

/** The first position at or after `at` that is not a space or tab. */
export function skipBlanks(text: string, at: number, end: number): number {
  while (at < end) {
    const c = text.charCodeAt(at);
    if (c !== 32 && c !== 9) break;
    at++;
  }
  return at;
}
