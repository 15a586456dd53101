/**
 * The fault path walks the tables once: the faulting translation walks, the handler writes the
 * leaf, and Mmu.preload fills the TLB from it. The entry and the leaf it leaves are those the
 * old path (handler, then a second translate that walks) leaves.
 */
import { describe, expect, it } from 'vitest';
import { Access, FaultCause } from '../../src/mmu/flags.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { AddressSpace } from '../../src/vm/address-space.js';
import { NO_ENTRY } from '../../src/vm/fault-handler.js';
import { NO_TABLE } from '../../src/vm/leaf-writer.js';
import { type BootedVm, bootVm } from '../../src/vm/vm-machine.js';

const PAGE = 4096;
const FORMATS: FormatName[] = ['i386', 'x86-64', 'sv39'];
const ACCESSES = [Access.Read, Access.Write] as const;

interface Booted {
  vm: BootedVm;
  space: AddressSpace;
  va: number;
}

/** A space with 4 anonymous pages, the first faulted in so that their leaf table exists. */
function boot(format: FormatName): Booted {
  const vm = bootVm({ ramBytes: 8 << 20, format, tlb: { entries: 16, ways: 4 } });
  const space = new AddressSpace(vm, { owner: 1, asid: format === 'i386' ? 0 : 1 });
  const va = space.mapAnon(4 * PAGE);
  space.access(va, Access.Read);
  return { vm, space, va };
}

/** What the tables and the TLB say about `va` after a fault there. */
function state({ vm, space }: Booted, va: number) {
  const leaf = space.leaf;
  const table = leaf.leafTableOf(space.root, va);
  expect(table).not.toBe(NO_TABLE);
  const at = leaf.entryAddress(table, va);
  const words = [vm.memory.read32(at), vm.pageTables.format.entryBytes === 8 ? vm.memory.read32(at + 4) : 0];
  const entries = vm.mmu.tlb.snapshot().filter((entry) => entry.va === va);
  expect(vm.mmu.tlbDisagreements()).toEqual([]);
  return { words, entries };
}

describe('fault preload', () => {
  for (const format of FORMATS) {
    for (const access of ACCESSES) {
      const name = access === Access.Write ? 'write' : 'read';
      it(`${format}: a ${name} fault walks once and preloads the entry a walk would`, () => {
        const booted = boot(format);
        const { vm, space, va } = booted;
        const page = va + PAGE;
        const walks = vm.mmu.walks;
        const misses = vm.mmu.tlb.misses;
        const pa = space.access(page, access);
        expect(vm.mmu.walks - walks).toBe(1);
        expect(vm.mmu.tlb.misses - misses).toBe(2);
        const preloaded = state(booted, page);
        expect(preloaded.entries).toHaveLength(1);

        // The old path on an identical machine: the handler, then a translate that walks.
        const twin = boot(format);
        twin.space.activate();
        twin.space.handleFault(page, access, FaultCause.NotPresent);
        const before = twin.vm.mmu.walks;
        expect(twin.vm.mmu.translate(page, access, twin.space.mode)).toBe(pa);
        expect(twin.vm.mmu.walks - before).toBe(1);
        expect(preloaded).toEqual(state(twin, page));
      });
    }

    it(`${format}: a copy-in faults each page in with one walk and then hits`, () => {
      const booted = boot(format);
      const { vm, space, va } = booted;
      const walks = vm.mmu.walks;
      space.fill(va + PAGE, 3 * PAGE, 0x5a);
      expect(vm.mmu.walks - walks).toBe(3);
      for (let page = va + PAGE; page < va + 4 * PAGE; page += PAGE) {
        expect(state(booted, page).entries).toHaveLength(1);
      }
    });

    it(`${format}: a copy-on-write break preloads the writable entry`, () => {
      const booted = boot(format);
      const { vm, space, va } = booted;
      space.access(va + PAGE, Access.Read);
      const child = space.fork(2, format === 'i386' ? 0 : 2);
      space.activate();
      const walks = vm.mmu.walks;
      space.access(va + PAGE, Access.Write);
      expect(vm.mmu.walks - walks).toBe(1);
      expect(state(booted, va + PAGE).entries).toHaveLength(1);
      child.activate();
      const byte = new Uint8Array(1);
      child.read(va + PAGE, byte);
      expect(byte).toEqual(new Uint8Array(1));
    });
  }

  it('falls back to a walk when the handler made a leaf table', () => {
    const vm = bootVm({ ramBytes: 8 << 20, format: 'i386' });
    const space = new AddressSpace(vm, { owner: 1, asid: 0 });
    const va = space.mapAnon(PAGE);
    space.activate();
    expect(space.handleFault(va, Access.Write, FaultCause.NotPresent)).toBe(NO_ENTRY);
  });
});
