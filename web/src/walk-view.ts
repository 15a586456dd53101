/**
 * A page-table walk drawn level by level: which table, which index, the raw entry and each of its
 * bit fields as the manual names them. It reads the tables from simulated RAM through the MMU
 * layer's public lookup and decode, as the hardware walker would.
 */
import { type DecodedEntry, type EntryField, hex, type PageTables } from '../../src/index.js';
import { el } from './dom.js';

const LEVEL_NAMES: Record<string, string[]> = {
  i386: ['PT', 'PD'],
  'x86-64': ['PT', 'PD', 'PDPT', 'PML4'],
  sv39: ['L0 (VPN[0])', 'L1 (VPN[1])', 'L2 (VPN[2])'],
};

export function levelName(format: string, level: number): string {
  return LEVEL_NAMES[format]?.[level] ?? `level ${level}`;
}

/** Parses "0x1234", "1234", "0x1234_5678" or a negative number; NaN when it is none. */
export function parseAddress(text: string): number {
  const cleaned = text.trim().replace(/_/g, '').toLowerCase();
  if (cleaned === '') return Number.NaN;
  const negative = cleaned.startsWith('-');
  const body = negative ? cleaned.slice(1) : cleaned;
  let value: number;
  if (/^0x[0-9a-f]+$/.test(body)) {
    const big = BigInt(body);
    // A 64-bit two's complement pattern (0xffff8000...) stands for the negative address.
    value = big >= 2n ** 63n ? Number(big - 2n ** 64n) : Number(big);
  } else if (/^[0-9]+$/.test(body)) value = Number(body);
  else return Number.NaN;
  return negative ? -value : value;
}

export interface WalkResult {
  /** One row per level visited, root first. */
  levels: {
    level: number;
    table: number;
    index: number;
    entryAddress: number;
    raw: string;
    entry: DecodedEntry;
  }[];
  /** The physical address `va` translates to, or -1. */
  pa: number;
  pageSize: number;
  /** Why the walk stopped without a page ('' when it found one). */
  stop: string;
}

/** Walks `va` in the tables under `root`, reading every entry on the way. */
export function walk(tables: PageTables, root: number, va: number): WalkResult {
  const format = tables.format;
  const found = tables.lookup(root, va);
  const entry = new Uint32Array(2);
  const levels: WalkResult['levels'] = [];
  found.tables.forEach((table, i) => {
    const level = format.levels - 1 - i;
    const index = format.indexOf(va, level);
    tables.readEntry(table, index, entry);
    const raw =
      format.entryBytes === 8
        ? `0x${entry[1].toString(16).padStart(8, '0')}_${entry[0].toString(16).padStart(8, '0')}`
        : hex(entry[0]);
    levels.push({
      level,
      table,
      index,
      entryAddress: table + index * format.entryBytes,
      raw,
      entry: format.decode(entry[0], entry[1], level),
    });
  });
  let stop = '';
  if (!found.present) {
    stop = found.reserved
      ? `a reserved bit is set at ${levelName(format.name, found.level)}: the walker faults (reserved-bit)`
      : `not present at ${levelName(format.name, found.level)}: the walker faults (not-present)`;
  }
  return { levels, pa: found.pa, pageSize: found.pageSize, stop };
}

/** Bits that, when set, take a right away rather than grant one. */
const DENYING_BITS = new Set(['XD', 'NX']);

function fieldChip(field: EntryField): HTMLElement {
  const width = field.high - field.low + 1;
  const title = `bits ${field.high === field.low ? field.low : `${field.high}:${field.low}`}: ${field.meaning}`;
  const denies = DENYING_BITS.has(field.name);
  const className = field.value ? (denies ? 'bit deny' : 'bit on') : 'bit';
  if (width === 1) {
    return el('span', { class: className, title, 'data-field': field.name }, field.name);
  }
  // An address field holds the address's bits in place: show the address, not the frame number.
  const shown = field.name === 'address' ? hex(field.value * 2 ** field.low) : hex(field.value, 1);
  return el('span', { class: className, title, 'data-field': field.name }, `${field.name}=${shown}`);
}

/** Renders a walk as a table into `target`. */
export function renderWalk(target: HTMLElement, formatName: string, va: number, result: WalkResult): void {
  const rows = result.levels.map((row) => {
    const e = row.entry;
    const next =
      e.kind === 'table' ? `→ table ${hex(e.address)}` : e.kind === 'page' ? `→ page ${hex(e.address)}` : '—';
    return el(
      'tr',
      { 'data-level': row.level, 'data-kind': e.kind },
      el('td', {}, levelName(formatName, row.level)),
      el('td', {}, hex(row.table)),
      el('td', {}, String(row.index)),
      el('td', {}, row.raw),
      el('td', { class: e.reserved ? 'fault' : '' }, e.kind + (e.reserved ? ' (reserved bit)' : '')),
      el('td', {}, next),
      el('td', { class: 'bits' }, ...e.fields.map(fieldChip)),
    );
  });
  const table = el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['level', 'table', 'index', 'entry', 'kind', 'points to', 'bits'].map((h) =>
          el('th', { scope: 'col' }, h),
        ),
      ),
    ),
    el('tbody', {}, ...rows),
  );
  const summary =
    result.pa >= 0
      ? el(
          'p',
          { class: 'walk-result', 'data-pa': result.pa },
          `${hex(va)} → physical ${hex(result.pa)} (${result.pageSize / 1024} KiB page)`,
        )
      : el('p', { class: 'walk-result fault', 'data-pa': -1 }, `${hex(va)}: ${result.stop}`);
  target.replaceChildren(summary, el('div', { class: 'walk-scroll' }, table));
}
