/**
 * Projector mode: everything larger for the back of a lecture hall (the page's fonts, the editor,
 * the tables), the editor given half the width. Remembered in local storage. The playground
 * re-lays out the editor's gutter when it changes (the line heights change with the font).
 */
const KEY = 'pageframe.projector';

function stored(): boolean {
  try {
    return window.localStorage.getItem(KEY) === 'on';
  } catch {
    return false;
  }
}

function store(on: boolean): void {
  try {
    if (on) window.localStorage.setItem(KEY, 'on');
    else window.localStorage.removeItem(KEY);
  } catch {
    // storage disabled (a private window): the mode lasts as long as the page
  }
}

/** Wires the toggle button; `changed` runs after the mode changes (and once at start). */
export function setUpProjector(button: HTMLButtonElement, changed: () => void): void {
  const apply = (on: boolean) => {
    document.documentElement.classList.toggle('projector', on);
    button.setAttribute('aria-pressed', String(on));
    changed();
  };
  button.addEventListener('click', () => {
    const on = !document.documentElement.classList.contains('projector');
    store(on);
    apply(on);
  });
  apply(stored());
}
