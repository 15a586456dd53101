/**
 * Replays one trace many times: under every policy at one resident limit (the comparison table),
 * and under each policy at every limit of a range (the faults-against-frames curve), with the
 * places where more frames gave more faults (Belady's anomaly). Used by the trace command and
 * the playground.
 */
import { InvalidArgumentError } from '../../common/errors.js';
import { POLICY_NAMES, type PolicyName } from '../../swap/policies/replacement-policy.js';
import type { MemoryTrace } from './memory-trace.js';
import { replayTrace, type TraceReplayOptions, type TraceReplayResult } from './trace-replay.js';

/** Largest number of points a curve may have (each is one replay per policy). */
export const MAX_CURVE_POINTS = 4096;

/** One replay of the trace under each policy, in POLICY_NAMES order. */
export function comparePolicies(
  trace: MemoryTrace,
  options: Omit<TraceReplayOptions, 'policy'>,
  policies: readonly PolicyName[] = POLICY_NAMES,
): TraceReplayResult[] {
  return policies.map((policy) => replayTrace(trace, { ...options, policy }));
}

export interface CurvePoint {
  frames: number;
  /** Page faults of each policy at this many frames. */
  faults: Record<PolicyName, number>;
}

/** More frames, more faults: the anomaly FIFO shows and the stack algorithms (LRU, OPT) cannot. */
export interface Anomaly {
  policy: PolicyName;
  frames: number;
  faults: number;
  /** The limit one frame less, and its faults (fewer). */
  fewerFrames: number;
  fewerFaults: number;
}

export interface FaultCurve {
  points: CurvePoint[];
  anomalies: Anomaly[];
}

/** Page faults of each policy at every resident limit from `from` to `to` frames. */
export function faultCurve(
  trace: MemoryTrace,
  from: number,
  to: number,
  options: Omit<TraceReplayOptions, 'policy' | 'frames'> = {},
  policies: readonly PolicyName[] = POLICY_NAMES,
): FaultCurve {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to < from) {
    throw new InvalidArgumentError(`a curve needs whole frame counts 1 <= FROM <= TO, not ${from}..${to}`);
  }
  if (to - from + 1 > MAX_CURVE_POINTS) {
    throw new InvalidArgumentError(`a curve has at most ${MAX_CURVE_POINTS} points, not ${to - from + 1}`);
  }
  const points: CurvePoint[] = [];
  const anomalies: Anomaly[] = [];
  for (let frames = from; frames <= to; frames++) {
    const faults = {} as Record<PolicyName, number>;
    for (const policy of policies) {
      faults[policy] = replayTrace(trace, { ...options, policy, frames }).pageFaults;
      const before = points[points.length - 1];
      if (before !== undefined && faults[policy] > before.faults[policy]) {
        anomalies.push({
          policy,
          frames,
          faults: faults[policy],
          fewerFrames: before.frames,
          fewerFaults: before.faults[policy],
        });
      }
    }
    points.push({ frames, faults });
  }
  return { points, anomalies };
}
