/**
 * Shared benchmark helpers. Every figure a suite reports is a ratio of two timings taken in the
 * same run, so a shared, noisy machine moves both sides together. Each measured function runs
 * a whole batch of operations (so call overhead does not swamp a 2 ns operation), and we keep
 * the fastest of many samples: interference from other processes, the garbage collector or a
 * late recompilation only ever adds time, so the fastest batch is the steadiest estimate of the
 * work itself (the median moved by 30 % between runs on this shared machine). Each suite also
 * states the noise it ran in: how far the median sample sat above the fastest, over its
 * measurements.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Bench } from 'tinybench';

/**
 * bench/ of the checkout, where committed inputs (programs/) live: the suites run compiled from
 * dist/bench, which holds only JavaScript.
 */
export const BENCH_SOURCE_DIR = join(checkoutRoot(import.meta.dirname), 'bench');

function checkoutRoot(folder: string): string {
  return existsSync(join(folder, 'package.json')) ? folder : checkoutRoot(dirname(folder));
}

// Median/fastest ratios of the measurements since the last startNoiseRecord().
let spreads: number[] = [];

export interface Measurement {
  /** Nanoseconds per operation in the fastest sample. */
  nsPerOp: number;
  /** Nanoseconds per operation in the median sample, for reference. */
  medianNsPerOp: number;
}

/**
 * Times `batch()` which performs `opsPerBatch` operations, returning the time per operation of
 * the fastest sample (and of the median one). `setup` runs before every sample (outside the timing) when given.
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
  const fastestMs = result.latency.min > 0 ? result.latency.min : medianMs;
  if (fastestMs > 0) spreads.push(medianMs / fastestMs);
  return { nsPerOp: (fastestMs * 1e6) / opsPerBatch, medianNsPerOp: (medianMs * 1e6) / opsPerBatch };
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

/** How noisy the machine was over a suite's measurements. */
export interface NoiseReport {
  /** Measurements taken. */
  measurements: number;
  /** Median over fastest sample, in the typical measurement (1 = no noise). */
  medianOverFastest: number;
  /** Median over fastest sample, in the noisiest measurement. */
  worstMedianOverFastest: number;
}

/** Starts collecting the noise of the measurements that follow; `finish()` summarizes them. */
export function startNoiseRecord(): { finish(): NoiseReport } {
  spreads = [];
  return {
    finish(): NoiseReport {
      const sorted = [...spreads].sort((a, b) => a - b);
      return {
        measurements: sorted.length,
        medianOverFastest: sorted.length > 0 ? round(sorted[sorted.length >> 1], 2) : 1,
        worstMedianOverFastest: sorted.length > 0 ? round(sorted[sorted.length - 1], 2) : 1,
      };
    },
  };
}
