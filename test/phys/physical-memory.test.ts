import { describe, expect, it } from 'vitest';
import { AddressRangeError, AlignmentError, InvalidArgumentError } from '../../src/common/errors.js';
import { assertFrameAligned, FRAME_SIZE, PhysicalMemory } from '../../src/phys/physical-memory.js';

const CHUNK = 64 * 1024;

/** Index of the first differing byte, or -1 (toEqual on big typed arrays is slow). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('PhysicalMemory', () => {
  it('refuses sizes that are not positive multiples of a frame or exceed 4 GiB', () => {
    expect(() => new PhysicalMemory(0)).toThrow(InvalidArgumentError);
    expect(() => new PhysicalMemory(4097)).toThrow(InvalidArgumentError);
    expect(() => new PhysicalMemory(2 ** 32 + FRAME_SIZE)).toThrow(InvalidArgumentError);
    expect(new PhysicalMemory(2 ** 32).frameCount).toBe(2 ** 20);
  });

  it('backs RAM lazily: reads and zero fills of untouched memory cost nothing', () => {
    const ram = new PhysicalMemory(2 ** 32);
    expect(ram.backedBytes).toBe(0);
    expect(ram.read32(0xfff0_0000)).toBe(0);
    expect(ram.read8(12345)).toBe(0);
    ram.fill(0, 8 * CHUNK, 0);
    ram.zeroFrame(100);
    const out = new Uint8Array(100);
    ram.read(3 * CHUNK - 50, out);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(ram.backedBytes).toBe(0);
    ram.write8(0xffff_ffff, 7);
    expect(ram.backedBytes).toBe(CHUNK);
    expect(ram.read8(0xffff_ffff)).toBe(7);
    ram.write32(0x8000_0000, 0xdeadbeef);
    expect(ram.read32(0x8000_0000)).toBe(0xdeadbeef);
    expect(ram.read8(0x8000_0000)).toBe(0xef); // little-endian
    expect(ram.backedBytes).toBe(2 * CHUNK);
  });

  it('reads, writes and fills byte ranges across chunk boundaries', () => {
    const ram = new PhysicalMemory(16 * CHUNK);
    const data = new Uint8Array(3 * CHUNK);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
    const at = CHUNK - 1000;
    ram.write(at, data);
    expect(ram.backedBytes).toBe(4 * CHUNK);
    const back = new Uint8Array(data.length + 10);
    ram.read(at, back, 10);
    expect(firstDifference(back.subarray(10), data)).toBe(-1);
    expect(ram.read8(at - 1)).toBe(0);
    expect(ram.read8(at + data.length)).toBe(0);
    ram.fill(2 * CHUNK - 5, 10, 0xab);
    for (let i = -6; i < 11; i++) {
      const inside = i >= 0 && i < 10;
      expect(ram.read8(2 * CHUNK - 5 + i)).toBe(inside ? 0xab : data[2 * CHUNK - 5 + i - at]);
    }
  });

  it('copies between chunks and handles overlapping ranges like memmove', () => {
    const ram = new PhysicalMemory(8 * CHUNK);
    const data = new Uint8Array(CHUNK + 300);
    for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
    ram.write(100, data);
    ram.copy(5 * CHUNK - 17, 100, data.length); // disjoint, both cross chunks
    const out = new Uint8Array(data.length);
    ram.read(5 * CHUNK - 17, out);
    expect(firstDifference(out, data)).toBe(-1);
    ram.copy(150, 100, data.length); // forward overlap
    ram.read(150, out);
    expect(firstDifference(out, data)).toBe(-1);
    ram.write(100, data);
    ram.copy(60, 100, data.length); // backward overlap
    ram.read(60, out);
    expect(firstDifference(out, data)).toBe(-1);
  });

  it('copying from untouched memory into touched memory writes zeros', () => {
    const ram = new PhysicalMemory(4 * CHUNK);
    ram.fill(0, FRAME_SIZE, 0xff);
    ram.copy(0, 3 * CHUNK, FRAME_SIZE);
    expect(ram.read32(0)).toBe(0);
    expect(ram.read32(FRAME_SIZE - 4)).toBe(0);
  });

  it('frameBytes aliases RAM', () => {
    const ram = new PhysicalMemory(4 * CHUNK);
    const view = ram.frameBytes(17);
    view[5] = 42;
    expect(ram.read8(17 * FRAME_SIZE + 5)).toBe(42);
    ram.zeroFrame(17);
    expect(view[5]).toBe(0);
  });

  it('wordArrayOf lends the chunk of a word as signed int32, aliasing RAM once written', () => {
    const ram = new PhysicalMemory(4 * CHUNK);
    const pa = 2 * CHUNK + 0x1238;
    expect(ram.wordArrayOf(pa)[ram.wordIndexOf(pa)]).toBe(0); // the shared zero chunk
    ram.write32(pa, 0x80000007);
    const words = ram.wordArrayOf(pa);
    expect(ram.wordIndexOf(pa)).toBe(0x1238 / 4);
    expect(words[ram.wordIndexOf(pa)]).toBe(0x80000007 | 0);
    words[ram.wordIndexOf(pa) + 1] = -1;
    expect(ram.read32(pa + 4)).toBe(0xffffffff);
    expect(ram.wordArrayOf(pa + 8)).toBe(words); // the same chunk keeps its array
    expect(ram.wordArrayOf(pa - CHUNK)).not.toBe(words);
  });

  it('refuses ranges outside RAM and unaligned frame addresses', () => {
    const ram = new PhysicalMemory(4 * CHUNK);
    expect(() => ram.read(4 * CHUNK - 2, new Uint8Array(4))).toThrow(AddressRangeError);
    expect(() => ram.write(-1, new Uint8Array(1))).toThrow(AddressRangeError);
    expect(() => ram.fill(0, 4 * CHUNK + 1, 0)).toThrow(AddressRangeError);
    expect(() => ram.copy(0, 4 * CHUNK - 10, 20)).toThrow(AddressRangeError);
    expect(ram.backedBytes).toBe(0);
    expect(() => assertFrameAligned(4100, 'frame')).toThrow(AlignmentError);
    expect(() => assertFrameAligned(8192, 'frame')).not.toThrow();
  });
});
