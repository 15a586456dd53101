/**
 * How the executor shows numbers, bytes and statements in output and messages.
 */
import { hex } from '../../common/format.js';
import type { Statement } from './ast.js';

/** A number as a user reads it: an address in hex, a count or a size in decimal. */
export function show(value: number, isAddress: boolean): string {
  return isAddress ? hex(value) : String(value);
}

/** The word a statement starts with, for messages ("ppm_alloc failed: ..."). */
export function verbOf(statement: Statement): string {
  switch (statement.kind) {
    case 'ppm-alloc':
      return 'ppm_alloc';
    case 'ppm-free':
      return 'ppm_free';
    case 'vpm-alloc':
      return 'vpm_alloc';
    case 'measure':
      return statement.figure;
    case 'let':
      return `${statement.target} =`;
    default:
      return statement.kind.startsWith('expect') ? 'expect' : statement.kind;
  }
}

/** "hello" when the bytes are printable ASCII, x"de ad" otherwise. */
export function showBytes(data: Uint8Array): string {
  if (data.every((b) => b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c)) {
    return `"${String.fromCharCode(...data)}"`;
  }
  return `x"${Array.from(data, (b) => b.toString(16).padStart(2, '0')).join(' ')}"`;
}

/** Lines of `ADDR: 16 hex bytes |ascii|`. */
export function hexDump(address: number, data: Uint8Array): string[] {
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += 16) {
    const row = data.subarray(i, i + 16);
    const hexes = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${hex(address + i)}: ${hexes.padEnd(47)}  |${ascii}|`);
  }
  return lines;
}
