/**
 * Shared benchmark helpers. Every figure a suite reports is a ratio of two timings taken in the
 * same run, so a shared, noisy machine moves both sides together. Each measured function runs
 * a whole batch of operations (so call overhead does not swamp a 2 ns operation), and we keep
 * the median of several samples.
 */
import { Bench } from 'tinybench';

export interface Measurement {
  /** Median nanoseconds per operation. */
  nsPerOp: number;
}

/**
 * Times `batch()` which performs `opsPerBatch` operations, returning the median time per
 * operation. `setup` runs before every sample (outside the timing) when given.
 */
export async function measure(
  name: string,
  opsPerBatch: number,
  batch: () => void,
  options: { time?: number; iterations?: number; setup?: () => void } = {},
): Promise<Measurement> {
  const bench = new Bench({
    time: options.time ?? 300,
    iterations: options.iterations ?? 10,
    warmup: true,
    warmupIterations: 3,
  });
  bench.add(name, batch, options.setup ? { beforeEach: options.setup } : {});
  await bench.run();
  const result = bench.tasks[0].result;
  if (result?.state !== 'completed') {
    throw new Error(`benchmark ${name} did not complete: ${JSON.stringify(result)}`);
  }
  const medianMs = result.latency.p50 ?? result.latency.mean;
  return { nsPerOp: (medianMs * 1e6) / opsPerBatch };
}

/** Keeps a value alive so the JIT cannot drop the work that produced it. */
export let blackhole = 0;
export function consume(value: number): void {
  blackhole = (blackhole + value) | 0;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
