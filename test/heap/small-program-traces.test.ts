/**
 * The small-program traces: `examples/traces/*.rep` are exactly what the generator writes (seed 1),
 * each uses the reference driver's rules (realloc and free of empty ids), and each replays through
 * a process heap with payload checking, every frame given back at the end.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayText } from '../../src/cli/replay-command.js';
import { formatRep, parseRep, RepOp } from '../../src/workload/rep-trace.js';
import { generateSmallProgram, SMALL_PROGRAMS } from '../../src/workload/traces/small-programs.js';

const DIR = join(import.meta.dirname, '../../examples/traces');

describe.each(SMALL_PROGRAMS)('small-program trace %s', (program) => {
  const file = join(DIR, `${program}.rep`);
  const text = readFileSync(file, 'utf8');

  it('is what the generator writes, and uses realloc and free of empty ids', () => {
    expect(text).toBe(formatRep(generateSmallProgram(program, 1)));
    const trace = parseRep(text, file);
    const live = new Uint8Array(trace.idCount);
    let reallocOfEmpty = 0;
    let freeOfEmpty = 0;
    for (let i = 0; i < trace.kinds.length; i++) {
      const id = trace.ids[i];
      if (trace.kinds[i] === RepOp.Alloc) live[id] = 1;
      else if (trace.kinds[i] === RepOp.Realloc) {
        if (!live[id]) reallocOfEmpty++;
        live[id] = 1;
      } else if (id >= 0) {
        if (!live[id]) freeOfEmpty++;
        live[id] = 0;
      }
    }
    expect(reallocOfEmpty).toBeGreaterThanOrEqual(1);
    expect(freeOfEmpty).toBeGreaterThanOrEqual(1);
    expect(trace.kinds.length).toBeGreaterThanOrEqual(10000);
  });

  it('replays through a process heap with payload checking', () => {
    const outcome = replayText(text, file, { seed: 1, check: true, progress: false });
    const r = outcome.result;
    expect(r.ops).toBe(parseRep(text).kinds.length);
    expect(r.utilization).toBeGreaterThan(0);
    expect(r.residentUtilization).toBeGreaterThanOrEqual(r.utilization);
    expect(outcome.report.processes[0].heap?.liveBlocks).toBe(0);
  });
});
