/** The TLB panel: hit and miss counters, and every valid entry (set, way, page, ASID, rights). */
import { hex, type Tlb } from '../../src/index.js';
import { tlbKey } from './change-view.js';
import { el } from './dom.js';

/** Rights bit (mode * 3 + access): kernel r w x, then user r w x. */
function rightsText(rights: number): string {
  const part = (shift: number) =>
    `${rights & (1 << shift) ? 'r' : '-'}${rights & (2 << shift) ? 'w' : '-'}${rights & (4 << shift) ? 'x' : '-'}`;
  return `k:${part(0)} u:${part(3)}`;
}

export function renderTlb(
  counters: HTMLElement,
  tableTarget: HTMLTableElement,
  tlb: Tlb,
  asidName: (asid: number) => string,
  /** What the last statement changed: new entries (by tlbKey) and counters that moved. */
  changed: { tlbRows: Set<string>; counters: Set<string> } | null = null,
): void {
  const c = tlb.counters();
  const lookups = c.hits + c.misses;
  const entries = tlb.snapshot();
  const stat = (name: string, key: string, value: string) =>
    el(
      'span',
      { 'data-counter': key, class: changed?.counters.has(key) ? 'changed' : '' },
      `${name} `,
      el('b', {}, value),
    );
  counters.replaceChildren(
    stat('hits', 'hits', String(c.hits)),
    stat('misses', 'misses', String(c.misses)),
    stat('hit rate', 'hit-rate', lookups === 0 ? '–' : `${((c.hits / lookups) * 100).toFixed(1)} %`),
    stat('evictions', 'evictions', String(c.evictions)),
    stat('flushes', 'flushes', String(c.flushes)),
    stat('valid', 'valid', `${entries.length} / ${tlb.entries} (${tlb.ways}-way)`),
  );
  const head = el(
    'thead',
    {},
    el(
      'tr',
      {},
      ...['set', 'way', 'virtual page', 'ASID', 'physical page', 'page size', 'rights'].map((h) =>
        el('th', { scope: 'col' }, h),
      ),
    ),
  );
  const body = el('tbody');
  for (const entry of entries) {
    body.append(
      el(
        'tr',
        { class: changed?.tlbRows.has(tlbKey(entry)) ? 'changed' : '' },
        el('td', {}, String(Math.floor(entry.index / tlb.ways))),
        el('td', {}, String(entry.index % tlb.ways)),
        el('td', {}, hex(entry.va)),
        el('td', {}, entry.global ? 'global' : asidName(entry.asid)),
        el('td', {}, hex(entry.pa)),
        el(
          'td',
          {},
          entry.pageSize >= 1 << 20 ? `${entry.pageSize >> 20} MiB` : `${entry.pageSize >> 10} KiB`,
        ),
        el('td', {}, rightsText(entry.rights)),
      ),
    );
  }
  if (entries.length === 0)
    body.append(el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'no valid entry')));
  tableTarget.replaceChildren(head, body);
}
