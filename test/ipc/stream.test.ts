/** A long stream of messages: received areas merge, so the region limit is not the stream's length. */
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/kernel/kernel.js';
import { pattern } from './helpers.js';

const PAGE = 4096;

describe('a long stream of messages', () => {
  it.each(['copy', 'move', 'share'] as const)('%s: 200 received areas fit in a 16-region map', (kind) => {
    const kernel = new Kernel({ ramBytes: 16 << 20, format: 'x86-64', regionLimit: 16 });
    const baseline = kernel.pmm.allocatedFrames;
    const a = kernel.createProcess();
    const b = kernel.createProcess();
    const received: number[] = [];
    for (let i = 0; i < 200; i++) {
      const va = a.space.mapAnon(PAGE);
      a.space.write(va, pattern(PAGE, i));
      kernel.ipc.send(a.pid, b.pid, va, PAGE, kind);
      received.push(kernel.ipc.receive(b.pid)!.va);
      if (kind !== 'move') a.space.unmap(va, PAGE);
    }
    expect(b.space.regions.count).toBeLessThanOrEqual(4);
    const out = new Uint8Array(PAGE);
    let mismatches = 0;
    for (let i = 0; i < 200; i++) {
      b.space.read(received[i], out);
      if (Buffer.compare(out, pattern(PAGE, i)) !== 0) mismatches++;
    }
    expect(mismatches).toBe(0);
    kernel.check();
    kernel.exit(a.pid);
    kernel.exit(b.pid);
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  });
});
