/**
 * A process's page tables as the tree they are: the root table, each present entry and the
 * table or page it points to, down to the leaf tables (their pages counted, not listed). Read
 * from simulated RAM through the MMU layer's public entry reads; drawn in the address-space panel.
 */
import { hex, type PageTables } from '../../src/index.js';
import { el } from './dom.js';
import { levelName } from './walk-view.js';

export interface TableNode {
  /** Physical address of the table. */
  table: number;
  level: number;
  /** First virtual address the table covers. */
  base: number;
  /** Present entries. */
  present: number;
  /** Tables below, by entry. */
  children: { index: number; node: TableNode }[];
  /** Pages this table maps directly (leaf entries), and their first and last virtual address. */
  pages: number;
  pageSize: number;
  firstPage: number;
  lastPage: number;
  /** Root only: present entries of the kernel's shared half, not followed. */
  kernelEntries: number;
}

/** Tables drawn at most: a process with more shows the first ones and says so. */
const MAX_NODES = 400;

/**
 * Reads the tree under `root`. For a process (`userOnly`) the root's entries of the kernel's half
 * are counted, not followed: every process shares them.
 */
export function readTableTree(tables: PageTables, root: number, userOnly: boolean): TableNode {
  const format = tables.format;
  const entry = new Uint32Array(2);
  const read = (table: number, level: number, base: number): TableNode => {
    const node: TableNode = {
      table,
      level,
      base,
      present: 0,
      children: [],
      pages: 0,
      pageSize: 0,
      firstPage: 0,
      lastPage: 0,
      kernelEntries: 0,
    };
    const isRoot = level === format.levels - 1;
    for (let index = 0; index < format.entriesPerTable; index++) {
      tables.readEntry(table, index, entry);
      if (!format.isPresent(entry[0], entry[1])) continue;
      node.present++;
      if (isRoot && userOnly && index >= format.kernelRootIndex) {
        node.kernelEntries++;
        continue;
      }
      const va = isRoot ? format.rootIndexBase(index) : base + index * 2 ** format.levelShift(level);
      if (format.isLeaf(entry[0], entry[1], level)) {
        if (node.pages === 0) node.firstPage = va;
        node.pages++;
        node.lastPage = va;
        node.pageSize = format.pageSizes[level];
      } else
        node.children.push({ index, node: read(format.addressOf(entry[0], entry[1], level), level - 1, va) });
    }
    return node;
  };
  return read(root, format.levels - 1, 0);
}

/** Every table of the tree, root first (depth first). */
export function tablesOf(node: TableNode): number[] {
  return [node.table, ...node.children.flatMap((child) => tablesOf(child.node))];
}

function sizeText(bytes: number): string {
  return bytes >= 1 << 30
    ? `${bytes / 2 ** 30} GiB`
    : bytes >= 1 << 20
      ? `${bytes >> 20} MiB`
      : `${bytes >> 10} KiB`;
}

/** Draws the tree as nested lists, each table a line: its level, address, entries in use, pages. */
export function renderTableTree(
  target: HTMLElement,
  formatName: string,
  entriesPerTable: number,
  tree: TableNode,
): void {
  let drawn = 0;
  const draw = (node: TableNode, index: number | null): HTMLElement => {
    drawn++;
    const pages =
      node.pages > 0
        ? `, ${node.pages} ${sizeText(node.pageSize)} page${node.pages === 1 ? '' : 's'} (${hex(node.firstPage)} to ${hex(
            node.lastPage + node.pageSize - 1,
          )})`
        : '';
    const kernel =
      node.kernelEntries > 0 ? `, ${node.kernelEntries} of the kernel's half (shared, not followed)` : '';
    const line = el(
      'span',
      { class: `level-${node.level}` },
      `${index === null ? '' : `[${index}] → `}${levelName(formatName, node.level)} at ${hex(node.table)}: ${node.present} of ${entriesPerTable} entries present${pages}${kernel}`,
    );
    const item = el(
      'li',
      { 'data-table': node.table, 'data-level': node.level, 'data-pages': node.pages },
      line,
    );
    const children: HTMLElement[] = [];
    for (const child of node.children) {
      if (drawn >= MAX_NODES) {
        children.push(el('li', { class: 'muted' }, 'more tables not drawn'));
        break;
      }
      children.push(draw(child.node, child.index));
    }
    if (children.length > 0) item.append(el('ul', {}, ...children));
    return item;
  };
  target.replaceChildren(el('ul', { class: 'table-tree' }, draw(tree, null)));
}
