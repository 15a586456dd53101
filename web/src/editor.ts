/**
 * The scenario editor: a plain textarea (every browser's own editing and keyboard behaviour)
 * beside a gutter of line numbers that marks the statement about to run and a line in error.
 * Long lines wrap (no comment is cut off); a hidden mirror measures each line's wrapped height
 * so that every number stays beside its line.
 */
export class ScenarioEditor {
  private currentLine = 0;
  private errorLines: number[] = [];
  /** Lines with a breakpoint: Run stops before their statements. */
  readonly breakpoints = new Set<number>();
  /** The text and width the gutter was laid out for. */
  private laidOut = { text: '\u0000', width: -1 };
  /** Lines that carry a mark now, and which. */
  private marked = new Map<number, string>();
  private readonly mirror: HTMLDivElement;

  constructor(
    readonly textarea: HTMLTextAreaElement,
    private readonly gutter: HTMLElement,
  ) {
    this.mirror = document.createElement('div');
    this.mirror.className = 'editor-mirror';
    this.mirror.setAttribute('aria-hidden', 'true');
    textarea.parentElement?.append(this.mirror);
    textarea.addEventListener('input', () => this.renderGutter());
    textarea.addEventListener('scroll', () => {
      this.gutter.scrollTop = this.textarea.scrollTop;
    });
    new ResizeObserver(() => this.renderGutter()).observe(textarea);
    gutter.addEventListener('click', (event) => {
      const span = (event.target as HTMLElement).closest('span');
      if (!span || span.parentElement !== gutter) return;
      const line = Array.prototype.indexOf.call(gutter.children, span) + 1;
      if (event.shiftKey) this.toggleBreakpoint(line);
      else this.gutterListener?.(line);
    });
    this.renderGutter();
  }

  get text(): string {
    return this.textarea.value;
  }

  set text(value: string) {
    this.textarea.value = value;
    this.breakpoints.clear();
    this.textarea.scrollTop = 0;
    this.currentLine = 0;
    this.errorLines = [];
    this.renderGutter();
  }

  private gutterListener: ((line: number) => void) | null = null;

  /** Calls `listener` with the line whose number was clicked (Shift+click toggles a breakpoint instead). */
  onGutterClick(listener: (line: number) => void): void {
    this.gutterListener = listener;
  }

  /** Sets or clears the breakpoint on a line (1-based). */
  toggleBreakpoint(line: number): void {
    if (this.breakpoints.has(line)) this.breakpoints.delete(line);
    else this.breakpoints.add(line);
    this.renderGutter();
  }

  /** The line (1-based) the caret is on. */
  get caretLine(): number {
    return this.textarea.value.slice(0, this.textarea.selectionStart).split('\n').length;
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

  /** Scrolls the editor so that a line (1-based) is in view, a third of the way down. */
  revealLine(line: number): void {
    const span = this.gutter.children[line - 1] as HTMLElement | undefined;
    if (!span) return;
    const view = this.textarea;
    const top = span.offsetTop - this.gutter.offsetTop;
    const height = span.offsetHeight;
    if (top < view.scrollTop || top + height > view.scrollTop + view.clientHeight - height) {
      view.scrollTop = Math.max(0, top - view.clientHeight / 3);
    }
    this.gutter.scrollTop = view.scrollTop;
  }

  /**
   * Rebuilds the numbers when the text or the width changed (each as tall as its wrapped line);
   * re-marks only the lines whose mark changed.
   */
  private renderGutter(): void {
    const text = this.textarea.value;
    const width = this.textarea.clientWidth;
    const lines = text.split('\n');
    const count = lines.length;
    if (text !== this.laidOut.text || width !== this.laidOut.width) {
      this.laidOut = { text, width };
      const style = getComputedStyle(this.textarea);
      const padding = Number.parseFloat(style.paddingLeft) + Number.parseFloat(style.paddingRight);
      this.mirror.style.width = `${Math.max(0, width - padding)}px`;
      const rows = lines.map((line) => {
        const row = document.createElement('div');
        row.textContent = line === '' ? '\u200b' : line;
        return row;
      });
      this.mirror.replaceChildren(...rows);
      const heights = rows.map((row) => row.getBoundingClientRect().height);
      const fragment = document.createDocumentFragment();
      for (let i = 1; i <= count; i++) {
        const span = document.createElement('span');
        span.textContent = String(i);
        if (heights[i - 1] > 0) span.style.height = `${heights[i - 1]}px`;
        fragment.append(span);
      }
      // Room to scroll the last lines as far as the textarea does.
      fragment.append(document.createElement('br'));
      this.gutter.replaceChildren(fragment);
      this.mirror.replaceChildren();
      this.marked.clear();
    }
    const wanted = new Map<number, string>();
    const mark = (line: number, name: string) => {
      if (line > 0 && line <= count) wanted.set(line, `${wanted.get(line) ?? ''} ${name}`.trim());
    };
    for (const line of this.breakpoints) mark(line, 'breakpoint');
    mark(this.currentLine, 'current');
    for (const line of this.errorLines) mark(line, 'bad');
    const spans = this.gutter.children;
    for (const [line, mark] of this.marked) {
      if (wanted.get(line) !== mark) (spans[line - 1] as HTMLElement).className = '';
    }
    for (const [line, mark] of wanted) (spans[line - 1] as HTMLElement).className = mark;
    this.marked = wanted;
    this.gutter.scrollTop = this.textarea.scrollTop;
  }
}
