/** Small DOM helpers: the page builds its panels from plain elements, no framework. */

export function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no element #${id}`);
  return found as T;
}

type Child = Node | string | number | null | undefined | false;

/** `el('td', { class: 'x' }, 'text')`: an element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'object' ? child : String(child));
  }
  return node;
}

/** A table from a header row and body rows of cells. */
export function table(head: string[], rows: Child[][], className = ''): HTMLTableElement {
  const t = el('table', className ? { class: className } : {});
  const thead = el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h))));
  const tbody = el('tbody');
  for (const row of rows) tbody.append(el('tr', {}, ...row.map((cell) => el('td', {}, cell))));
  t.append(thead, tbody);
  return t;
}
