/**
 * The heap on its own over an ArrayBuffer or a WebAssembly.Memory: the C interface on byte offsets,
 * payloads in the caller's buffer, demand-zero memory for calloc, 0 when the buffer is full, a
 * WebAssembly.Memory grown as the heap needs, and whole traces replayed with payload checking.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { BufferHeap } from '../../src/heap/buffer-heap.js';
import { heapAllocator } from '../../src/workload/traces/heap-allocator.js';
import { replay } from '../../src/workload/traces/replay.js';
import { generateSmallProgram, SMALL_PROGRAMS } from '../../src/workload/traces/small-programs.js';

describe('BufferHeap', () => {
  it('hands out offsets into the caller ArrayBuffer, where the payloads live', () => {
    const buffer = new ArrayBuffer(1 << 20);
    const heap = new BufferHeap(buffer);
    const bytes = new Uint8Array(buffer);
    const p = heap.malloc(100);
    expect(p).toBe(65536); // the first area, aligned to its size above the reserved first page
    bytes.fill(0xab, p, p + 100);
    const q = heap.realloc(p, 5000);
    expect(bytes.subarray(q, q + 100).every((x) => x === 0xab)).toBe(true);
    const aligned = heap.memalign(256, 300);
    expect(aligned % 256).toBe(0);
    const big = heap.malloc(200000);
    expect(big % 4096).toBe(0);
    bytes.fill(7, big, big + 200000);
    heap.free(big);
    heap.trim(); // the freed range was cached; now it goes back
    // A range is zeroed as it goes back, so calloc of fresh memory needs no fill.
    expect(bytes.subarray(big, big + 200000).every((x) => x === 0)).toBe(true);
    const zeroed = heap.calloc(50, 40);
    expect(bytes.subarray(zeroed, zeroed + 2000).every((x) => x === 0)).toBe(true);
    heap.check();
    for (const va of [q, aligned, zeroed]) heap.free(va);
    heap.trim();
    heap.check();
    expect(heap.footprint).toBe(0);
    expect(heap.memory.reservedBytes).toBe(0);
  });

  it('returns 0 when the buffer is full, and changes nothing', () => {
    const heap = new BufferHeap(new ArrayBuffer(256 * 1024));
    const blocks: number[] = [];
    for (let va = heap.malloc(60000); va !== 0; va = heap.malloc(60000)) blocks.push(va);
    expect(blocks.length).toBe(4); // 252 KiB above the first page: four ranges of 15 pages
    const before = JSON.stringify(heap.stats());
    expect(heap.malloc(60000)).toBe(0);
    expect(JSON.stringify(heap.stats())).toBe(before);
    heap.check();
  });

  it('grows a WebAssembly.Memory as the heap needs more', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 64 });
    const heap = new BufferHeap(memory);
    const blocks: number[] = [];
    for (let i = 0; i < 100; i++) blocks.push(heap.malloc(10000));
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(1_000_000);
    const bytes = heap.bytes;
    expect(bytes.buffer).toBe(memory.buffer);
    for (const va of blocks) bytes.fill(va & 0xff, va, va + 10000);
    for (const va of blocks) expect(bytes[va + 9999]).toBe(va & 0xff);
    heap.check();
  });

  it('rejects a start that is not a positive multiple of the page', () => {
    expect(() => new BufferHeap(new ArrayBuffer(65536), { start: 0 })).toThrow(InvalidArgumentError);
    expect(() => new BufferHeap(new ArrayBuffer(65536), { start: 100 })).toThrow(InvalidArgumentError);
  });

  it.each(SMALL_PROGRAMS)('replays the %s trace with payload checking', (program) => {
    const heap = new BufferHeap(new ArrayBuffer(16 << 20));
    const result = replay(generateSmallProgram(program, 2), heapAllocator(heap), {
      check: heap.memory,
      alignment: 16,
    });
    expect(result.ops).toBeGreaterThan(10000);
    heap.check();
    heap.releaseAll();
    expect(heap.memory.reservedBytes).toBe(0);
  });
});
