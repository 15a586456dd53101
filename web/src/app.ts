/**
 * The playground: wires the editor, the controls and the views to a Session (one scenario run,
 * one statement at a time). Every view is redrawn from the machine after a step; while playing,
 * at most once per animation frame.
 */
import { bytes } from '../../src/index.js';
import { RunCharts } from './charts.js';
import { byId, el } from './dom.js';
import { ScenarioEditor } from './editor.js';
import { EXAMPLES } from './examples.js';
import { LEGEND } from './frame-colors.js';
import { FrameMap } from './frame-map.js';
import { cellColors, centerColor, edgeColor } from './map-probe.js';
import { Player } from './player.js';
import { legendItem, ProcessPanel } from './process-panel.js';
import { Runner } from './runner.js';
import { type Problem, Session } from './session.js';
import { plural, renderChange, renderProblems, statusText } from './status-view.js';
import { ScenarioStore } from './store.js';
import { renderTlb } from './tlb-view.js';

/** The file name errors give a scenario that is not an example as it was bundled. */
export const OWN_FILE = 'scenario.pf';

export class Playground {
  private readonly editor = new ScenarioEditor(byId<HTMLTextAreaElement>('source'), byId('gutter'));
  private readonly map = new FrameMap(byId<HTMLCanvasElement>('map'), byId('frame-info'), byId('map-scale'));
  private readonly charts = new RunCharts(byId('charts'));
  private readonly session = new Session();
  private readonly processPanel = new ProcessPanel(() => this.session);
  private readonly player = new Player(
    () => this.stepOnce(true),
    () => this.render(),
    (playing) => this.onPlayState(playing),
  );
  private readonly exampleSelect = byId<HTMLSelectElement>('example');
  private readonly status = byId('status');
  private readonly errorBox = byId('error');
  /** The source text the session was loaded from; an edit makes the next step start over. */
  private loadedText: string | null = null;
  private readonly runner = new Runner(
    () => this.session.stepsRun,
    (explain) => this.stepOnce(explain),
    () => this.setStatus(`running: ${this.session.stepsRun} of ${this.session.statementCount}`),
  );
  /** Failures already shown: a new one scrolls its line into view. */
  private failuresShown = 0;
  private readonly store = new ScenarioStore();

  constructor() {
    for (const example of EXAMPLES) this.exampleSelect.append(new Option(example.name, example.name));
    this.exampleSelect.addEventListener('change', () => this.chooseExample(this.exampleSelect.value));
    byId('legend').append(...LEGEND.map((entry) => legendItem(entry.label, entry.color)));

    byId('run').addEventListener('click', () => this.runToEnd());
    byId('step').addEventListener('click', () => this.step());
    byId('back').addEventListener('click', () => this.back());
    const timeline = byId<HTMLInputElement>('timeline');
    timeline.addEventListener('input', () => {
      byId<HTMLOutputElement>('timeline-out').value = `step ${timeline.value}`;
    });
    timeline.addEventListener('change', () => this.goToStep(Number(timeline.value)));
    byId('play').addEventListener('click', () => this.togglePlay());
    byId('reset').addEventListener('click', () => this.reset());
    const speed = byId<HTMLInputElement>('speed');
    const speedOut = byId<HTMLOutputElement>('speed-out');
    const setSpeed = () => {
      this.player.stepsPerSecond = Number(speed.value);
      speedOut.value = `${speed.value} step${speed.value === '1' ? '' : 's'}/s`;
    };
    speed.addEventListener('input', setSpeed);
    setSpeed();

    byId('zoom-in').addEventListener('click', () => this.map.zoom(1));
    byId('zoom-out').addEventListener('click', () => this.map.zoom(-1));
    byId('zoom-fit').addEventListener('click', () => this.map.fit());

    this.editor.onChange(() => {
      this.saveEdits();
      if (this.loadedText !== null && this.editor.text !== this.loadedText) {
        this.player.pause();
        this.setStatus('edited: the next step starts the scenario over');
      }
    });
    this.editor.onGutterClick((line) => this.runToLine(line));
    document.addEventListener('keydown', (event) => this.onKey(event));

    byId('revert').addEventListener('click', () => this.revert());
    // A link pasted into this tab changes only the fragment: load what it names.
    window.addEventListener('hashchange', () => {
      const linked = this.store.fromUrl();
      if (!linked || !EXAMPLES.some((e) => e.name === linked.example)) return;
      if (linked.example === this.exampleSelect.value && (linked.text ?? null) === this.editedText()) return;
      this.chooseExample(linked.example, linked.text);
    });

    // The URL names the example and carries edits (a link shares them); else the last one edited.
    const linked = this.store.fromUrl();
    const first = EXAMPLES.find((e) => e.name === linked?.example) ?? EXAMPLES[0];
    if (first) this.chooseExample(first.name, linked?.text);
    else this.reset();
  }

  // --- actions --------------------------------------------------------------------------------

  /** Puts the map's cursor on a frame (the info line describes it). */
  select(pfn: number): void {
    this.map.select(pfn);
  }

  /** Where a frame's cell is on the page, in CSS pixels of the viewport; null when scrolled away. */
  cellPosition(pfn: number): { x: number; y: number } | null {
    const at = this.map.cellCenter(pfn);
    if (!at) return null;
    const rect = byId('map').getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    return { x: rect.left + (at.x + 0.5) / ratio, y: rect.top + (at.y + 0.5) / ratio };
  }

  /** The map's description of a frame, as its info line shows it. */
  describeFrame(pfn: number): string {
    return this.map.describe(pfn);
  }

  /** The colour the map draws a frame in, as '#rrggbb' (for tests and the curious). */
  colorOf(pfn: number): string {
    return centerColor(byId<HTMLCanvasElement>('map'), this.map.geometry(), pfn);
  }

  /** The colour one pixel inside a frame's cell, where the change outline is drawn ('#rrggbb'). */
  edgeColorOf(pfn: number): string {
    return edgeColor(byId<HTMLCanvasElement>('map'), this.map.geometry(), pfn);
  }

  /** A map cell's side in device pixels, and the frames it stands for. */
  cellPx(): number {
    return this.map.scale.cellPx;
  }

  framesPerCell(): number {
    return this.map.scale.framesPerCell;
  }

  /** Every colour inside a frame's cell (a shared frame's stripes), sorted. */
  cellColorsOf(pfn: number): string[] {
    return cellColors(byId<HTMLCanvasElement>('map'), this.map.geometry(), pfn);
  }

  /** Shows an example, with the edits made to it before (kept in local storage) unless `text` is given. */
  chooseExample(name: string, text?: string): void {
    const example = EXAMPLES.find((e) => e.name === name);
    if (!example) return;
    this.exampleSelect.value = name;
    this.editor.text = text ?? this.store.edits(name) ?? example.text;
    this.saveEdits();
    this.reset();
  }

  /** Drops the edits to the chosen example and shows it as bundled. */
  revert(): void {
    const example = EXAMPLES.find((e) => e.name === this.exampleSelect.value);
    if (!example) return;
    this.editor.text = example.text;
    this.saveEdits();
    this.reset();
  }

  /** Whether the editor holds the chosen example as bundled. */
  private get unedited(): boolean {
    return EXAMPLES.find((e) => e.name === this.exampleSelect.value)?.text === this.editor.text;
  }

  /** The editor's text when it is not the chosen example as bundled, else null. */
  private editedText(): string | null {
    return this.unedited ? null : this.editor.text;
  }

  /** Keeps the editor's text for the chosen example in local storage and in the URL. */
  private saveEdits(): void {
    const text = this.editedText();
    this.store.save(this.exampleSelect.value, text);
    byId('revert').hidden = text === null;
  }

  /** Loads the editor's text into a fresh machine; false when it does not parse. */
  reset(): boolean {
    this.player.pause();
    this.stopRunning();
    this.loadedText = this.editor.text;
    // Messages name the file as `pageframe run` does: by its base name; edited text is your own.
    const chosen = this.unedited ? this.exampleSelect.value : OWN_FILE;
    const name = chosen.slice(chosen.lastIndexOf('/') + 1);
    this.failuresShown = 0;
    const problem = this.session.load(this.loadedText, name);
    this.charts.reset();
    this.processPanel.followRun();
    this.render();
    if (problem) {
      this.showErrors([problem]);
      return false;
    }
    return true;
  }

  step(): void {
    if (this.runner.running) {
      this.stopRunning();
      this.render();
      return;
    }
    if (!this.ensureLoaded()) return;
    this.stepOnce(true);
    this.render();
  }

  /** Steps back: the machine as it was one statement ago (the run replayed to there). */
  back(): void {
    if (this.session.stepsRun > 0) this.goToStep(this.session.stepsRun - 1);
  }

  /** The machine after `steps` statements, replayed from the start: runs are deterministic. */
  goToStep(steps: number): void {
    this.player.pause();
    this.stopRunning();
    if (this.loadedText !== this.editor.text) {
      if (!this.reset()) return;
    }
    this.charts.reset();
    this.session.replayTo(steps, () => {
      const sample = this.session.sample();
      if (sample) this.charts.push(sample);
    });
    this.failuresShown = 0;
    this.render();
  }

  /**
   * Runs the rest of the scenario, or up to the next breakpoint, in slices (the page stays alive
   * on a long scenario); draws once at the end.
   */
  runToEnd(): void {
    this.player.pause();
    this.stopRunning();
    if (!this.ensureLoaded()) return;
    const breakpoints = this.editor.breakpoints;
    this.runner.start({
      stopBefore: (step) => breakpoints.has(this.session.lineOfStep(step)),
      done: (reason) => this.afterRun(reason === 'stop' ? 'paused at the breakpoint on' : ''),
    });
  }

  /**
   * Runs until the statement on `line` (or the first after it) is the next one: forward from
   * here, or replayed from the start when the run is already past it.
   */
  runToLine(line: number): void {
    this.player.pause();
    this.stopRunning();
    if (!this.ensureLoaded()) return;
    const target = this.session.stepOfLine(line);
    if (target < 0) {
      this.setStatus(`no statement on line ${line} or after it`, true);
      return;
    }
    if (target === this.session.stepsRun) return;
    if (target < this.session.stepsRun) {
      this.goToStep(target);
      this.afterRun('ran to');
      return;
    }
    this.runner.start({ stopBefore: (step) => step === target, done: () => this.afterRun('ran to') });
  }

  /** Draws the machine where a run stopped; `why` ('ran to', ...) starts the status, or '' for the plain one. */
  private afterRun(why: string): void {
    this.render();
    if (why && !this.session.done) {
      const s = this.session;
      this.setStatus(
        `${why} line ${s.nextLine}: ${Math.min(s.stepsRun, s.statementCount)} of ${s.statementCount} run`,
      );
    }
  }

  private stopRunning(): void {
    this.runner.stop();
  }

  togglePlay(): void {
    this.stopRunning();
    if (!this.player.playing && !this.ensureLoaded()) return;
    if (!this.player.playing && this.session.done) this.reset();
    this.player.toggle();
  }

  private ensureLoaded(): boolean {
    if (this.loadedText === this.editor.text && !this.session.parseProblem) return true;
    return this.reset();
  }

  /** Runs one statement (saying what it changed, unless in a Run) and samples the charts; false at the end. */
  private stepOnce(explain: boolean): boolean {
    if (this.session.done) return false;
    if (explain) this.session.stepExplained();
    else this.session.step();
    const sample = this.session.sample();
    if (sample) this.charts.push(sample);
    return !this.session.done;
  }

  private onPlayState(playing: boolean): void {
    const button = byId('play');
    button.setAttribute('aria-pressed', String(playing));
    button.textContent = playing ? 'Pause' : 'Play';
    if (!playing) this.render();
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) this.runToEnd();
    else if (event.key === 'F10' && event.shiftKey) this.back();
    else if (event.key === 'F10') this.step();
    else if (event.key === 'F8' && event.shiftKey) this.reset();
    else if (event.key === 'F8') this.togglePlay();
    else if (event.key === 'F9') this.editor.toggleBreakpoint(this.editor.caretLine);
    else if (event.key === 'F4') this.runToLine(this.editor.caretLine);
    else if (event.key === 'Escape' && (this.player.playing || this.runner.running)) {
      this.player.pause();
      this.stopRunning();
      this.render();
    } else return;
    event.preventDefault();
  }

  // --- drawing --------------------------------------------------------------------------------

  private render(): void {
    const session = this.session;
    const view = session.view;
    this.editor.setCurrentLine(session.done ? 0 : session.nextLine);
    const problems = session.parseProblem ? [session.parseProblem] : session.failures;
    this.showErrors(problems);
    // A new failure far down the text is brought into view.
    const newest = problems.at(-1);
    if (problems.length > this.failuresShown && newest && newest.line > 0)
      this.editor.revealLine(newest.line);
    this.failuresShown = problems.length;
    this.renderStatus();
    this.renderTimeline();
    this.renderChange();
    this.charts.redraw();
    // The report is rebuilt by replaying the run (see Session.reportNow): not on every frame of play.
    if (!this.player.playing) {
      byId('report').textContent = session.reportText();
      byId('report-step').textContent =
        session.stepsRun > 0 ? `after ${plural(session.stepsRun, 'step')}` : '';
    } else byId('report-step').textContent = 'playing: shown when paused';
    if (!view) {
      this.map.clear();
      byId('map-summary').textContent = '';
      this.processPanel.clear();
      byId('tlb-counters').replaceChildren(
        el('span', { class: 'muted' }, 'The machine boots at the first statement.'),
      );
      byId('tlb').replaceChildren();
      return;
    }
    this.map.setHighlights(session.lastChange?.frames ?? new Int32Array(0));
    this.map.update(view.frameMapSource());
    const phys = view.physical();
    byId('map-summary').textContent =
      `${bytes(phys.totalFrames * 4096)}: ${phys.freeFrames} free of ${phys.usableFrames} usable frames, ` +
      `${view.allocatorKind}`;
    byId('map-summary').dataset.freeFrames = String(phys.freeFrames);
    this.processPanel.render(view);
    const tlb = view.tlb();
    if (tlb)
      renderTlb(
        byId('tlb-counters'),
        byId<HTMLTableElement>('tlb'),
        tlb,
        (asid) => view.asidName(asid),
        session.lastChange,
      );
  }

  private renderTimeline(): void {
    const timeline = byId<HTMLInputElement>('timeline');
    const s = this.session;
    timeline.max = String(Math.max(s.statementCount, s.stepsRun));
    timeline.value = String(s.stepsRun);
    byId<HTMLOutputElement>('timeline-out').value = `step ${s.stepsRun}`;
    byId<HTMLButtonElement>('back').disabled = s.stepsRun === 0;
  }

  private renderChange(): void {
    renderChange(byId('explain'), this.session);
  }

  private renderStatus(): void {
    const s = this.session;
    this.setStatus(statusText(s), !!s.parseProblem || (s.done && s.outcome?.ok === false));
  }

  private setStatus(text: string, failed = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('failed', failed);
  }

  private showErrors(problems: Problem[]): void {
    renderProblems(this.errorBox, this.editor, problems);
  }
}
