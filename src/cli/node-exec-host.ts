/**
 * The exec host for Node: host files read whole and read-only, the command's own standard
 * streams (synchronous, so output interleaves as the program wrote it), the host's clocks.
 * `pageframe exec` uses it.
 */
import { readFileSync, readSync, statSync, writeSync } from 'node:fs';
import type { ExecHost } from '../kernel/linux/host.js';

export class NodeExecHost implements ExecHost {
  private readonly start = process.hrtime.bigint();

  readFile(path: string): Uint8Array | undefined {
    try {
      if (!statSync(path).isFile()) return undefined;
      return new Uint8Array(readFileSync(path));
    } catch {
      return undefined;
    }
  }

  readInput(target: Uint8Array): number {
    for (;;) {
      try {
        return readSync(0, target, 0, target.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue; // a non-blocking stdin: wait for data
        if (code === 'EOF') return 0;
        throw error;
      }
    }
  }

  writeOutput(stream: 1 | 2, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      try {
        done += writeSync(stream, bytes, done, bytes.length - done);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
    }
  }

  realtimeNanoseconds(): bigint {
    return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  }

  monotonicNanoseconds(): bigint {
    return process.hrtime.bigint() - this.start;
  }
}
