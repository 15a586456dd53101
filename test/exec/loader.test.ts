import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/kernel/kernel.js';
import { parseElf } from '../../src/kernel/linux/elf.js';
import { AuxKey, layOutInitialStack } from '../../src/kernel/linux/initial-stack.js';
import { loadProgram } from '../../src/kernel/linux/program-loader.js';
import { growStack } from '../../src/kernel/linux/stack-growth.js';
import { Access, FaultCause } from '../../src/mmu/flags.js';
import { SegmentationFaultError } from '../../src/vm/errors.js';

const hello = new Uint8Array(readFileSync(new URL('../../examples/programs/hello', import.meta.url)));

describe('loadProgram', () => {
  it('maps each PT_LOAD as a region with its protection, file bytes in place, .bss zero', () => {
    const kernel = new Kernel({ format: 'sv39', ramBytes: 32 << 20 });
    const baseline = kernel.pmm.allocatedFrames;
    const p = kernel.createProcess('hello');
    const image = parseElf(hello);
    const loaded = loadProgram(p.space, image, 'hello');
    const [text, data] = image.loads;
    const dataEnd = data.vaddr + data.memoryBytes;
    expect(loaded.entry).toBe(image.entry);
    expect(loaded.programHeaders).toBe(0x10040);
    expect(loaded.breakStart).toBe(Math.ceil(dataEnd / 4096) * 4096);
    const regions = p.space.regions.usedRegions();
    expect(regions.map((r) => [r.base, r.ceiling, r.protection, r.name])).toEqual([
      [0x10000, Math.ceil((text.vaddr + text.memoryBytes) / 4096) * 4096, 5, 'hello'],
      [Math.floor(data.vaddr / 4096) * 4096, Math.ceil(dataEnd / 4096) * 4096, 3, 'hello'],
    ]);
    const entryBytes = new Uint8Array(16);
    p.space.read(image.entry, entryBytes);
    expect([...entryBytes]).toEqual([...hello.subarray(image.entry - 0x10000, image.entry - 0x10000 + 16)]);
    const lastFileByte = new Uint8Array(2);
    p.space.read(data.vaddr + data.fileBytes - 1, lastFileByte);
    expect(lastFileByte[0]).toBe(hello[data.offset + data.fileBytes - 1]);
    expect(lastFileByte[1]).toBe(0); // .bss starts zeroed
    expect(() => p.space.write(image.entry, new Uint8Array(1))).toThrow(SegmentationFaultError);
    kernel.check();
    kernel.exit(p.pid);
    kernel.check();
    expect(kernel.pmm.allocatedFrames).toBe(baseline);
  });
});

describe('layOutInitialStack', () => {
  it('puts argc, argv, envp and the auxiliary vector from sp up, 16-byte aligned', () => {
    const top = 0x40_0000_0000;
    const random = Uint8Array.from({ length: 16 }, (_, k) => k + 1);
    const stack = layOutInitialStack({
      top,
      argv: ['prog', 'one'],
      envp: ['A=1'],
      executableName: '/bin/prog',
      random,
      auxiliary: [[AuxKey.PageSize, 4096]],
    });
    expect(stack.sp % 16).toBe(0);
    expect(stack.sp + stack.bytes.length).toBe(top);
    const view = new DataView(stack.bytes.buffer);
    const word = (i: number): number => Number(view.getBigUint64(i * 8, true));
    const text = (address: number): string => {
      const at = address - stack.sp;
      return new TextDecoder().decode(stack.bytes.subarray(at, stack.bytes.indexOf(0, at)));
    };
    expect(word(0)).toBe(2);
    expect(text(word(1))).toBe('prog');
    expect(text(word(2))).toBe('one');
    expect(word(3)).toBe(0);
    expect(text(word(4))).toBe('A=1');
    expect(word(5)).toBe(0);
    expect([word(6), word(7)]).toEqual([AuxKey.PageSize, 4096]);
    expect(word(8)).toBe(AuxKey.Random);
    expect([...stack.bytes.subarray(word(9) - stack.sp, word(9) - stack.sp + 16)]).toEqual([...random]);
    expect(word(10)).toBe(AuxKey.ExecutableName);
    expect(text(word(11))).toBe('/bin/prog');
    expect([word(12), word(13)]).toEqual([0, 0]);
    expect(stack.executableNameAddress + '/bin/prog'.length + 1).toBe(top - 8);
  });
});

describe('growStack', () => {
  it('extends the stack region down to a faulting page within the limit, and no further', () => {
    const kernel = new Kernel({ format: 'sv39', ramBytes: 16 << 20 });
    const p = kernel.createProcess('stack');
    const top = p.space.end;
    p.space.mapAnon(8192, { at: top - 8192, name: '[stack]' });
    const stack = { top, limitBytes: 64 << 10 };
    expect(growStack(p.space, stack, top - 8192 - 1)).toBe(true);
    expect(p.space.regions.usedRegions()).toMatchObject([
      { base: top - 12288, ceiling: top, name: '[stack]' },
    ]);
    expect(growStack(p.space, stack, top - (60 << 10))).toBe(true);
    expect(p.space.regions.usedRegions()[0].base).toBe(top - (60 << 10));
    expect(growStack(p.space, stack, top - (64 << 10) - 1)).toBe(false); // past the limit
    expect(growStack(p.space, stack, top - 100)).toBe(false); // inside: not a growth
    p.space.handleFault(top - (60 << 10), Access.Write, FaultCause.NotPresent);
    kernel.check();
    kernel.exit(p.pid);
    kernel.check();
  });
});
