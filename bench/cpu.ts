/**
 * The cpu suite: how fast the RISC-V hart runs a CPU-bound program (bench/programs/cpu-loop, a
 * committed binary built from cpu-loop.c), each figure the fastest of several whole runs. Speeds
 * are instructions per second of the process's CPU time (user + system, every thread), which a
 * shared machine disturbs far less than wall time; the wall-time figures are given beside them.
 * - mips: millions of instructions a second with every fetch, load and store translated by the
 *   Sv39 MMU and TLB (tables in RAM) behind the hart's fast translation cache;
 * - mipsFlat: the same interpreter on flat memory (the hart's flat option: addresses are
 *   physical, the MMU is never consulted);
 * - mmuOverhead: mipsFlat / mips (goal <= 1.3);
 * - instructions, tlbMisses and walks of one run through the MMU; qemuMips when qemu-riscv64 is
 *   there (its JIT, for scale), and the ratio qemuVsHart.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestMachine } from '../test/cpu/machine.js';
import { BENCH_SOURCE_DIR, round } from './harness.js';

const PROGRAM = join(BENCH_SOURCE_DIR, 'programs', 'cpu-loop');
const EXPECTED_STATUS = 107; // what the program exits with under qemu-riscv64
const SAMPLES = 7;

interface Run {
  /** CPU seconds of the run, and wall seconds. */
  seconds: number;
  wallSeconds: number;
  instructions: number;
  tlbMisses: number;
  walks: number;
}

function runOnce(image: Uint8Array, flat: boolean): Run {
  const machine = new TestMachine({ flat });
  machine.loadElf(image);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = machine.runToExit(1e10);
  const cpu = process.cpuUsage(cpuStart);
  const wallSeconds = (performance.now() - start) / 1000;
  const seconds = (cpu.user + cpu.system) / 1e6;
  if (result.status !== EXPECTED_STATUS) {
    throw new Error(`cpu-loop exited with ${result.status}, not ${EXPECTED_STATUS}`);
  }
  return {
    seconds,
    wallSeconds,
    instructions: result.instructions,
    tlbMisses: machine.mmu.tlb.misses,
    walks: machine.mmu.walks,
  };
}

function fastest(image: Uint8Array, flat: boolean): Run {
  let best: Run | null = null;
  for (let i = 0; i < SAMPLES; i++) {
    const run = runOnce(image, flat);
    if (best === null || run.seconds < best.seconds) best = run;
  }
  return best as Run;
}

/**
 * qemu-riscv64's speed on the same program, for scale: CPU time of ten runs in one shell (start-up
 * and translation included), the shell's `times` giving its children's user and system time.
 */
function qemuMips(instructions: number): number | null {
  const runs = 10;
  const script = `for i in $(seq ${runs}); do qemu-riscv64 '${PROGRAM}'; done; echo status $?; times`;
  const result = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  const lines = (result.stdout ?? '').trim().split('\n');
  if (lines[0] !== `status ${EXPECTED_STATUS}`) return null;
  const times = [...(lines[2] ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map(
    (m) => Number(m[1]) * 60 + Number(m[2]),
  );
  const seconds = times.length === 2 ? times[0] + times[1] : 0;
  return seconds > 0 ? (runs * instructions) / seconds / 1e6 : null;
}

export async function run(): Promise<Record<string, number | string>> {
  const image = new Uint8Array(readFileSync(PROGRAM));
  // Interleaved warm-up of both modes, so neither is measured on colder code. On a busy machine
  // the optimizing compiler's thread may finish late: the fastest sample is taken anyway.
  for (let i = 0; i < 3; i++) {
    runOnce(image, true);
    runOnce(image, false);
  }
  const translated = fastest(image, false);
  const flat = fastest(image, true);
  const mips = translated.instructions / translated.seconds / 1e6;
  const mipsFlat = flat.instructions / flat.seconds / 1e6;
  const figures: Record<string, number | string> = {
    mips: round(mips, 1),
    mipsFlat: round(mipsFlat, 1),
    mmuOverhead: round(mipsFlat / mips),
    mipsWall: round(translated.instructions / translated.wallSeconds / 1e6, 1),
    mipsFlatWall: round(flat.instructions / flat.wallSeconds / 1e6, 1),
    instructions: translated.instructions,
    tlbMisses: translated.tlbMisses,
    walks: translated.walks,
  };
  const qemu = qemuMips(translated.instructions);
  if (qemu !== null) {
    figures.qemuMips = round(qemu, 0);
    figures.qemuVsHart = round(qemu / mips, 1);
  }
  return figures;
}
