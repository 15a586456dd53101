/**
 * Formatting of addresses and sizes for messages and reports.
 * Virtual addresses may be negative (x86-64 and Sv39 kernel halves are kept sign-extended, see
 * docs/architecture.md), so hex() prints them as the 64-bit two's complement a manual would show.
 */
export function hex(value: number, digits = 8): string {
  if (value < 0) {
    const u = 2n ** 64n + BigInt(value);
    return `0x${u.toString(16).padStart(16, '0')}`;
  }
  return `0x${value.toString(16).padStart(digits, '0')}`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 4096 -> "4 KiB", 1536 -> "1.5 KiB". */
export function bytes(n: number): string {
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  return `${text} ${UNITS[unit]}`;
}
