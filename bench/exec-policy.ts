/**
 * What exact LRU costs a running program: bench/programs/cpu-loop run by the Linux personality on
 * a machine with swap (nothing is evicted: the cost is the reporting alone), under FIFO (the
 * hart's fast path, nothing reported) and under LRU (the hart reports every fetch, load and store
 * with its frame, and LRU moves the frame to the newest end). Fastest of a few runs, CPU time.
 * - mipsFifo, mipsLru: millions of instructions a second; lruSlowdown: mipsFifo / mipsLru.
 * Run by the `trace` suite.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hart, type HartContext } from '../src/cpu/hart.js';
import { Kernel } from '../src/kernel/kernel.js';
import { BufferedHost } from '../src/kernel/linux/host.js';
import { LinuxMachine } from '../src/kernel/linux/linux-machine.js';
import type { PolicyName } from '../src/swap/policies/replacement-policy.js';
import { BENCH_SOURCE_DIR, round } from './harness.js';

const PROGRAM = join(BENCH_SOURCE_DIR, 'programs', 'cpu-loop');
const SAMPLES = 3;

/** CPU seconds and instructions of one whole run under `policy`. */
function runOnce(image: Uint8Array, policy: PolicyName): { seconds: number; instructions: number } {
  const kernel = new Kernel({ format: 'sv39', ramBytes: 64 << 20, swapBytes: 8 << 20, policy });
  const machine = new LinuxMachine<HartContext>(
    kernel,
    new BufferedHost(),
    (mmu, memory) => new Hart(mmu, memory),
  );
  machine.exec(PROGRAM, image, [PROGRAM], []);
  const cpuStart = process.cpuUsage();
  if (!machine.run()) throw new Error('cpu-loop did not end');
  const cpu = process.cpuUsage(cpuStart);
  return { seconds: (cpu.user + cpu.system) / 1e6, instructions: machine.counters.instructions };
}

function mips(image: Uint8Array, policy: PolicyName): number {
  let best = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const run = runOnce(image, policy);
    best = Math.max(best, run.instructions / run.seconds / 1e6);
  }
  return best;
}

export function execPolicyFigures(): Record<string, number> {
  const image = new Uint8Array(readFileSync(PROGRAM));
  const fifo = mips(image, 'fifo');
  const lru = mips(image, 'lru');
  return { mipsFifo: round(fifo, 1), mipsLru: round(lru, 1), lruSlowdown: round(fifo / lru, 1) };
}
