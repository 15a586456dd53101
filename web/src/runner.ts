/**
 * Running many statements without freezing the page: a run goes in slices of a few milliseconds
 * (the page draws and takes input between them, so Escape, Step or Reset stop it) until it ends or
 * reaches a stop (a breakpoint, the line run to). Used by the playground for Run and run-to-line.
 */

/** Milliseconds of statements a slice executes before it lets the page draw and take input. */
const SLICE_MS = 30;

export interface RunTarget {
  /** Whether to stop before running statement `step` (0-based, counted from the start). */
  stopBefore(step: number): boolean;
  /** Called when the run stopped (the end, a stop) with why: 'end' or 'stop'. */
  done(reason: 'end' | 'stop'): void;
}

export class Runner {
  private handle = 0;

  constructor(
    /** Statements run so far. */
    private readonly position: () => number,
    /** Runs one statement, saying what it changed when `explain`; false when the scenario is over. */
    private readonly stepOnce: (explain: boolean) => boolean,
    /** Called between slices: the page says how far the run has come. */
    private readonly progress: () => void,
  ) {}

  get running(): boolean {
    return this.handle !== 0 || document.body.dataset.running === 'true';
  }

  /**
   * Runs until the end or until `target.stopBefore` says stop (never before the first statement
   * it runs: a Run from a breakpoint goes on). The statement just before a stop is explained.
   */
  start(target: RunTarget): void {
    this.stop();
    document.body.dataset.running = 'true';
    const first = this.position();
    const slice = () => {
      this.handle = 0;
      const deadline = performance.now() + SLICE_MS;
      while (performance.now() < deadline) {
        const step = this.position();
        if (step > first && target.stopBefore(step)) {
          this.finish(target, 'stop');
          return;
        }
        if (!this.stepOnce(target.stopBefore(step + 1))) {
          this.finish(target, 'end');
          return;
        }
      }
      this.progress();
      this.handle = window.setTimeout(slice, 0);
    };
    slice();
  }

  stop(): void {
    if (this.handle !== 0) window.clearTimeout(this.handle);
    this.handle = 0;
    delete document.body.dataset.running;
  }

  private finish(target: RunTarget, reason: 'end' | 'stop'): void {
    this.stop();
    target.done(reason);
  }
}
