/**
 * The playground: wires the editor, the controls and the views to a Session (one scenario run,
 * one statement at a time). Every view is redrawn from the machine after a step; while playing,
 * at most once per animation frame.
 */
import { bytes } from '../../src/index.js';
import { RunCharts } from './charts.js';
import { wireControls } from './controls.js';
import { byId, el } from './dom.js';
import { ScenarioEditor } from './editor.js';
import { ExamplePicker } from './example-picker.js';
import { LEGEND, processColor } from './frame-colors.js';
import { FrameMap } from './frame-map.js';
import { cellColors, centerColor, edgeColor } from './map-probe.js';
import { Player } from './player.js';
import { legendItem, ProcessPanel } from './process-panel.js';
import { fetchPrograms, programsToFetch } from './programs.js';
import { setUpProjector } from './projector.js';
import { MAX_LINKS, RegionLinks } from './region-links.js';
import { ReportPanel } from './report-panel.js';
import { Runner } from './runner.js';
import { type Problem, Session } from './session.js';
import { SNAPSHOT_MACHINE, setUpSnapshotInput } from './snapshot-input.js';
import { renderChange, renderProblems, statusText } from './status-view.js';
import { renderSwap, swapState } from './swap-view.js';
import { renderTlb } from './tlb-view.js';
import { TracePanel } from './trace-panel.js';

export class Playground {
  private readonly editor = new ScenarioEditor(byId<HTMLTextAreaElement>('source'), byId('gutter'));
  private readonly map = new FrameMap(byId<HTMLCanvasElement>('map'), byId('frame-info'), byId('map-scale'));
  private readonly charts = new RunCharts(byId('charts'));
  /** The page-replacement panel: independent of the scenario, replays a memory trace. */
  readonly tracePanel = new TracePanel(byId('trace-panel'));
  private readonly session = new Session();
  private readonly links = new RegionLinks(document.getElementById('links') as unknown as SVGSVGElement);
  private readonly processPanel = new ProcessPanel(
    () => this.session,
    (pid, base, button) => this.linkRegion(pid, base, button),
  );
  private readonly player = new Player(
    () => this.stepOnce(true),
    () => this.render(),
    (playing) => this.onPlayState(playing),
  );
  private readonly status = byId('status');
  private readonly errorBox = byId('error');
  /** The source text the session was loaded from; an edit makes the next step start over. */
  private loadedText: string | null = null;
  private readonly runner = new Runner(
    () => this.session.stepsRun,
    (explain) => this.stepOnce(explain),
    () => this.setStatus(`running: ${this.session.stepsRun} of ${this.session.statementCount}`),
  );
  /** Whether the map outlines a replacement policy's hand now. */
  private handShown = false;
  /** Failures already shown: a new one scrolls its line into view. */
  private failuresShown = 0;
  private readonly picker = new ExamplePicker(this.editor, () => this.reset());
  /** Built when in view and not playing (see ReportPanel). */
  private readonly report = new ReportPanel(
    byId('report-panel'),
    byId('report'),
    byId('report-step'),
    () => ({
      report: this.session.reportText(),
      stepsRun: this.session.stepsRun,
    }),
  );

  constructor() {
    byId('legend').append(...LEGEND.map((entry) => legendItem(entry.label, entry.color)));

    wireControls({
      runToEnd: () => this.runToEnd(),
      step: () => this.step(),
      back: () => this.back(),
      goToStep: (steps) => this.goToStep(steps),
      togglePlay: () => this.togglePlay(),
      reset: () => this.reset(),
      setSpeed: (stepsPerSecond) => {
        this.player.stepsPerSecond = stepsPerSecond;
      },
      zoom: (steps) => this.map.zoom(steps),
      fit: () => this.map.fit(),
      zoomToChange: () => this.zoomToChange(),
      toggleBreakpointAtCaret: () => this.editor.toggleBreakpoint(this.editor.caretLine),
      runToCaret: () => this.runToLine(this.editor.caretLine),
      stop: () => {
        if (!this.player.playing && !this.runner.running) return false;
        this.player.pause();
        this.stopRunning();
        this.render();
        return true;
      },
    });
    setUpProjector(byId<HTMLButtonElement>('projector'), () => this.editor.relayout());
    setUpSnapshotInput(
      byId<HTMLInputElement>('snapshot-file'),
      (statement) => this.showSnapshot(statement),
      (why) => this.setStatus(why, true),
    );

    this.editor.onChange(() => {
      this.picker.saveEdits();
      if (this.loadedText !== null && this.editor.text !== this.loadedText) {
        this.player.pause();
        this.setStatus('edited: the next step starts the scenario over');
      }
    });
    this.editor.onGutterClick((line) => this.runToLine(line));

    if (!this.picker.start()) this.reset();
  }

  // --- actions --------------------------------------------------------------------------------

  /** Puts the map's cursor on a frame (the info line describes it). */
  select(pfn: number): void {
    this.map.select(pfn);
  }

  /** Where a frame's cell is on the page, in CSS pixels of the viewport; null when scrolled away. */
  cellPosition(pfn: number): { x: number; y: number } | null {
    return this.map.cellOnPage(pfn);
  }

  /** A scenario that loads a chosen snapshot into a machine large enough, run to its end. */
  private showSnapshot(statement: string): void {
    this.editor.text = `# A real Linux process from its snapshot (pageframe snapshot PID --out FILE).\n${SNAPSHOT_MACHINE}${statement}\n`;
    this.picker.saveEdits();
    this.runToEnd();
  }

  /** Zooms the map in on the frames the last statement changed, as large as they all fit. */
  zoomToChange(): void {
    const frames = this.session.lastChange?.frames;
    if (frames && frames.length > 0) this.map.zoomTo(frames);
  }

  /** Draws lines from a region's button to its frames' cells; base null takes them away. */
  private linkRegion(pid: number, base: number | null, button: HTMLElement | null): void {
    const view = this.session.view;
    if (base === null || !button || !view) this.links.unlink(this.map);
    else this.links.link(this.map, view.regionFrames(pid, base, MAX_LINKS), button, processColor(pid));
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

  /** Shows an example (with its kept edits unless `text` is given). */
  chooseExample(name: string, text?: string): void {
    this.picker.choose(name, text);
  }

  /**
   * Loads the editor's text into a fresh machine; false when it does not parse. Programs its
   * `exec` statements name are fetched first (the page loads again when they arrive).
   */
  reset(): boolean {
    this.player.pause();
    this.stopRunning();
    const programs = programsToFetch(this.editor.text);
    if (programs.length > 0) {
      this.loadedText = null;
      this.setStatus(`fetching ${programs.join(', ')}`);
      document.body.dataset.fetching = 'true';
      fetchPrograms(programs).then(
        () => {
          delete document.body.dataset.fetching;
          this.reset();
        },
        (error: Error) => {
          delete document.body.dataset.fetching;
          this.setStatus(`could not fetch a program: ${error.message}`, true);
        },
      );
      return false;
    }
    this.loadedText = this.editor.text;
    this.failuresShown = 0;
    const problem = this.session.load(this.loadedText, this.picker.fileName);
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

  // --- drawing --------------------------------------------------------------------------------

  private render(): void {
    this.links.clear();
    this.map.setLinked([], '');
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
    this.report.update(this.player.playing);
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
    byId<HTMLButtonElement>('zoom-change').disabled = (session.lastChange?.frames.length ?? 0) === 0;
    this.map.update(view.frameMapSource());
    const phys = view.physical();
    byId('map-summary').textContent =
      `${bytes(phys.totalFrames * 4096)}: ${phys.freeFrames} free of ${phys.usableFrames} usable frames, ` +
      `${view.allocatorKind}`;
    byId('map-summary').dataset.freeFrames = String(phys.freeFrames);
    this.processPanel.render(view);
    // Swap, when the machine has it: the hand outlined, the process's pages out in swap listed.
    const pid = this.processPanel.shownPid;
    const swap = swapState(view.machine, pid);
    if (swap || this.handShown) {
      this.map.setHand(swap?.hand ?? -1);
      this.map.render();
      this.handShown = swap !== null;
    }
    renderSwap(byId('swap-info'), swap, view.processes().find((p) => p.pid === pid)?.name ?? 'kernel');
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
