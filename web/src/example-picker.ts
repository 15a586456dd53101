/**
 * Which text is in the editor: the example chosen in the list, with the edits made to it (kept
 * per example in local storage and in the URL, so a reload or a link loses nothing), and Revert.
 * Used by the playground, which loads the text into a fresh machine whenever it changes here.
 */
import { byId } from './dom.js';
import type { ScenarioEditor } from './editor.js';
import { EXAMPLES } from './examples.js';
import { ScenarioStore } from './store.js';

/** The file name errors give a scenario that is not an example as it was bundled. */
export const OWN_FILE = 'scenario.pf';

export class ExamplePicker {
  private readonly select = byId<HTMLSelectElement>('example');
  private readonly store = new ScenarioStore();

  constructor(
    private readonly editor: ScenarioEditor,
    /** Loads the editor's text into a fresh machine. */
    private readonly load: () => void,
  ) {
    for (const example of EXAMPLES) this.select.append(new Option(example.name, example.name));
    this.select.addEventListener('change', () => this.choose(this.select.value));
    byId('revert').addEventListener('click', () => this.revert());
    // A link pasted into this tab changes only the fragment: load what it names.
    window.addEventListener('hashchange', () => {
      const linked = this.store.fromUrl();
      if (!linked || !EXAMPLES.some((e) => e.name === linked.example)) return;
      if (linked.example === this.select.value && (linked.text ?? null) === this.editedText()) return;
      this.choose(linked.example, linked.text);
    });
  }

  /** Shows what the URL names (with its edits), else the first example; false when there is none. */
  start(): boolean {
    const linked = this.store.fromUrl();
    const first = EXAMPLES.find((e) => e.name === linked?.example) ?? EXAMPLES[0];
    if (!first) return false;
    this.choose(first.name, linked?.text);
    return true;
  }

  /**
   * The name errors give the text, as `pageframe run` does: the example's base name, or
   * `scenario.pf` once it is edited (your own file).
   */
  get fileName(): string {
    const chosen = this.unedited ? this.select.value : OWN_FILE;
    return chosen.slice(chosen.lastIndexOf('/') + 1);
  }

  /** Shows an example, with the edits made to it before (kept in local storage) unless `text` is given. */
  choose(name: string, text?: string): void {
    const example = EXAMPLES.find((e) => e.name === name);
    if (!example) return;
    this.select.value = name;
    this.editor.text = text ?? this.store.edits(name) ?? example.text;
    this.saveEdits();
    this.load();
  }

  /** Drops the edits to the chosen example and shows it as bundled. */
  revert(): void {
    const example = EXAMPLES.find((e) => e.name === this.select.value);
    if (!example) return;
    this.editor.text = example.text;
    this.saveEdits();
    this.load();
  }

  /** Keeps the editor's text for the chosen example in local storage and in the URL. */
  saveEdits(): void {
    const text = this.editedText();
    this.store.save(this.select.value, text);
    byId('revert').hidden = text === null;
  }

  /** Whether the editor holds the chosen example as bundled. */
  private get unedited(): boolean {
    return EXAMPLES.find((e) => e.name === this.select.value)?.text === this.editor.text;
  }

  /** The editor's text when it is not the chosen example as bundled, else null. */
  private editedText(): string | null {
    return this.unedited ? null : this.editor.text;
  }
}
