/**
 * The report panel: what `pageframe run --report` prints, as far as the run has come. Used by the
 * playground (app.ts), which asks for it after every redraw.
 */
import { plural } from './status-view.js';

/**
 * Builds the report only when someone can read it: the machine's report walks every process's
 * mappings (about 10 ms at 100 processes), too much to spend on each Step for a panel scrolled out
 * of view. A redraw while the panel is hidden marks it stale (`data-stale` on the text); it is
 * built when the panel comes into view. While playing it waits for the pause.
 */
export class ReportPanel {
  private visible = false;
  private stale = true;
  private playing = false;

  constructor(
    panel: HTMLElement,
    private readonly text: HTMLElement,
    private readonly stepLabel: HTMLElement,
    private readonly build: () => { report: string; stepsRun: number },
  ) {
    new IntersectionObserver((entries) => {
      this.visible = entries.some((entry) => entry.isIntersecting);
      if (this.visible && this.stale && !this.playing) this.show();
    }).observe(panel);
    this.markStale();
  }

  /** After a redraw: the run moved on (or was reset); shown now only if in view and not playing. */
  update(playing: boolean): void {
    this.playing = playing;
    if (playing) {
      this.markStale();
      this.stepLabel.textContent = 'playing: shown when paused';
    } else if (this.visible) this.show();
    else this.markStale();
  }

  private markStale(): void {
    this.stale = true;
    this.text.dataset.stale = '';
  }

  private show(): void {
    const { report, stepsRun } = this.build();
    this.text.textContent = report;
    this.stepLabel.textContent = stepsRun > 0 ? `after ${plural(stepsRun, 'step')}` : '';
    this.stale = false;
    delete this.text.dataset.stale;
  }
}
