/**
 * The address-space panel: the process list (with the map's legend of process colours), the
 * chosen process's regions, the scenario's variables and the page-table walk. It follows the
 * process the last statement acted as until one is chosen.
 */
import { hex } from '../../src/index.js';
import { byId, el } from './dom.js';
import { processColor } from './frame-colors.js';
import { KERNEL_PID, type MachineView } from './machine-view.js';
import { renderRegions } from './regions-view.js';
import type { Session, Variable } from './session.js';
import { readTableTree, renderTableTree, tablesOf } from './table-tree.js';
import { parseAddress, renderWalk, walk } from './walk-view.js';

/** Processes named in the map's legend. */
const LEGEND_PROCESSES = 12;

export class ProcessPanel {
  private readonly processSelect = byId<HTMLSelectElement>('process');
  private readonly walkInput = byId<HTMLInputElement>('walk-va');
  private chosenPid = KERNEL_PID;
  /** Whether the user chose the process shown (else it follows the running one). */
  private pinned = false;
  /** The process table the list and legend were drawn for ('-': none drawn). */
  private processKey = '-';
  private walkVa = Number.NaN;
  /** What was wrong with the walk box's text ('' when it holds an address or nothing). */
  private walkInputError = '';

  constructor(private readonly session: () => Session) {
    this.processSelect.addEventListener('change', () => {
      this.chosenPid = Number(this.processSelect.value);
      this.pinned = true;
      this.renderProcess();
    });
    byId('tree-panel').addEventListener('toggle', () => this.renderTree());
    byId<HTMLFormElement>('walk-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const text = this.walkInput.value;
      this.walkVa = parseAddress(text);
      this.walkInputError =
        Number.isNaN(this.walkVa) && text.trim() !== ''
          ? `"${text.trim()}" is not an address: type hex (0x7f000) or decimal (520192)`
          : '';
      this.renderWalk();
    });
  }

  /** Follows the running process again (a new run). */
  followRun(): void {
    this.chosenPid = KERNEL_PID;
    this.pinned = false;
  }

  /** Shows no machine. */
  clear(): void {
    this.processSelect.replaceChildren();
    this.processKey = '-';
    byId('legend')
      .querySelectorAll('li[data-pid]')
      .forEach((item) => {
        item.remove();
      });
    renderRegions(byId('regions'), null, () => {});
    byId('variables').replaceChildren();
    byId('walk').replaceChildren();
  }

  render(view: MachineView): void {
    this.renderProcessList(view);
    this.renderVariables();
    this.renderProcess();
  }

  private renderProcessList(view: MachineView): void {
    const processes = view.processes();
    // The view follows the running process until a process is chosen in the list.
    const exists = this.chosenPid === KERNEL_PID || processes.some((p) => p.pid === this.chosenPid);
    if (!this.pinned || !exists) this.chosenPid = view.currentPid() ?? processes[0]?.pid ?? KERNEL_PID;
    // Rebuilt only when the process table changed: the demo has a hundred processes.
    const key = processes.map((p) => `${p.pid}:${p.name}`).join(',');
    if (key === this.processKey) {
      this.processSelect.value = String(this.chosenPid);
      return;
    }
    this.processKey = key;
    const options = processes.map((p) => {
      const option = new Option(`${p.name} (pid ${p.pid})`, String(p.pid));
      option.style.color = processColor(p.pid);
      return option;
    });
    options.push(new Option("kernel (the kernel's half)", String(KERNEL_PID)));
    this.processSelect.replaceChildren(...options);
    this.processSelect.value = String(this.chosenPid);
    const legend = byId('legend');
    legend.querySelectorAll('li[data-pid]').forEach((item) => {
      item.remove();
    });
    // Process colours stay distinct up to 128 processes; the legend names the first dozen.
    for (const p of processes.slice(0, LEGEND_PROCESSES)) {
      const item = legendItem(p.name, processColor(p.pid));
      item.dataset.pid = String(p.pid);
      legend.append(item);
    }
    if (processes.length > LEGEND_PROCESSES) {
      const more = el('li', { 'data-pid': 'more' }, `+${processes.length - LEGEND_PROCESSES} more processes`);
      legend.append(more);
    }
  }

  /** The scenario's variables as buttons: choosing one walks the page tables at its value. */
  private renderVariables(): void {
    const target = byId('variables');
    const variables = this.session().variables;
    if (variables.length === 0) {
      target.replaceChildren();
      return;
    }
    const several = new Set(variables.map((v) => v.process)).size > 1;
    const buttons = variables.map((variable) => {
      const { name, value, process } = variable;
      const where = process === undefined ? '' : ` in ${process}`;
      const button = el(
        'button',
        {
          type: 'button',
          class: 'variable',
          'data-name': name,
          'data-process': process ?? '',
          title: `Walk the page tables of ${process ?? 'the kernel'} at ${name}`,
        },
        `${name} = ${hex(value, 1)}${several ? where : ''}`,
      );
      button.addEventListener('click', () => this.walkVariable(variable));
      return button;
    });
    target.replaceChildren(el('span', { class: 'muted' }, 'Variables: '), ...buttons);
  }

  /** Walks a variable's value in the process it was set in (an address of another is meaningless). */
  private walkVariable({ value, process }: Variable): void {
    const view = this.session().view;
    const pid = process === undefined ? undefined : view?.processes().find((p) => p.name === process)?.pid;
    if (pid !== undefined && pid !== this.chosenPid) {
      this.chosenPid = pid;
      this.pinned = true;
      this.processSelect.value = String(pid);
    }
    this.walkInput.value = hex(value);
    this.walkVa = value;
    this.walkInputError = '';
    this.renderProcess();
  }

  private renderProcess(): void {
    const view = this.session().view;
    const drawing = view?.space(this.chosenPid) ?? null;
    renderRegions(byId('regions'), drawing, (base) => {
      this.walkInput.value = hex(base);
      this.walkVa = base;
      this.walkInputError = '';
      this.renderWalk();
    });
    this.renderTree();
    this.renderWalk();
  }

  /** The chosen process's page-table tree, read only while its panel is open. */
  private renderTree(): void {
    const view = this.session().view;
    const target = byId('table-tree');
    const root = view?.rootOf(this.chosenPid);
    if (!view || root === undefined) {
      target.replaceChildren();
      byId('tree-summary').textContent = '';
      return;
    }
    if (!byId<HTMLDetailsElement>('tree-panel').open) {
      byId('tree-summary').textContent = 'open to read the tables';
      target.replaceChildren();
      return;
    }
    const tables = view.pageTables();
    const tree = readTableTree(tables, root, this.chosenPid !== KERNEL_PID);
    const count = tablesOf(tree).length;
    byId('tree-summary').textContent = `${count} table${count === 1 ? '' : 's'}`;
    renderTableTree(target, tables.format.name, tables.format.entriesPerTable, tree);
  }

  private renderWalk(): void {
    const view = this.session().view;
    const target = byId('walk');
    if (this.walkInputError) {
      target.replaceChildren(el('p', { class: 'walk-input-error', role: 'alert' }, this.walkInputError));
      return;
    }
    if (!view || Number.isNaN(this.walkVa)) {
      target.replaceChildren(
        el(
          'p',
          { class: 'muted' },
          'Type a virtual address, or choose a region above, to walk its page tables.',
        ),
      );
      return;
    }
    const tables = view.pageTables();
    const root = view.rootOf(this.chosenPid);
    if (!tables || root === undefined) {
      target.replaceChildren(el('p', { class: 'muted' }, 'This process has no page tables.'));
      return;
    }
    if (!tables.format.isCanonical(this.walkVa)) {
      target.replaceChildren(
        el('p', { class: 'fault' }, `${hex(this.walkVa)} is not a canonical ${tables.format.name} address`),
      );
      return;
    }
    const result = walk(tables, root, this.walkVa);
    renderWalk(target, tables.format.name, this.walkVa, result, view.lesson(this.chosenPid, result));
  }
}

export function legendItem(label: string, color: string): HTMLLIElement {
  return el('li', {}, el('span', { class: 'swatch', style: `background:${color}` }), label);
}
