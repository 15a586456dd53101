/**
 * The memory system calls against a reference model: a window of 32 pages, each unmapped or
 * mapped with a protection and a byte the program last wrote. Random mmap (fixed), munmap,
 * mprotect, mremap, madvise and writes must leave the regions, the contents and the machine as
 * the model says, and every frame must come back at exit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/kernel/kernel.js';
import { Errno } from '../../src/kernel/linux/errno.js';
import { MapFlag, madvise, mmap, mprotect, mremap, munmap } from '../../src/kernel/linux/memory-syscalls.js';

const PAGE = 4096;
const PAGES = 32;
const BASE = 0x100_0000;

type Operation =
  | { kind: 'map'; first: number; count: number; protection: number }
  | { kind: 'unmap'; first: number; count: number }
  | { kind: 'protect'; first: number; count: number; protection: number }
  | { kind: 'write'; page: number; value: number }
  | { kind: 'dontneed'; first: number; count: number }
  | { kind: 'shrink'; first: number; count: number; keep: number };

const range = fc
  .tuple(fc.integer({ min: 0, max: PAGES - 1 }), fc.integer({ min: 1, max: 8 }))
  .map(([first, count]) => ({ first, count: Math.min(count, PAGES - first) }));
const protection = fc.constantFrom(0, 1, 3, 5, 7);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc
    .record({ r: range, protection })
    .map(({ r, protection }) => ({ kind: 'map' as const, ...r, protection })),
  range.map((r) => ({ kind: 'unmap' as const, ...r })),
  fc
    .record({ r: range, protection })
    .map(({ r, protection }) => ({ kind: 'protect' as const, ...r, protection })),
  fc
    .record({ page: fc.integer({ min: 0, max: PAGES - 1 }), value: fc.integer({ min: 1, max: 255 }) })
    .map((w) => ({ kind: 'write' as const, ...w })),
  range.map((r) => ({ kind: 'dontneed' as const, ...r })),
  fc
    .record({ r: range, keep: fc.integer({ min: 1, max: 8 }) })
    .map(({ r, keep }) => ({ kind: 'shrink' as const, ...r, keep })),
);

/** Per page: -1 unmapped, else the protection; and the byte at its start. */
interface Model {
  protection: number[];
  value: number[];
}

describe('memory system calls against a page model', () => {
  it('agree with the model after every operation', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (operations) => {
        const kernel = new Kernel({ format: 'sv39', ramBytes: 8 << 20 });
        const baseline = kernel.pmm.allocatedFrames;
        const process = kernel.createProcess('model');
        const space = process.space;
        const model: Model = { protection: new Array(PAGES).fill(-1), value: new Array(PAGES).fill(0) };
        const mapped = (first: number, count: number) =>
          model.protection.slice(first, first + count).every((p) => p >= 0);
        for (const op of operations) {
          switch (op.kind) {
            case 'map': {
              const va = BASE + op.first * PAGE;
              expect(
                mmap(
                  space,
                  va,
                  op.count * PAGE,
                  op.protection,
                  MapFlag.Private | MapFlag.Anonymous | MapFlag.Fixed,
                ),
              ).toBe(va);
              for (let k = op.first; k < op.first + op.count; k++) {
                model.protection[k] = op.protection;
                model.value[k] = 0;
              }
              break;
            }
            case 'unmap':
              expect(munmap(space, BASE + op.first * PAGE, op.count * PAGE)).toBe(0);
              for (let k = op.first; k < op.first + op.count; k++) model.protection[k] = -1;
              break;
            case 'protect': {
              const ok = mapped(op.first, op.count);
              expect(mprotect(space, BASE + op.first * PAGE, op.count * PAGE, op.protection)).toBe(
                ok ? 0 : -Errno.ENOMEM,
              );
              if (ok)
                for (let k = op.first; k < op.first + op.count; k++) model.protection[k] = op.protection;
              break;
            }
            case 'write': {
              const allowed = model.protection[op.page] >= 0 && (model.protection[op.page] & 2) !== 0;
              if (!allowed) break;
              space.write(BASE + op.page * PAGE, Uint8Array.of(op.value));
              model.value[op.page] = op.value;
              break;
            }
            case 'dontneed': {
              const ok = mapped(op.first, op.count);
              expect(madvise(space, BASE + op.first * PAGE, op.count * PAGE, 4)).toBe(ok ? 0 : -Errno.ENOMEM);
              if (ok) for (let k = op.first; k < op.first + op.count; k++) model.value[k] = 0;
              break;
            }
            case 'shrink': {
              // mremap shrink of a range inside one region: the tail goes.
              const same =
                mapped(op.first, op.count) &&
                new Set(model.protection.slice(op.first, op.first + op.count)).size === 1;
              if (!same || op.keep >= op.count) break;
              const region = space.regions.find(BASE + op.first * PAGE);
              if (space.regions.ceiling(region) < BASE + (op.first + op.count) * PAGE) break;
              expect(mremap(space, BASE + op.first * PAGE, op.count * PAGE, op.keep * PAGE, 0)).toBe(
                BASE + op.first * PAGE,
              );
              for (let k = op.first + op.keep; k < op.first + op.count; k++) model.protection[k] = -1;
              break;
            }
          }
          kernel.check();
          for (let k = 0; k < PAGES; k++) {
            const va = BASE + k * PAGE;
            const i = space.regions.find(va);
            const type = space.regions.type(i);
            expect([k, type === 0 ? -1 : space.regions.protection(i)]).toEqual([k, model.protection[k]]);
          }
        }
        for (let k = 0; k < PAGES; k++) {
          if (model.protection[k] < 0 || !(model.protection[k] & 1)) continue;
          const byte = new Uint8Array(1);
          space.read(BASE + k * PAGE, byte);
          expect([k, byte[0]]).toEqual([k, model.value[k]]);
        }
        kernel.exit(process.pid);
        kernel.check();
        expect(kernel.pmm.allocatedFrames).toBe(baseline);
      }),
      { numRuns: 60 },
    );
  });
});
