/**
 * `pageframe replay` on a machine too small for the trace: running out of frames while the driver
 * writes a payload is reported with the file and the operation, as a ReplayError.
 */
import { describe, expect, it } from 'vitest';
import { replayText } from '../../src/cli/replay-command.js';
import { ReplayError } from '../../src/workload/traces/replay.js';

/** Sixty-four 64 KiB blocks: 4 MiB of payload. */
function bigTrace(): string {
  const ops = Array.from({ length: 64 }, (_, i) => `a ${i} 65536`);
  return ['0', '64', '64', '1', ...ops, ''].join('\n');
}

describe('replay out of memory', () => {
  it('names the file and the operation when writing a payload runs out of frames', () => {
    let caught: unknown;
    try {
      replayText(bigTrace(), 'big.rep', { seed: 1, check: true, progress: false, ram: 2 * 1024 * 1024 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ReplayError);
    expect((caught as Error).message).toMatch(
      /^big\.rep: operation \d+: writing the 65536-byte payload at 0x[0-9a-f]+: .*frame/,
    );
  });
});
