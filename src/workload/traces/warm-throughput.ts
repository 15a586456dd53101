/**
 * Warm throughput of an allocator on a trace, measured as a benchmark does: one warm-up pass, then
 * passes without payload checks until at least `minMilliseconds` of replaying have passed, the
 * allocator emptied between passes outside the timing. Used by `pageframe replay --bench` and by
 * the heap benchmark for ours and @thi.ng/malloc alike, so both get exactly the same protocol.
 */
import type { RepTrace } from '../rep-trace.js';
import { type ReplayAllocator, replayFast } from './replay.js';

/** The default least time of the timed passes. */
export const WARM_MILLISECONDS = 300;

export interface WarmSubject {
  allocator: ReplayAllocator;
  /** Empties the allocator after a pass (not timed): every block the pass left is gone. */
  reset(): void;
}

export interface WarmThroughput {
  /** Timed passes (the warm-up not included). */
  passes: number;
  /** Seconds of the timed passes. */
  seconds: number;
  opsPerSec: number;
}

export function warmThroughput(
  trace: RepTrace,
  subject: WarmSubject,
  minMilliseconds = WARM_MILLISECONDS,
): WarmThroughput {
  const addresses = new Float64Array(trace.idCount);
  const pass = (): number => {
    addresses.fill(0);
    const start = performance.now();
    replayFast(trace, subject.allocator, addresses);
    const elapsed = performance.now() - start;
    subject.reset();
    return elapsed;
  };
  pass(); // warm-up
  let passes = 0;
  let milliseconds = 0;
  while (milliseconds < minMilliseconds || passes === 0) {
    milliseconds += pass();
    passes++;
  }
  const seconds = milliseconds / 1000;
  return {
    passes,
    seconds,
    opsPerSec: seconds > 0 ? (passes * trace.kinds.length) / seconds : Number.POSITIVE_INFINITY,
  };
}
