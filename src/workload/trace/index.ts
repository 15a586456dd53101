/**
 * The public names of memory pressure's periphery: the page-replacement policies, memory-access
 * traces (parsers, replay, comparison and curve) and the hart's lackey recorder. src/index.ts
 * re-exports them.
 */
export { LackeyRecorder } from '../../cpu/lackey-recorder.js';
export {
  createPolicy,
  DEFAULT_SEED,
  FutureUnknownError,
  isPolicyName,
  needsFuture,
  POLICY_NAMES,
  type PolicyName,
  type ReferenceBits,
  type ReplacementPolicy,
  wantsReportedAccesses,
} from '../../swap/policies/replacement-policy.js';
export { LackeyParser, parseLackey } from './lackey-parser.js';
export { ACCESS_OF_KIND, AccessKind as TraceAccessKind, MemoryTrace } from './memory-trace.js';
export { parseRw, RwParser } from './rw-parser.js';
export {
  type Anomaly,
  type CurvePoint,
  comparePolicies,
  type FaultCurve,
  faultCurve,
  MAX_CURVE_POINTS,
} from './trace-comparison.js';
export { TraceAddressError, TraceSyntaxError } from './trace-errors.js';
export {
  createTraceParser,
  guessTraceFormat,
  MEMORY_TRACE_FORMATS,
  type MemoryTraceFormat,
  type TraceParser,
} from './trace-format.js';
export type { TracePager } from './trace-pager.js';
export { nextUses, type TracePages, tracePages } from './trace-pages.js';
export { replayTrace, TraceReplay, type TraceReplayOptions, type TraceReplayResult } from './trace-replay.js';
