/**
 * Where the playground keeps your edits: in local storage, one text per example (switching
 * example or reloading loses nothing), and in the URL's fragment, so a link opens the same text.
 */

const KEY_PREFIX = 'pageframe.edits.';

export interface LinkedScenario {
  example: string;
  /** The edited text; undefined when the link names the example as bundled. */
  text: string | undefined;
}

export class ScenarioStore {
  /** The example and text the URL's fragment names (`#example=NAME&text=...`), if any. */
  fromUrl(): LinkedScenario | null {
    const params = new URLSearchParams(window.location.hash.slice(1));
    const example = params.get('example');
    if (example === null) return null;
    return { example, text: params.get('text') ?? undefined };
  }

  /** The edits kept for an example, if any. */
  edits(example: string): string | undefined {
    try {
      return window.localStorage.getItem(KEY_PREFIX + example) ?? undefined;
    } catch {
      return undefined; // storage disabled (a private window): edits live as long as the page
    }
  }

  /** Keeps (or with null, forgets) the edits to an example, and names both in the URL. */
  save(example: string, text: string | null): void {
    try {
      if (text === null) window.localStorage.removeItem(KEY_PREFIX + example);
      else window.localStorage.setItem(KEY_PREFIX + example, text);
    } catch {
      // Storage full or disabled: the URL below still carries the text.
    }
    const params = new URLSearchParams({ example });
    if (text !== null) params.set('text', text);
    window.history.replaceState(null, '', `#${params.toString()}`);
  }
}
