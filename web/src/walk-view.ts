/**
 * A page-table walk drawn level by level: which table, which index, the raw entry and each of its
 * bit fields as the manual names them. It reads the tables from simulated RAM through the MMU
 * layer's public lookup and decode, as the hardware walker would.
 */
import { type DecodedEntry, type EntryField, hex, type PageTables } from '../../src/index.js';
import { el } from './dom.js';
import { type AccessPrediction, type AddressField, plainWords, type TlbProbe } from './walk-lesson.js';

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
  /** The virtual address walked. */
  va: number;
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
  return { va, levels, pa: found.pa, pageSize: found.pageSize, stop };
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

/** What the walk teaches beside the table: the address's fields, the TLB, the bits, a fault. */
export interface WalkLesson {
  fields: AddressField[];
  /** The TLB lookup before the walk; null when the machine has no TLB to show. */
  tlb: TlbProbe | null;
  tlbSets: number;
  predictions: AccessPrediction[];
  /** Whether the region holding the address allows writes (a read-only leaf then means copy-on-write). */
  regionWritable: boolean;
  /** Holders of the page's frame (0 when there is none). */
  refCount: number;
}

/** The address cut into its fields, each coloured like the level whose table it indexes. */
function renderFields(formatName: string, fields: AddressField[]): HTMLElement {
  const boxes = fields.map((f) => {
    const bits = f.high === f.low ? `bit ${f.low}` : `bits ${f.high}:${f.low}`;
    const label =
      f.role === 'index'
        ? `${levelName(formatName, f.level)} index`
        : f.role === 'offset'
          ? 'offset'
          : 'sign';
    const value =
      f.role === 'index'
        ? `${f.value} (${f.value.toString(2).padStart(f.high - f.low + 1, '0')})`
        : f.role === 'offset'
          ? hex(f.value, 1)
          : f.value
            ? 'all 1 (kernel half)'
            : 'all 0 (user half)';
    return el(
      'span',
      {
        class: `va-field ${f.role === 'index' ? `level-${f.level}` : `va-${f.role}`}`,
        'data-role': f.role,
        'data-level': f.level,
        'data-value': f.value,
        title: f.role === 'sign' ? 'copies of the highest address bit: the address is canonical' : '',
      },
      el('small', {}, `${label} · ${bits}`),
      el('b', {}, value),
    );
  });
  return el('div', { class: 'va-split', 'aria-label': 'The virtual address cut into its fields' }, ...boxes);
}

/** The TLB is asked first: the set the page number picks, and whether a way holds the page. */
function renderTlbProbe(probe: TlbProbe, sets: number): HTMLElement {
  const setText = `Page ${hex(probe.vpn, 1)} goes to set ${probe.set} of ${sets} (its low ${Math.log2(sets)} bits).`;
  let verdict: string;
  if (!probe.loaded)
    verdict =
      'This process is not the one loaded: without ASIDs the TLB holds only the loaded space, so its first access after a switch walks.';
  else if (probe.way >= 0) {
    const hit = probe.entries.find((e) => e.match);
    verdict = `Hit in way ${probe.way}: the hardware uses the cached frame ${hex(hit?.pa ?? 0)} and does not walk. The walk below is what it would read on a miss.`;
  } else
    verdict =
      probe.entries.length === 0
        ? 'Miss: the set is empty. The walker reads the tables below, then caches the translation in the set.'
        : `Miss: the set holds ${probe.entries.length} other ${probe.entries.length === 1 ? 'page' : 'pages'} (${probe.entries
            .map((e) => hex(e.va))
            .join(', ')}). The walker reads the tables below, then caches the translation.`;
  return el(
    'p',
    { class: `tlb-probe ${probe.way >= 0 ? 'hit' : 'miss'}`, 'data-set': probe.set, 'data-way': probe.way },
    el('b', {}, '1. TLB first. '),
    `${setText} ${verdict}`,
  );
}

/** The last entry read, bit by bit in plain words. */
function renderPlainWords(result: WalkResult, lesson: WalkLesson): HTMLElement | null {
  const last = result.levels.at(-1);
  if (!last) return null;
  const leaf = last.entry.kind === 'page';
  const items = last.entry.fields
    .filter((f) => f.high === f.low)
    .map((f) => ({
      field: f,
      words: plainWords(f.name, f.value, {
        leaf,
        regionWritable: lesson.regionWritable,
        refCount: lesson.refCount,
      }),
    }))
    .filter((item) => item.words !== '')
    .map(({ field, words }) =>
      el('li', { 'data-field': field.name }, el('b', {}, `${field.name} = ${field.value}: `), words),
    );
  if (items.length === 0) return null;
  const which = leaf ? 'The page entry' : `The ${last.entry.kind} entry where the walk stopped`;
  return el('div', { class: 'plain-bits' }, el('p', {}, `${which}, bit by bit:`), el('ul', {}, ...items));
}

/** Renders a walk into `target`: the lesson (when given), then the table of levels, then the result. */
export function renderWalk(
  target: HTMLElement,
  formatName: string,
  va: number,
  result: WalkResult,
  lesson: WalkLesson | null = null,
): void {
  // Each level is two rows: the entry, then its bit fields across the table's width (a narrow
  // panel wraps the chips instead of cutting them off).
  const rows = result.levels.flatMap((row) => {
    const e = row.entry;
    const next =
      e.kind === 'table' ? `→ table ${hex(e.address)}` : e.kind === 'page' ? `→ page ${hex(e.address)}` : '—';
    return [
      el(
        'tr',
        { 'data-level': row.level, 'data-kind': e.kind },
        el('td', { class: `level-${row.level}` }, levelName(formatName, row.level)),
        el('td', {}, hex(row.table)),
        el('td', { class: `level-${row.level}` }, String(row.index)),
        el(
          'td',
          { class: 'raw' },
          ...row.raw.split('_').flatMap((part, i) => (i === 0 ? [part] : [el('wbr'), `_${part}`])),
        ),
        el('td', { class: e.reserved ? 'fault' : '' }, e.kind + (e.reserved ? ' (reserved bit)' : '')),
        el('td', {}, next),
      ),
      el(
        'tr',
        { class: 'bits-row', 'data-kind': e.kind },
        el('td', { class: `level-${row.level}` }),
        el('td', { class: 'bits', colspan: 5 }, ...e.fields.map(fieldChip)),
      ),
    ];
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
        ...['level', 'table', 'index', 'entry', 'kind', 'points to'].map((h) =>
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
  if (!lesson) {
    target.replaceChildren(summary, el('div', { class: 'walk-scroll' }, table));
    return;
  }
  const predictions = el(
    'div',
    { class: 'predictions' },
    el('p', {}, el('b', {}, '3. If the process touched it now:')),
    el(
      'ul',
      {},
      ...lesson.predictions.map((p) =>
        el(
          'li',
          { 'data-access': p.access, 'data-outcome': p.outcome },
          el('b', {}, `${p.access}: `),
          p.text,
        ),
      ),
    ),
  );
  target.replaceChildren(
    summary,
    renderFields(formatName, lesson.fields),
    lesson.tlb ? renderTlbProbe(lesson.tlb, lesson.tlbSets) : '',
    el(
      'p',
      { class: 'walk-step' },
      el('b', {}, '2. The walk: '),
      "each level's index (coloured as above) picks one entry of its table.",
    ),
    el('div', { class: 'walk-scroll' }, table),
    renderPlainWords(result, lesson) ?? '',
    predictions,
  );
}
