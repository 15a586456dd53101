/**
 * Deterministic malloc traces in the spirit of malloc-lab's standard ones (same seed, same trace,
 * byte for byte). Each pattern stresses one thing an allocator can get wrong; sizes are chosen so
 * the live payload reaches a few MiB, the scale of a real program's heap.
 */
import { Random } from '../../common/random.js';
import { type RepTrace, RepTraceBuilder } from '../rep-trace.js';

export type TracePattern =
  | 'random'
  | 'binary'
  | 'binary2'
  | 'coalescing'
  | 'realloc'
  | 'realloc-strings'
  | 'strings'
  | 'phases';

export const TRACE_PATTERNS: readonly TracePattern[] = [
  'random',
  'binary',
  'binary2',
  'coalescing',
  'realloc',
  'realloc-strings',
  'strings',
  'phases',
];

/** Generates the trace of `pattern`; `scale` multiplies its length (1 = the benchmark's size). */
export function generateTrace(pattern: TracePattern, seed = 1, scale = 1): RepTrace {
  const rng = new Random(seed);
  const t = new RepTraceBuilder(`${pattern}-${seed}`);
  const n = (count: number) => Math.max(1, Math.round(count * scale));
  switch (pattern) {
    case 'random': {
      // Random sizes and random lifetimes: grow to a working set, then churn at that level.
      const live: number[] = [];
      const target = n(2000);
      for (let i = 0; i < n(24000); i++) {
        const grow = live.length < target ? 0.7 : 0.5;
        if (live.length === 0 || rng.next() < grow) live.push(t.alloc(rng.between(1, 4096)));
        else t.free(takeRandom(live, rng));
      }
      for (const id of live) t.free(id);
      break;
    }
    case 'binary':
    case 'binary2': {
      // Alternating small and big blocks; all the big ones are freed, then slightly bigger ones
      // are asked for, which the freed holes cannot hold.
      const [small, big, bigger] = pattern === 'binary' ? [64, 448, 512] : [16, 112, 128];
      const count = n(pattern === 'binary' ? 4000 : 6000);
      const smalls: number[] = [];
      const bigs: number[] = [];
      for (let i = 0; i < count; i++) {
        smalls.push(t.alloc(small));
        bigs.push(t.alloc(big));
      }
      for (const id of bigs) t.free(id);
      const biggers: number[] = [];
      for (let i = 0; i < count; i++) biggers.push(t.alloc(bigger));
      for (const id of smalls) t.free(id);
      for (const id of biggers) t.free(id);
      break;
    }
    case 'coalescing': {
      // Pairs of neighbours freed together, then blocks the size of a pair.
      for (let round = 0; round < 4; round++) {
        const pairs: number[] = [];
        for (let i = 0; i < n(400); i++) pairs.push(t.alloc(4095), t.alloc(4095));
        for (const id of pairs) t.free(id);
        const doubles: number[] = [];
        for (let i = 0; i < n(400); i++) doubles.push(t.alloc(8190));
        for (const id of doubles) t.free(id);
      }
      break;
    }
    case 'realloc': {
      // One buffer grows steadily while small blocks come and go around it.
      const buffer = t.alloc(512);
      let size = 512;
      const smalls: number[] = [];
      for (let i = 0; i < n(4800); i++) {
        size += 128;
        t.realloc(buffer, size);
        smalls.push(t.alloc(128));
        if (smalls.length > 8) t.free(smalls.shift()!);
      }
      for (const id of smalls) t.free(id);
      t.free(buffer);
      break;
    }
    case 'realloc-strings': {
      // Many strings built by appending: each grows in small steps by realloc.
      const live: Array<[number, number]> = [];
      for (let i = 0; i < n(20000); i++) {
        const r = rng.next();
        if (live.length < 50 || r < 0.55) live.push([t.alloc(rng.between(8, 40)), 0]);
        if (r < 0.9) {
          const entry = live[rng.below(live.length)];
          entry[1] = entry[1] === 0 ? 48 : entry[1] + rng.between(1, 64);
          if (entry[1] < 6000) t.realloc(entry[0], entry[1]);
        } else if (live.length > 0) {
          const j = rng.below(live.length);
          t.free(live[j][0]);
          live[j] = live[live.length - 1];
          live.pop();
        }
      }
      for (const [id] of live) t.free(id);
      break;
    }
    case 'strings': {
      // Many short strings and small nodes, as a compiler's front end makes (malloc-lab's cccp,
      // cp-decl and expr traces): half are kept to the end (symbols, interned names), the rest
      // live in nested scopes freed together.
      const kept: number[] = [];
      const stack: number[][] = [[]];
      for (let i = 0; i < n(60000); i++) {
        const r = rng.next();
        if (r < 0.02 && stack.length < 40) stack.push([]);
        else if (r < 0.035 && stack.length > 1) {
          for (const id of stack.pop()!) t.free(id);
        } else if (r < 0.9) {
          const size = rng.next() < 0.8 ? rng.between(1, 48) : rng.between(48, 300);
          if (rng.next() < 0.5) kept.push(t.alloc(size));
          else stack[stack.length - 1].push(t.alloc(size));
        } else {
          const frame = stack[rng.below(stack.length)];
          if (frame.length > 0) t.free(takeRandom(frame, rng));
        }
      }
      for (const frame of stack) for (const id of frame) t.free(id);
      for (const id of kept) t.free(id);
      break;
    }
    case 'phases': {
      // A program's life: long-lived tables, then phases of short-lived work of varied sizes,
      // with an occasional big buffer.
      const longLived: number[] = [];
      for (let i = 0; i < n(3000); i++) longLived.push(t.alloc(rng.between(16, 256)));
      for (let phase = 0; phase < 6; phase++) {
        const work: number[] = [];
        for (let i = 0; i < n(3000); i++) {
          const r = rng.next();
          const size =
            r < 0.6 ? rng.between(8, 128) : r < 0.95 ? rng.between(128, 2048) : rng.between(16384, 262144);
          work.push(t.alloc(size));
          if (rng.next() < 0.3) t.free(takeRandom(work, rng));
        }
        for (const id of work) t.free(id);
        if (longLived.length > 0 && phase % 2 === 1) t.free(takeRandom(longLived, rng));
      }
      for (const id of longLived) t.free(id);
      break;
    }
  }
  return t.build();
}

/** Removes and returns a random element (order not kept). */
function takeRandom(list: number[], rng: Random): number {
  const i = rng.below(list.length);
  const value = list[i];
  list[i] = list[list.length - 1];
  list.pop();
  return value;
}
