/**
 * The scenario editor: a plain textarea (every browser's own editing and keyboard behaviour)
 * beside a gutter of line numbers that marks the statement about to run and a line in error.
 * Long lines wrap (no comment is cut off); a hidden mirror measures each line's wrapped height
 * so that every number stays beside its line. Those heights, the box's size (from a
 * ResizeObserver) and its scroll offset (from scroll events) are kept, so that marking a line or
 * scrolling to it after a Step reads no layout: a Step forces none.
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
  /** The textarea's clientWidth and clientHeight as last observed (padding included). */
  private box = { width: 0, height: 0 };
  /** Where each line's number starts in the gutter (px from its top), one entry past the last line. */
  private lineTops: number[] = [0];
  /** The textarea's text height with its padding (its scrollHeight), from the kept line heights. */
  private contentHeight = 0;
  /** The textarea's scrollTop as last set or scrolled to. */
  private scrolledTo = 0;

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
      this.scrolledTo = this.textarea.scrollTop;
      this.gutter.scrollTop = this.scrolledTo;
    });
    // Layout is fresh inside an observer's callback: reading the size here forces nothing.
    new ResizeObserver(() => {
      this.measureBox();
      this.renderGutter();
    }).observe(textarea);
    gutter.addEventListener('click', (event) => {
      const span = (event.target as HTMLElement).closest('span');
      if (!span || span.parentElement !== gutter) return;
      const line = Array.prototype.indexOf.call(gutter.children, span) + 1;
      if (event.shiftKey) this.toggleBreakpoint(line);
      else this.gutterListener?.(line);
    });
    this.measureBox();
    this.renderGutter();
  }

  private measureBox(): void {
    this.box = { width: this.textarea.clientWidth, height: this.textarea.clientHeight };
  }

  get text(): string {
    return this.textarea.value;
  }

  set text(value: string) {
    this.textarea.value = value;
    this.breakpoints.clear();
    this.scrollTo(0);
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

  /** Lays the gutter out again (the font changed: every wrapped line's height did). */
  relayout(): void {
    this.laidOut = { text: '\u0000', width: -1 };
    this.measureBox();
    this.renderGutter();
  }

  onChange(listener: () => void): void {
    this.textarea.addEventListener('input', listener);
  }

  /** Marks the line (1-based) of the next statement; 0 marks none. */
  setCurrentLine(line: number): void {
    this.currentLine = line;
    this.renderGutter();
    if (line > 0) this.scrollToLine(line);
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

  /**
   * Scrolls the editor so that a line (1-based) is in view, a third of the way down, measuring the
   * box first (what changed around the editor, an error shown, may have resized it since).
   */
  revealLine(line: number): void {
    this.measureBox();
    this.scrollToLine(line);
  }

  /**
   * `revealLine` from the kept line heights and box alone, for a Step: a line already in view
   * costs no layout at all.
   */
  private scrollToLine(line: number): void {
    if (line < 1 || line >= this.lineTops.length) return;
    const top = this.lineTops[line - 1];
    const height = this.lineTops[line] - top;
    const viewHeight = this.box.height;
    if (top < this.scrolledTo || top + height > this.scrolledTo + viewHeight - height)
      this.scrollTo(Math.max(0, top - viewHeight / 3));
  }

  /** Scrolls the textarea and the gutter together (setting scrollTop lays the page out, so only on a change). */
  private scrollTo(offset: number): void {
    const target = Math.round(Math.max(0, offset));
    if (target === this.scrolledTo) return;
    this.textarea.scrollTop = target;
    this.gutter.scrollTop = target;
    // Kept as the browser clamps it past the end (estimated; the scroll event that follows says).
    this.scrolledTo = Math.max(0, Math.min(target, Math.round(this.contentHeight - this.box.height)));
  }

  /**
   * Rebuilds the numbers when the text or the width changed (each as tall as its wrapped line);
   * re-marks only the lines whose mark changed.
   */
  private renderGutter(): void {
    const text = this.textarea.value;
    const width = this.box.width;
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
      // A line the mirror could not measure (the editor hidden) is one line high, as its number is.
      const lineHeight = Number.parseFloat(style.lineHeight) || 18;
      const tops = [0];
      for (const height of heights) tops.push(tops[tops.length - 1] + (height > 0 ? height : lineHeight));
      this.lineTops = tops;
      const paddingY = Number.parseFloat(style.paddingTop) + Number.parseFloat(style.paddingBottom);
      this.contentHeight = tops[count] + paddingY;
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
      this.gutter.scrollTop = this.scrolledTo;
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
  }
}
