import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { Kernel, type KernelConfig } from '../../src/kernel/index.js';

/** Each bad field, and a word its message must carry besides the field's name. */
const BAD: [string, KernelConfig, string][] = [
  ['maxProcesses', { maxProcesses: 0 }, '1 to 65534'],
  ['maxProcesses', { maxProcesses: 65535 }, '1 to 65534'],
  ['maxProcesses', { maxProcesses: 2.5 }, '1 to 65534'],
  ['maxProcesses', { maxProcesses: Number.NaN }, '1 to 65534'],
  ['regionLimit', { regionLimit: 0 }, 'from 1'],
  ['regionLimit', { regionLimit: 1.5 }, 'from 1'],
  ['mailboxDepth', { mailboxDepth: -1 }, 'from 1'],
  ['format', { format: 'arm' as KernelConfig['format'] }, "'sv39'"],
  ['tlb.entries', { tlb: { entries: 48 } }, 'power of two'],
  ['tlb.ways', { tlb: { entries: 16, ways: 32 } }, 'power of two'],
  ['tlb', { tlb: 5 as unknown as KernelConfig['tlb'] }, 'object'],
  // The physical fields are the physical memory manager's, checked before it allocates RAM.
  ['RAM size', { ramBytes: 1000 }, 'multiple of 4096'],
  ['RAM size', { ramBytes: 2 ** 33 }, '4 GiB'],
  ['allocator', { allocator: 'slab' as KernelConfig['allocator'] }, 'buddy or first-fit'],
  ['fill policy', { fill: 'ones' as KernelConfig['fill'] }, 'zero, junk or none'],
  ['wrapFrames', { wrapFrames: 3 as unknown as KernelConfig['wrapFrames'] }, 'function'],
];

describe('KernelConfig validation', () => {
  it.each(BAD)(
    '%s: a bad value is an InvalidArgumentError naming the field and the range',
    (field, config, accepted) => {
      let thrown: unknown;
      try {
        new Kernel({ ramBytes: 4 << 20, ...config });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidArgumentError);
      const message = (thrown as Error).message;
      expect(message).toContain(field);
      expect(message).toContain(accepted);
    },
  );

  it('accepts the bounds of every range', () => {
    const kernel = new Kernel({
      ramBytes: 4 << 20,
      maxProcesses: 1,
      regionLimit: 1,
      mailboxDepth: 1,
      tlb: { entries: 1, ways: 1 },
    });
    expect(kernel.maxProcesses).toBe(1);
    expect(new Kernel({ ramBytes: 4 << 20, maxProcesses: 65534 }).maxProcesses).toBe(65534);
  });
});
