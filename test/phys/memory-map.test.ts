import { describe, expect, it } from 'vitest';
import { AddressRangeError, AlignmentError, InvalidArgumentError } from '../../src/common/errors.js';
import {
  defaultMemoryMap,
  FRAME_BUFFER_BASE,
  formatMemoryMap,
  KERNEL_IMAGE_BASE,
  KERNEL_IMAGE_BYTES,
  rangeAt,
  resolveMemoryMap,
  validateMemoryMap,
} from '../../src/phys/memory-map.js';
import type { MemoryRange } from '../../src/phys/types.js';

const MiB = 1024 * 1024;

function covers(map: MemoryRange[], ram: number): void {
  let at = 0;
  for (const range of map) {
    expect(range.base).toBe(at);
    at += range.length;
  }
  expect(at).toBe(ram);
}

describe('default memory map', () => {
  it('is PC-like for 64 MiB: IVT frame, conventional memory, legacy hole, kernel image, extended memory', () => {
    const map = defaultMemoryMap(64 * MiB);
    expect(map.map((r) => [r.base, r.length, r.type])).toEqual([
      [0, 4096, 'firmware'],
      [4096, 640 * 1024 - 4096, 'usable'],
      [640 * 1024, 384 * 1024, 'firmware'],
      [KERNEL_IMAGE_BASE, KERNEL_IMAGE_BYTES, 'kernel'],
      [2 * MiB, 62 * MiB, 'usable'],
    ]);
    covers(map, 64 * MiB);
    expect(() => validateMemoryMap(map, 64 * MiB)).not.toThrow();
  });

  it('has a device frame buffer and firmware flash below 4 GiB on a 4 GiB machine', () => {
    const map = defaultMemoryMap(2 ** 32);
    covers(map, 2 ** 32);
    const fb = rangeAt(map, FRAME_BUFFER_BASE);
    expect(fb?.type).toBe('device');
    expect(rangeAt(map, 2 ** 32 - 4096)?.type).toBe('firmware');
    expect(rangeAt(map, 0xfe00_0000)?.type).toBe('usable');
    expect(formatMemoryMap(map)).toContain('PCI frame buffer');
  });

  it('is cut at the end of a small machine', () => {
    const map = defaultMemoryMap(1536 * 1024);
    covers(map, 1536 * 1024);
    expect(map[map.length - 1]).toMatchObject({
      base: KERNEL_IMAGE_BASE,
      length: 512 * 1024,
      type: 'kernel',
    });
    covers(defaultMemoryMap(64 * 1024), 64 * 1024);
  });
});

describe('validateMemoryMap and resolveMemoryMap', () => {
  const ram = 16 * MiB;
  it('fills gaps with usable ranges and sorts', () => {
    const map = resolveMemoryMap(
      [
        { base: 8 * MiB, length: MiB, type: 'device' },
        { base: 4096, length: 4096, type: 'reserved' },
      ],
      ram,
    );
    expect(map.map((r) => [r.base, r.type])).toEqual([
      [0, 'usable'],
      [4096, 'reserved'],
      [8192, 'usable'],
      [8 * MiB, 'device'],
      [9 * MiB, 'usable'],
    ]);
    covers(map, ram);
    expect(resolveMemoryMap([], ram)).toEqual([{ base: 0, length: ram, type: 'usable' }]);
  });

  it('refuses unaligned, empty, unknown, outside and overlapping ranges, naming them', () => {
    expect(() => validateMemoryMap([{ base: 100, length: 4096, type: 'kernel' }], ram)).toThrow(
      AlignmentError,
    );
    expect(() => validateMemoryMap([{ base: 0, length: 4000, type: 'kernel' }], ram)).toThrow(AlignmentError);
    expect(() => validateMemoryMap([{ base: 0, length: 0, type: 'kernel' }], ram)).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      validateMemoryMap([{ base: 0, length: 4096, type: 'bogus' as MemoryRange['type'] }], ram),
    ).toThrow(/unknown type 'bogus'/);
    expect(() => validateMemoryMap([{ base: ram - 4096, length: 8192, type: 'device' }], ram)).toThrow(
      AddressRangeError,
    );
    expect(() => validateMemoryMap([{ base: -4096, length: 8192, type: 'device' }], ram)).toThrow(
      AddressRangeError,
    );
    expect(() =>
      validateMemoryMap(
        [
          { base: 0, length: 3 * 4096, type: 'kernel', label: 'kernel image' },
          { base: 8192, length: 4096, type: 'device', label: 'ioapic' },
        ],
        ram,
      ),
    ).toThrow(
      /0x00000000-0x00003000 kernel \(kernel image\) and 0x00002000-0x00003000 device \(ioapic\) overlap/,
    );
  });
});
