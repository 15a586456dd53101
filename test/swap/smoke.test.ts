/**
 * The first thing swap must do, on each format: a process three times the size of RAM is written,
 * read back whole, forked, written copy-on-write, and ends with every slot given back.
 */
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/kernel/kernel.js';

describe('swap smoke', () => {
  for (const format of ['i386', 'x86-64', 'sv39'] as const) {
    it(`pushes a process out and reads it back (${format})`, () => {
      const kernel = new Kernel({ ramBytes: 256 * 1024, format, swapBytes: 4 << 20 });
      const p = kernel.createProcess('big');
      const pages = 200;
      const va = p.space.mapAnon(pages * 4096);
      const page = new Uint8Array(4096);
      for (let k = 0; k < pages; k++) {
        page.fill(k & 0xff);
        page[0] = k >> 8;
        p.space.write(va + k * 4096, page);
      }
      kernel.check();
      const got = new Uint8Array(4096);
      for (let k = 0; k < pages; k++) {
        p.space.read(va + k * 4096, got);
        expect(got[1]).toBe(k & 0xff);
        expect(got[0]).toBe(k >> 8);
      }
      kernel.check();
      expect(p.space.faults.swapIn).toBeGreaterThan(0);
      const child = kernel.fork(p.pid);
      kernel.check();
      for (let k = 0; k < pages; k += 7) {
        child.space.read(va + k * 4096, got);
        expect(got[1]).toBe(k & 0xff);
      }
      page.fill(0xee);
      child.space.write(va, page);
      p.space.read(va, got);
      expect(got[1]).toBe(0);
      kernel.check();
      kernel.exit(child.pid);
      kernel.check();
      kernel.exit(p.pid);
      kernel.check();
      expect(kernel.machine.swap?.device.stats().usedSlots).toBe(0);
    });
  }
});
