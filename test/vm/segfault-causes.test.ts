import { describe, expect, it } from 'vitest';
import { Access } from '../../src/mmu/flags.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { AddressSpace } from '../../src/vm/address-space.js';
import { SegmentationFaultError } from '../../src/vm/errors.js';
import { bootVm } from '../../src/vm/vm-machine.js';

const FORMATS: FormatName[] = ['i386', 'x86-64', 'sv39'];

function segv(f: () => void): SegmentationFaultError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(SegmentationFaultError);
    return error as SegmentationFaultError;
  }
  throw new Error('no fault');
}

describe.each(FORMATS)('segmentation fault causes on %s', (format) => {
  it('tells a non-canonical address from kernel memory and from a hole', () => {
    const vm = bootVm({ ramBytes: 4 << 20, format });
    const f = vm.pageTables.format;
    const s = new AddressSpace(vm, { owner: 1, asid: format === 'i386' ? 0 : 1 });
    const va = s.vpmAlloc(1);
    const hole = segv(() => s.access(va + 4096, Access.Write));
    expect(hole.cause).toBe('unmapped');
    const kernel = segv(() => s.access(f.kernelBase));
    expect(kernel.cause).toBe('kernel-only');
    expect(kernel.message).toContain('kernel memory');
    // One past the highest canonical address, and below the lowest (sign-extended formats).
    const outside = [f.endVa, ...(f.signExtended ? [-f.endVa - 4096] : [-4096])];
    for (const address of outside) {
      for (const access of [Access.Read, Access.Write, Access.Execute]) {
        const fault = segv(() => s.access(address, access));
        expect(fault.cause).toBe('non-canonical');
        expect(fault.address).toBe(address);
        expect(fault.message).toContain('not a canonical address');
      }
      expect(segv(() => s.read(address, new Uint8Array(4))).cause).toBe('non-canonical');
      expect(segv(() => s.write(address, new Uint8Array(4))).cause).toBe('non-canonical');
    }
  });
});
