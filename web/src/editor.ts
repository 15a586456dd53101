/**
 * The scenario editor: a plain textarea (every browser's own editing and keyboard behaviour)
 * beside a gutter of line numbers that marks the statement about to run and a line in error.
 */
export class ScenarioEditor {
  private currentLine = 0;
  private errorLines: number[] = [];
  private lineCount = 0;
  /** Lines that carry a mark now, and which. */
  private marked = new Map<number, string>();

  constructor(
    readonly textarea: HTMLTextAreaElement,
    private readonly gutter: HTMLElement,
  ) {
    textarea.addEventListener('input', () => this.renderGutter());
    textarea.addEventListener('scroll', () => {
      this.gutter.scrollTop = this.textarea.scrollTop;
    });
    this.renderGutter();
  }

  get text(): string {
    return this.textarea.value;
  }

  set text(value: string) {
    this.textarea.value = value;
    this.textarea.scrollTop = 0;
    this.currentLine = 0;
    this.errorLines = [];
    this.renderGutter();
  }

  onChange(listener: () => void): void {
    this.textarea.addEventListener('input', listener);
  }

  /** Marks the line (1-based) of the next statement; 0 marks none. */
  setCurrentLine(line: number): void {
    this.currentLine = line;
    this.renderGutter();
    if (line > 0) this.revealLine(line);
  }

  /** Marks the lines (1-based) errors point at; an empty list clears them. */
  setErrorLines(lines: number[]): void {
    this.errorLines = lines;
    this.renderGutter();
  }

  /** Puts the caret at the start of a line and scrolls it into view. */
  focusLine(line: number): void {
    const lines = this.textarea.value.split('\n');
    let offset = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    this.textarea.focus();
    this.textarea.setSelectionRange(offset, offset + (lines[line - 1]?.length ?? 0));
    this.revealLine(line);
  }

  private revealLine(line: number): void {
    const lineHeight = Number.parseFloat(getComputedStyle(this.textarea).lineHeight) || 18;
    const top = (line - 1) * lineHeight;
    const view = this.textarea;
    if (top < view.scrollTop || top > view.scrollTop + view.clientHeight - 2 * lineHeight) {
      view.scrollTop = Math.max(0, top - view.clientHeight / 3);
    }
    this.gutter.scrollTop = view.scrollTop;
  }

  /** Rebuilds the numbers when the line count changed; re-marks only the lines whose mark changed. */
  private renderGutter(): void {
    const count = this.textarea.value.split('\n').length;
    if (count !== this.lineCount) {
      this.lineCount = count;
      const fragment = document.createDocumentFragment();
      for (let i = 1; i <= count; i++) {
        const span = document.createElement('span');
        span.textContent = String(i);
        fragment.append(span);
      }
      // Room to scroll the last lines as far as the textarea does.
      fragment.append(document.createElement('br'));
      this.gutter.replaceChildren(fragment);
      this.marked.clear();
    }
    const wanted = new Map<number, string>();
    if (this.currentLine > 0 && this.currentLine <= count) wanted.set(this.currentLine, 'current');
    for (const line of this.errorLines) if (line > 0 && line <= count) wanted.set(line, 'bad');
    const spans = this.gutter.children;
    for (const [line, mark] of this.marked) {
      if (wanted.get(line) !== mark) (spans[line - 1] as HTMLElement).className = '';
    }
    for (const [line, mark] of wanted) (spans[line - 1] as HTMLElement).className = mark;
    this.marked = wanted;
    this.gutter.scrollTop = this.textarea.scrollTop;
  }
}
