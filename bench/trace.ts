/**
 * Trace replay and replacement-policy figures (issue 12's periphery), taken in one run:
 * - replayAccessesPerSec: a TLB-friendly trace (16 pages read word by word, over and over, every
 *   page resident) replayed through the whole stack (the trace's typed arrays, Mmu.translate,
 *   the policy's touch for LRU); millions of accesses a second, goal >= 10;
 * - replayVsTranslate: the same replay / a bare loop of Mmu.translate over the same addresses
 *   (what the driver adds over the MMU);
 * - policyMs.{fifo,lru,opt}: a whole replay (kernel boot, the next-use pass, every fault and
 *   eviction) of a 1-million-access trace with locality (a working set that drifts over 4096
 *   pages) at a 256-frame limit; goal: well under a second each.
 * Exported as traceFigures() for the swap suite, and run alone as the `trace` suite, which adds
 * execPolicy (bench/exec-policy.ts: what exact LRU costs a running program).
 */
import { Random } from '../src/common/random.js';
import { Access, Mode } from '../src/mmu/flags.js';
import type { PolicyName } from '../src/swap/policies/replacement-policy.js';
import { AccessKind, MemoryTrace } from '../src/workload/trace/memory-trace.js';
import { TraceReplay } from '../src/workload/trace/trace-replay.js';
import { execPolicyFigures } from './exec-policy.js';
import { consume, measure, round } from './harness.js';

const PAGE = 4096;
const BASE = 0x10000000;

/** 16 pages read 8 bytes at a time, `rounds` times: one TLB miss a page in the first round only. */
function friendlyTrace(rounds: number): MemoryTrace {
  const trace = new MemoryTrace(rounds * 16 * 512);
  for (let r = 0; r < rounds; r++)
    for (let page = 0; page < 16; page++)
      for (let word = 0; word < 512; word++) trace.add(BASE + page * PAGE + word * 8, AccessKind.Read);
  return trace;
}

/** A million accesses: runs of 1 to 64 reads in a page chosen near a working set that drifts. */
function driftingTrace(): MemoryTrace {
  const random = new Random(12);
  const trace = new MemoryTrace(1 << 20);
  let centre = 0;
  while (trace.count < 1_000_000) {
    centre = (centre + (random.below(100) === 0 ? 64 : 0)) % 4096;
    const page = (centre + Math.floor(random.below(512) * random.next())) % 4096;
    const run = 1 + random.below(64);
    const kind = random.below(4) === 0 ? AccessKind.Write : AccessKind.Read;
    for (let k = 0; k < run && trace.count < 1_000_000; k++)
      trace.add(BASE + page * PAGE + random.below(512) * 8, kind);
  }
  return trace;
}

async function replaySpeed(): Promise<{
  accessesPerSec: number;
  lruAccessesPerSec: number;
  vsTranslate: number;
}> {
  const trace = friendlyTrace(16);
  const fifo = new TraceReplay(trace, { policy: 'fifo' });
  fifo.run(); // every page resident from here on
  const replay = await measure('replay fifo', trace.count, () => consume(fifo.run().tlbHits));
  const lru = new TraceReplay(trace, { policy: 'lru' });
  lru.run();
  const replayLru = await measure('replay lru', trace.count, () => consume(lru.run().tlbHits));
  const mmu = fifo.kernel.mmu;
  fifo.process.space.activate();
  const addresses = trace.addresses;
  const translate = await measure('translate', trace.count, () => {
    let sum = 0;
    for (let i = 0; i < addresses.length; i++) sum += mmu.translate(addresses[i], Access.Read, Mode.User);
    consume(sum);
  });
  return {
    accessesPerSec: 1e9 / replay.nsPerOp,
    lruAccessesPerSec: 1e9 / replayLru.nsPerOp,
    vsTranslate: replay.nsPerOp / translate.nsPerOp,
  };
}

async function policyMs(): Promise<Record<string, number>> {
  const trace = driftingTrace();
  const out: Record<string, number> = {};
  for (const policy of ['fifo', 'lru', 'opt'] as PolicyName[]) {
    const whole = await measure(
      `1M accesses ${policy}`,
      1,
      () => consume(new TraceReplay(trace, { policy, frames: 256 }).run().pageFaults),
      { time: 0, iterations: 3 },
    );
    out[policy] = round(whole.nsPerOp / 1e6, 1);
  }
  return out;
}

/** The figures above, for any suite that wants them. */
export async function traceFigures(): Promise<Record<string, number | object>> {
  const speed = await replaySpeed();
  return {
    replayAccessesPerSec: round(speed.accessesPerSec / 1e6, 1) * 1e6,
    replayLruAccessesPerSec: round(speed.lruAccessesPerSec / 1e6, 1) * 1e6,
    replayVsTranslate: round(speed.vsTranslate, 2),
    policyMs: await policyMs(),
  };
}

export async function run(): Promise<Record<string, number | object>> {
  return { ...(await traceFigures()), execPolicy: execPolicyFigures() };
}
