/**
 * Writes a hart's memory accesses as valgrind lackey lines (`I  ADDR,SIZE`, ` L ADDR,SIZE`,
 * ` S ADDR,SIZE`, ` M ADDR,SIZE`), in large chunks handed to a sink, so a run of the model can be
 * replayed by `pageframe trace` or read by any lackey tool. Set `hart.onAccess = recorder.record`;
 * a hart with no recorder pays nothing. Used by `pageframe exec --trace-out`.
 */
import type { AccessKind, AccessRecorder } from './memory-port.js';

/** Lackey's prefix of each kind, indexed by AccessKind (Load, Store, Fetch, Modify). */
const PREFIX_OF_KIND = [' L ', ' S ', 'I  ', ' M '];
/** Lines gathered before the sink gets them. */
const LINES_PER_CHUNK = 65536;

export class LackeyRecorder {
  /** Accesses recorded so far. */
  accesses = 0;
  private readonly sink: (text: string) => void;
  private lines: string[] = [];
  /** The recorder to give the hart (bound once: no closure per access). */
  readonly record: AccessRecorder;

  constructor(sink: (text: string) => void) {
    this.sink = sink;
    this.record = (kind: AccessKind, va: number, size: number): void => {
      this.lines.push(`${PREFIX_OF_KIND[kind]}${va.toString(16).padStart(8, '0')},${size}\n`);
      this.accesses++;
      if (this.lines.length >= LINES_PER_CHUNK) this.flush();
    };
  }

  /** Hands every line gathered so far to the sink. */
  flush(): void {
    if (this.lines.length === 0) return;
    this.sink(this.lines.join(''));
    this.lines = [];
  }
}
