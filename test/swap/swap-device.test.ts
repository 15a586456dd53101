import { describe, expect, it } from 'vitest';
import {
  DoubleFreeError,
  InvalidArgumentError,
  InvariantError,
  NotAllocatedError,
} from '../../src/common/errors.js';
import { PhysicalMemory } from '../../src/phys/physical-memory.js';
import { SwapDevice } from '../../src/swap/swap-device.js';

describe('SwapDevice', () => {
  it('hands out slots from 1 (slot 0 is the header), refuses when full, and frees at the last holder', () => {
    const device = new SwapDevice({ bytes: 4 * 4096 });
    expect(device.stats().slots).toBe(3);
    expect([device.allocSlot(), device.allocSlot(), device.allocSlot()]).toEqual([1, 2, 3]);
    expect(device.allocSlot()).toBe(-1);
    device.retain(2);
    expect(device.release(2)).toBe(false);
    expect(device.release(2)).toBe(true);
    expect(device.freeCount).toBe(1);
    expect(device.allocSlot()).toBe(2);
    expect(() => device.release(0)).toThrow(NotAllocatedError);
    device.release(1);
    expect(() => device.release(1)).toThrow(DoubleFreeError);
    device.check();
  });

  it('counts reads and writes, sums their latency, and backs its bytes only when written', () => {
    const device = new SwapDevice({ bytes: 64 << 20, latencyNs: 100_000 });
    expect(device.stats().backedBytes).toBe(0);
    const ram = new PhysicalMemory(16 * 4096);
    ram.fill(4096, 4096, 0xab);
    ram.write8(4096 + 17, 3);
    const slot = device.allocSlot();
    device.writePage(slot, ram, 4096);
    device.readPage(slot, ram, 3 * 4096);
    expect(ram.read8(3 * 4096 + 17)).toBe(3);
    expect(ram.read8(3 * 4096 + 4095)).toBe(0xab);
    expect(device.stats()).toEqual({
      slots: 16383,
      usedSlots: 1,
      reads: 1,
      writes: 1,
      waitNs: 200_000,
      backedBytes: 65536,
    });
  });

  it('refuses bad sizes and latencies by naming the field', () => {
    expect(() => new SwapDevice({ bytes: 4096 })).toThrow(/swapBytes: 4096/);
    expect(() => new SwapDevice({ bytes: 10_000 })).toThrow(InvalidArgumentError);
    expect(() => new SwapDevice({ bytes: 8192, latencyNs: -1 })).toThrow(/swapLatencyNs: -1/);
  });

  it('its checker finds a holder count that disagrees with the holders found', () => {
    const device = new SwapDevice({ bytes: 8 * 4096 });
    const slot = device.allocSlot();
    const expected = new Uint32Array(8);
    expected[slot] = 2;
    expect(() => device.check(expected)).toThrow(InvariantError);
    expected[slot] = 1;
    device.check(expected);
  });
});
