/**
 * Play at a speed: calls `tick` a given number of times a second until it says the run is over
 * or `pause` is called. At high speeds several steps run per animation frame, so the page draws
 * once per frame, not once per step.
 */
export class Player {
  private handle = 0;
  private last = 0;
  private owed = 0;
  stepsPerSecond = 4;

  constructor(
    /** Runs one step; returns false when there is nothing left to run. */
    private readonly tick: () => boolean,
    /** Called once per animation frame in which steps ran, and when play stops. */
    private readonly draw: () => void,
    private readonly onStateChange: (playing: boolean) => void,
  ) {}

  get playing(): boolean {
    return this.handle !== 0;
  }

  play(): void {
    if (this.playing) return;
    this.last = performance.now();
    this.owed = 1; // the first step comes at once
    this.handle = requestAnimationFrame((now) => this.frame(now));
    this.onStateChange(true);
  }

  pause(): void {
    if (!this.playing) return;
    cancelAnimationFrame(this.handle);
    this.handle = 0;
    this.onStateChange(false);
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  private frame(now: number): void {
    this.owed += ((now - this.last) / 1000) * this.stepsPerSecond;
    this.last = now;
    let ran = false;
    let more = true;
    // Never more than a frame's worth of work, however far behind the clock is.
    const budget = Math.min(Math.floor(this.owed), Math.max(1, Math.ceil(this.stepsPerSecond / 30)));
    for (let i = 0; i < budget && more; i++) {
      more = this.tick();
      ran = true;
      this.owed -= 1;
    }
    this.owed = Math.min(this.owed, budget + 1);
    if (ran) this.draw();
    if (!more) {
      this.handle = 0;
      this.onStateChange(false);
      return;
    }
    this.handle = requestAnimationFrame((t) => this.frame(t));
  }
}
