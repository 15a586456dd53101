/**
 * Random sequences of map / map phys / unmap / protect / write / read / fork / exit / ppm_free
 * across several processes, against a reference model (per process: page -> protection and bytes;
 * PHYS pages share the bytes of their frame), with the kernel's invariant checker after every
 * step, on every page-table format.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusyError, LimitError, NotAllocatedError, OutOfMemoryError } from '../../src/common/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { Process } from '../../src/kernel/process.js';
import type { FormatName } from '../../src/mmu/page-table-format.js';
import { SegmentationFaultError } from '../../src/vm/errors.js';
import { FailingFrameSource } from '../../src/vm/failing-frame-source.js';
import { Protection } from '../../src/vm/region-types.js';
import { kernelState } from './kernel-state.js';

const WINDOW = 0x400000;
const PAGES = 20;
const PAGE = 4096;
const MAX_LIVE = 5;
/** Directly allocated frames that PHYS regions map (a shared buffer, as a frame buffer would be). */
const POOL = 3;

interface ModelPage {
  protection: number;
  /** A PHYS page's bytes are its frame's, shared by every mapping of it (and kept by fork). */
  data: Uint8Array;
  /** The pool frame a PHYS page maps, or -1 for ANON. */
  frame: number;
}
type ModelSpace = Array<ModelPage | null>;

const protectionArb = fc.constantFrom(Protection.None, Protection.Read, Protection.ReadWrite, Protection.All);
const rangeArb = fc.record({ first: fc.nat(PAGES - 1), count: fc.integer({ min: 1, max: 6 }) });
const baseOpArb = fc.oneof(
  fc.record({
    kind: fc.constant('map' as const),
    proc: fc.nat(),
    range: rangeArb,
    protection: protectionArb,
  }),
  fc.record({
    kind: fc.constant('mapPhys' as const),
    proc: fc.nat(),
    first: fc.nat(PAGES - 1),
    frame: fc.nat(POOL - 1),
    count: fc.integer({ min: 1, max: POOL }),
    protection: protectionArb,
  }),
  fc.record({ kind: fc.constant('ppmFree' as const), proc: fc.nat(), frame: fc.nat(POOL - 1) }),
  fc.record({ kind: fc.constant('unmap' as const), proc: fc.nat(), range: rangeArb }),
  fc.record({
    kind: fc.constant('protect' as const),
    proc: fc.nat(),
    range: rangeArb,
    protection: protectionArb,
  }),
  fc.record({
    kind: fc.constant('write' as const),
    proc: fc.nat(),
    offset: fc.nat(PAGES * PAGE - 1),
    length: fc.integer({ min: 1, max: 3 * PAGE }),
    value: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('read' as const),
    proc: fc.nat(),
    offset: fc.nat(PAGES * PAGE - 1),
    length: fc.integer({ min: 1, max: 3 * PAGE }),
  }),
  fc.record({ kind: fc.constant('fork' as const), proc: fc.nat(), eager: fc.boolean() }),
  fc.record({ kind: fc.constant('exit' as const), proc: fc.nat() }),
);
/** Each operation may run with the k-th frame allocation inside it failing. */
const opArb = fc.tuple(baseOpArb, fc.option(fc.nat(4), { freq: 4 }));

function allows(page: ModelPage | null, write: boolean): boolean {
  if (!page) return false;
  const p = page.protection;
  return write ? (p & Protection.Write) !== 0 : (p & (Protection.Read | Protection.Write)) !== 0;
}

/** The segmentation fault the model expects for an access, or null when it is allowed. */
function expectedFault(model: ModelSpace, offset: number, length: number, write: boolean) {
  const end = Math.min(offset + length, PAGES * PAGE);
  for (let p = Math.floor(offset / PAGE); p * PAGE < offset + length; p++) {
    if (p >= PAGES) return { address: WINDOW + Math.max(offset, p * PAGE), cause: 'unmapped' };
    if (!allows(model[p], write)) {
      return { address: WINDOW + Math.max(offset, p * PAGE), cause: model[p] ? 'protection' : 'unmapped' };
    }
  }
  void end;
  return null;
}

function segv(f: () => void): SegmentationFaultError | null {
  try {
    f();
    return null;
  } catch (error) {
    if (error instanceof SegmentationFaultError) return error;
    throw error;
  }
}

type Op = typeof baseOpArb extends fc.Arbitrary<infer T> ? T : never;

function runSequence(format: FormatName, steps: Array<[Op, number | null]>, regionLimit: number): void {
  let failing: FailingFrameSource | undefined;
  const kernel = new Kernel({
    format,
    ramBytes: 4 << 20,
    tlb: { entries: 16, ways: 2 },
    regionLimit,
    wrapFrames: (pmm) => {
      failing = new FailingFrameSource(pmm);
      return failing;
    },
  });
  const baseline = kernel.pmm.allocatedFrames;
  const pool = kernel.pmm.allocContiguous(POOL);
  const poolData = Array.from({ length: POOL }, () => new Uint8Array(PAGE));
  const live: Array<{ process: Process; model: ModelSpace }> = [];
  const first = kernel.createProcess('init');
  first.space.mapAnon(PAGE, { at: WINDOW - PAGE, name: 'guard' }); // keeps the window's tables apart from 0
  live.push({ process: first, model: new Array<ModelPage | null>(PAGES).fill(null) });
  for (const [op, failAt] of steps) {
    const before = kernelState(kernel);
    if (failAt !== null) failing!.failAfter(failAt);
    try {
      apply(op);
    } catch (error) {
      // Running out of frames or regions is allowed anywhere; it must change nothing.
      if (!(error instanceof OutOfMemoryError || error instanceof LimitError)) throw error;
      expect(kernelState(kernel)).toEqual(before);
    } finally {
      failing!.disarm();
    }
    kernel.check();
    // Each pool frame: the allocation's reference and one per PHYS page that names it.
    for (let f = 0; f < POOL; f++) {
      let mappings = 0;
      for (const { model } of live) for (const page of model) if (page?.frame === f) mappings++;
      expect(kernel.pmm.refCountOf(pool + f * PAGE)).toBe(1 + mappings);
    }
  }
  for (const { process } of live) kernel.exit(process.pid);
  kernel.check();
  kernel.pmm.free(pool, POOL);
  expect(kernel.pmm.allocatedFrames).toBe(baseline);

  function apply(op: Op): void {
    const entry = live[op.proc % live.length];
    const space = entry.process.space;
    const model = entry.model;
    switch (op.kind) {
      case 'map': {
        const count = Math.min(op.range.count, PAGES - op.range.first);
        const va = WINDOW + op.range.first * PAGE;
        const busy = model.slice(op.range.first, op.range.first + count).some((p) => p !== null);
        if (busy) {
          expect(() => space.mapAnon(count * PAGE, { at: va, protection: op.protection })).toThrow(BusyError);
        } else {
          space.mapAnon(count * PAGE, { at: va, protection: op.protection });
          for (let p = op.range.first; p < op.range.first + count; p++) {
            model[p] = { protection: op.protection, data: new Uint8Array(PAGE), frame: -1 };
          }
        }
        break;
      }
      case 'mapPhys': {
        const count = Math.min(op.count, POOL - op.frame, PAGES - op.first);
        const va = WINDOW + op.first * PAGE;
        const pa = pool + op.frame * PAGE;
        const busy = model.slice(op.first, op.first + count).some((p) => p !== null);
        if (busy) {
          expect(() => space.mapPhys(pa, count * PAGE, { at: va, protection: op.protection })).toThrow(
            BusyError,
          );
        } else {
          space.mapPhys(pa, count * PAGE, { at: va, protection: op.protection });
          for (let k = 0; k < count; k++) {
            model[op.first + k] = {
              protection: op.protection,
              data: poolData[op.frame + k],
              frame: op.frame + k,
            };
          }
        }
        break;
      }
      case 'ppmFree': {
        // Mapped frames are refused (their mappings hold references); an unmapped one is freed
        // and allocated again at once (allocAt), zeroed by the fill policy.
        const pa = pool + op.frame * PAGE;
        const mapped = live.some(({ model: m }) => m.some((page) => page?.frame === op.frame));
        if (mapped) {
          expect(() => kernel.pmm.free(pa)).toThrow(BusyError);
        } else {
          kernel.pmm.free(pa);
          kernel.pmm.allocAt(pa);
          poolData[op.frame].fill(0);
        }
        break;
      }
      case 'unmap': {
        const count = Math.min(op.range.count, PAGES - op.range.first);
        space.unmap(WINDOW + op.range.first * PAGE, count * PAGE);
        for (let p = op.range.first; p < op.range.first + count; p++) model[p] = null;
        break;
      }
      case 'protect': {
        const count = Math.min(op.range.count, PAGES - op.range.first);
        const va = WINDOW + op.range.first * PAGE;
        const holes = model.slice(op.range.first, op.range.first + count).some((p) => p === null);
        if (holes) {
          expect(() => space.protect(va, count * PAGE, op.protection)).toThrow(NotAllocatedError);
        } else {
          space.protect(va, count * PAGE, op.protection);
          for (let p = op.range.first; p < op.range.first + count; p++) model[p]!.protection = op.protection;
        }
        break;
      }
      case 'write': {
        const want = expectedFault(model, op.offset, op.length, true);
        const got = segv(() => space.fill(WINDOW + op.offset, op.length, op.value));
        expect(got && { address: got.address, cause: got.cause }).toEqual(want);
        if (!want) {
          for (let b = op.offset; b < op.offset + op.length; b++)
            model[Math.floor(b / PAGE)]!.data[b % PAGE] = op.value;
        }
        break;
      }
      case 'read': {
        const want = expectedFault(model, op.offset, op.length, false);
        const buffer = new Uint8Array(op.length);
        const got = segv(() => space.read(WINDOW + op.offset, buffer));
        expect(got && { address: got.address, cause: got.cause }).toEqual(want);
        if (!want) {
          const expected = new Uint8Array(op.length);
          for (let b = op.offset; b < op.offset + op.length; b++) {
            expected[b - op.offset] = model[Math.floor(b / PAGE)]!.data[b % PAGE];
          }
          expect(buffer).toEqual(expected);
        }
        break;
      }
      case 'fork': {
        if (live.length >= MAX_LIVE) break;
        const child = kernel.fork(entry.process.pid, { eager: op.eager });
        live.push({
          process: child,
          model: model.map((p) =>
            p
              ? { protection: p.protection, data: p.frame < 0 ? p.data.slice() : p.data, frame: p.frame }
              : null,
          ),
        });
        break;
      }
      case 'exit': {
        if (live.length <= 1) break;
        kernel.exit(entry.process.pid);
        live.splice(live.indexOf(entry), 1);
        break;
      }
    }
  }
}

describe.each<FormatName>(['i386', 'x86-64', 'sv39'])('kernel against a reference model on %s', (format) => {
  it('random operations across processes keep memory, protections and invariants right', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 5, maxLength: 45 }),
        fc.constantFrom(4, 6, 10, 1000),
        (steps, limit) => runSequence(format, steps, limit),
      ),
      { numRuns: 60 },
    );
  });
});
