import { describe, expect, it } from 'vitest';
import { NONE } from '../../src/heap/heap-constants.js';
import { HoleIndex } from '../../src/heap/hole-index.js';

describe('HoleIndex.shrinkRecords', () => {
  it('gives back the room for records past the limit, moving a hole whose record lies there', () => {
    const holes = new HoleIndex(256);
    holes.resize(1);
    const bytes = holes.byteLength;
    // One-unit holes at 0, 2, ..., 128: 65 records, past the first room of 64.
    for (let unit = 0; unit <= 128; unit += 2) holes.free(unit, 1);
    expect(holes.recordCapacity).toBe(128);
    // Freeing unit 1 merges the holes at 0 and 2: 64 holes again, one of them on record 64.
    holes.free(1, 1);
    expect(holes.count).toBe(64);
    holes.shrinkRecords(64);
    expect(holes.recordCapacity).toBe(64);
    expect(holes.byteLength).toBe(bytes);
    // Every hole is still found and taken exactly: the three-unit one, then 63 one-unit ones.
    expect(holes.find(3, 1)).toBe(0);
    holes.take(holes.foundHole, 0, 3);
    const starts: number[] = [];
    for (let start = holes.find(1, 1); start !== NONE; start = holes.find(1, 1)) {
      holes.take(holes.foundHole, start, 1);
      starts.push(start);
    }
    expect(starts.sort((a, b) => a - b)).toEqual(Array.from({ length: 63 }, (_, i) => 4 + 2 * i));
    expect(holes.count).toBe(0);
  });

  it('keeps the room while more holes than the limit are in use', () => {
    const holes = new HoleIndex(256);
    holes.resize(1);
    for (let unit = 0; unit <= 128; unit += 2) holes.free(unit, 1);
    holes.shrinkRecords(64);
    expect(holes.recordCapacity).toBe(128);
    expect(holes.count).toBe(65);
  });
});
