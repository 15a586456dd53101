/**
 * The physical memory manager's own calls: `ppm_alloc` in its forms (one frame, a run, a run at
 * an address, a run within bounds) and `ppm_free`, which gives back only what ppm_alloc handed out.
 */
import { BusyError, NotAllocatedError } from '../../../common/errors.js';
import { hex } from '../../../common/format.js';
import { FrameState, FrameUse } from '../../../phys/frame-table.js';
import { FRAME_SIZE } from '../../../phys/physical-memory.js';
import type { StatementOf } from '../ast.js';
import { canStartExpression, parseCount, parseExpression } from '../expression-parser.js';
import type { ScenarioMachine } from '../machine.js';
import {
  assign,
  type ExecutorsOf,
  inUserWords,
  type RunContext,
  type StatementSyntax,
  withTarget,
} from './definition.js';

const CONSTRAINTS = ['above', 'below', 'align'] as const;

export const PHYSICAL_SYNTAX = {
  ppm_alloc: {
    givesValue: true,
    parse({ cursor, line, target }) {
      if (cursor.skipWord('at')) {
        const at = parseExpression(cursor, 'the physical address after at');
        const count = parseCount(cursor, 'the number of frames');
        cursor.end('ppm_alloc at');
        return withTarget({ kind: 'ppm-alloc', line, form: 'at', at, count }, target);
      }
      const form = canStartExpression(cursor) ? 'count' : 'one';
      const statement: StatementOf<'ppm-alloc'> = { kind: 'ppm-alloc', line, form };
      if (form === 'count') statement.count = parseCount(cursor, 'the number of frames');
      while (!cursor.atEnd()) {
        const word = cursor.peek();
        const key = CONSTRAINTS.find((constraint) => word.kind === 'word' && word.text === constraint);
        if (key === undefined)
          return cursor.fail(`expected above, below or align, found ${cursor.describe(word)}`);
        cursor.next();
        if (statement[key] !== undefined) cursor.fail(`'${key}' is given twice`);
        statement[key] = parseExpression(cursor, `the address after ${key}`);
      }
      return withTarget(statement, target);
    },
  },
  ppm_free: {
    parse({ cursor, line }) {
      const address = parseExpression(cursor, 'the physical address to free');
      const count = cursor.atEnd() ? undefined : parseCount(cursor, 'the number of frames');
      cursor.end('ppm_free');
      return count === undefined
        ? { kind: 'ppm-free', line, address }
        : { kind: 'ppm-free', line, address, count };
    },
  },
} satisfies Record<string, StatementSyntax>;

export const PHYSICAL_EXECUTORS: ExecutorsOf<'ppm-alloc' | 'ppm-free'> = {
  'ppm-alloc'(statement, run) {
    inUserWords('ppm_alloc', () => allocate(statement, run));
  },
  'ppm-free'(statement, run) {
    const address = run.evaluate(statement.address, statement.line);
    const count = statement.count === undefined ? 1 : run.evaluate(statement.count, statement.line);
    refuseKernelFrames(run.machine, address, count);
    try {
      inUserWords('ppm_free', () => run.machine.pmm.free(address, count));
    } catch (error) {
      throw error instanceof BusyError ? stillMapped(run.machine, address, count, error) : error;
    }
  },
};

function allocate(statement: StatementOf<'ppm-alloc'>, run: RunContext): void {
  const { pmm } = run.machine;
  const line = statement.line;
  if (statement.form === 'at') {
    const at = run.evaluate(statement.at!, line);
    assign(run, statement, pmm.allocAt(at, run.evaluate(statement.count!, line)));
    return;
  }
  const constrained = CONSTRAINTS.some((key) => statement[key] !== undefined);
  if (statement.form === 'one' && !constrained) {
    assign(run, statement, pmm.allocFrame());
    return;
  }
  const count = statement.count === undefined ? 1 : run.evaluate(statement.count, line);
  const constraint: { above?: number; below?: number; alignment?: number } = {};
  if (statement.above !== undefined) constraint.above = run.evaluate(statement.above, line);
  if (statement.below !== undefined) constraint.below = run.evaluate(statement.below, line);
  if (statement.align !== undefined) constraint.alignment = run.evaluate(statement.align, line);
  assign(run, statement, pmm.allocContiguous(count, constrained ? constraint : undefined));
}

/**
 * ppm_free gives back only what ppm_alloc handed out: a frame the kernel holds for a page table,
 * a process page or a message is not the scenario's to free (the PMM alone cannot tell them apart).
 */
function refuseKernelFrames(machine: ScenarioMachine, address: number, count: number): void {
  const { pmm } = machine;
  if (!Number.isInteger(address) || !Number.isInteger(count) || address % FRAME_SIZE !== 0 || count < 1)
    return;
  const first = address / FRAME_SIZE;
  const end = Math.min(first + count, pmm.totalFrames);
  const { state, use, owner } = pmm.frames;
  // A frame still mapped by a PHYS region is not refused here: the region holds a reference, so
  // the physical memory manager refuses to free it (BusyError, EBUSY).
  for (let pfn = Math.max(first, 0); pfn < end; pfn++) {
    if (state[pfn] === FrameState.Allocated && use[pfn] !== FrameUse.Direct) {
      const useName = Object.entries(FrameUse).find(([, v]) => v === use[pfn])?.[0] ?? String(use[pfn]);
      throw new NotAllocatedError(
        `ppm_free: frame ${hex(pfn * FRAME_SIZE)} holds a ${useName} frame of ${machine.ownerName(owner[pfn])}; ppm_free gives back only frames ppm_alloc handed out`,
      );
    }
  }
}

/**
 * The physical memory manager refused ppm_free because a frame has other holders: with frames
 * from ppm_alloc, those are PHYS regions mapping it. Says so in the scenario's words (same code).
 */
function stillMapped(machine: ScenarioMachine, address: number, count: number, error: BusyError): BusyError {
  const { refCount } = machine.pmm.frames;
  const first = address / FRAME_SIZE;
  for (let pfn = first; pfn < first + count; pfn++) {
    if (refCount[pfn] > 1) {
      const mappings = refCount[pfn] - 1;
      return new BusyError(
        `ppm_free: frame ${hex(pfn * FRAME_SIZE)} is still mapped by ${mappings} PHYS page${mappings === 1 ? '' : 's'} (${refCount[pfn]} holders); unmap ${mappings === 1 ? 'it' : 'them'} first`,
      );
    }
  }
  return error;
}
