/**
 * A process's address space drawn as the seed draws it:
 *
 *   AddressSpace (range 0x0000 to 0x10000) ---> Pmap (pagetables)
 *   MemRegion (0x3000 to 0x6000, mapped) -> pf2 - pf5 - pf7
 *
 * one line per region (free gaps included), with the frames its mapped pages use. Each region is
 * a button: choosing it walks the page tables at its base.
 */
import { hex } from '../../src/index.js';
import { el } from './dom.js';

export interface RegionLine {
  base: number;
  ceiling: number;
  /** 'free', 'anon' or 'phys'. */
  type: string;
  /** 'rw-' and the like; empty for a free gap. */
  protection: string;
  name: string;
  /** Frame numbers of the mapped pages, in address order (at most `MAX_FRAMES_LISTED` + 1). */
  frames: number[];
  mappedPages: number;
}

export interface SpaceDrawing {
  process: string;
  start: number;
  end: number;
  /** Physical address of the root table (CR3 / satp). */
  root: number;
  tablePages: number;
  regions: RegionLine[];
}

/**
 * The end of a range, exclusive. The kernel's half of a 64-bit space ends at 2^64, which the
 * sign-extended number of the model holds as 0: print it as the 17-digit 0x1_0000_0000_0000_0000.
 */
export function rangeEnd(drawing: { start: number; end: number }): string {
  return drawing.start < 0 && drawing.end === 0 ? '0x10000000000000000' : hex(drawing.end);
}

/** Frames listed on a region's line before "..." */
export const MAX_FRAMES_LISTED = 8;

export function renderRegions(
  target: HTMLElement,
  drawing: SpaceDrawing | null,
  onChoose: (base: number) => void,
  /** The region under the pointer or focus (its base and button), or null when it leaves. */
  onHover: (base: number | null, button: HTMLElement | null) => void = () => {},
): void {
  if (!drawing) {
    target.replaceChildren(el('p', { class: 'muted' }, 'No process yet.'));
    return;
  }
  const header = el(
    'div',
    { class: 'seed-line' },
    `AddressSpace ${drawing.process} (range ${hex(drawing.start)} to ${rangeEnd(drawing)}) ---> Pmap (root ${hex(
      drawing.root,
    )}, ${drawing.tablePages} table page${drawing.tablePages === 1 ? '' : 's'})`,
  );
  const lines: HTMLElement[] = [
    header,
    el('div', { 'aria-hidden': 'true' }, '|'),
    el('div', { 'aria-hidden': 'true' }, '\\|/'),
  ];
  drawing.regions.forEach((region, i) => {
    if (i > 0) lines.push(el('div', { 'aria-hidden': 'true' }, '|'));
    const state =
      region.type === 'free'
        ? 'unmapped'
        : `${region.type} ${region.protection}, ${region.mappedPages} page${region.mappedPages === 1 ? '' : 's'} mapped`;
    const listed = region.frames.slice(0, MAX_FRAMES_LISTED).map((pfn) => `pf${pfn}`);
    if (region.mappedPages > MAX_FRAMES_LISTED) listed.push('...');
    const label = `MemRegion${region.name ? ` ${region.name}` : ''} (${hex(region.base)} to ${rangeEnd({ start: region.base, end: region.ceiling })}, ${state})`;
    lines.push(
      el(
        'div',
        { class: `seed-line type-${region.type}-text` },
        el(
          'button',
          {
            type: 'button',
            class: `region-link type-${region.type}`,
            'data-base': region.base,
            title: `Walk the page tables at ${hex(region.base)}`,
          },
          label,
        ),
        listed.length > 0 ? ` -> ${listed.join(' - ')}` : '',
      ),
    );
  });
  const seed = el('div', { class: 'seed', 'data-regions': drawing.regions.length }, ...lines);
  seed.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest('button[data-base]');
    if (button) onChoose(Number(button.getAttribute('data-base')));
  });
  const hover = (event: Event) => {
    const button = (event.target as HTMLElement).closest<HTMLElement>('button[data-base]');
    if (button) onHover(Number(button.getAttribute('data-base')), button);
  };
  seed.addEventListener('mouseover', hover);
  seed.addEventListener('focusin', hover);
  seed.addEventListener('mouseout', () => onHover(null, null));
  seed.addEventListener('focusout', () => onHover(null, null));
  target.replaceChildren(seed);
}
