/**
 * Figures: numbers about the machine a scenario can compare (`expect resident a == 3`) or keep
 * (`n = free-frames`). Machine-wide figures need nothing; per-process ones name a process or use
 * the acting one; `refcount` takes a frame's address.
 */
import { FrameState, FrameUse } from '../../../phys/frame-table.js';
import { PAGE_SIZE } from '../../../vm/region-map.js';
import { type Expr, FIGURES, type FigureName, type StatementOf } from '../ast.js';
import { parseExpression } from '../expression-parser.js';
import type { ScenarioMachine, ScenarioProcess } from '../machine.js';
import type { TokenCursor } from '../token-cursor.js';
import { type ExecutorsOf, inUserWords, type RunContext } from './definition.js';

/** What names a figure while it is parsed: `expect FIGURE ...` or `NAME = FIGURE ...`. */
export interface FigureReference {
  figure: FigureName;
  subject?: string;
  address?: Expr;
}

type MachineFigure = { [F in FigureName]: (typeof FIGURES)[F] extends 'process' ? never : F }[FigureName];
type ProcessFigure = Exclude<FigureName, MachineFigure>;

const MACHINE_FIGURES: Record<Exclude<MachineFigure, 'refcount'>, (machine: ScenarioMachine) => number> = {
  'free-frames': (machine) => machine.pmm.freeFrames,
  'allocated-frames': (machine) => machine.pmm.allocatedFrames,
  'usable-frames': (machine) => machine.pmm.usableFrames,
  'reserved-frames': (machine) => machine.pmm.totalFrames - machine.pmm.usableFrames,
  processes: (machine) => machine.processes.length,
  'tlb-hits': (machine) => machine.vm.mmu.tlb.hits,
  'tlb-misses': (machine) => machine.vm.mmu.tlb.misses,
  'tlb-flushes': (machine) => machine.vm.mmu.tlb.flushes,
  messages: (machine) => machine.post.stats.messagesSent,
  'bytes-copied': (machine) => machine.post.stats.bytesCopied,
  'pages-moved': (machine) => machine.post.stats.pagesMoved,
  'pages-shared': (machine) => machine.post.stats.pagesShared,
  'swap-ins': (machine) => machine.vm.swap?.device.reads ?? 0,
  'swap-outs': (machine) => machine.vm.swap?.device.writes ?? 0,
  evictions: (machine) => machine.vm.swap?.stats.evictions ?? 0,
  'swap-slots': (machine) => {
    const device = machine.vm.swap?.device;
    return device === undefined ? 0 : device.slotCount - 1 - device.freeCount;
  },
};

const PROCESS_FIGURES: Record<ProcessFigure, (process: ScenarioProcess, machine: ScenarioMachine) => number> =
  {
    resident: (process) => process.space.residentBytes() / PAGE_SIZE,
    regions: (process) => process.space.regions.usedRegions().length,
    'page-table-frames': (process, machine) => countFrames(machine, FrameUse.PageTable, process.pid),
    'heap-live': (process) => process.heapIfUsed?.stats().liveBytes ?? 0,
    'heap-footprint': (process) => process.heapIfUsed?.footprint ?? 0,
    swapped: (process) => process.space.swappedPages(),
    'major-faults': (process) => process.space.faults.swapIn,
  };

/** The unit of each figure, singular and plural. */
const FIGURE_UNITS: Record<FigureName, readonly [string, string]> = {
  'free-frames': ['frame', 'frames'],
  'allocated-frames': ['frame', 'frames'],
  'usable-frames': ['frame', 'frames'],
  'reserved-frames': ['frame', 'frames'],
  processes: ['process', 'processes'],
  resident: ['page', 'pages'],
  regions: ['region', 'regions'],
  'page-table-frames': ['frame', 'frames'],
  'heap-live': ['byte', 'bytes'],
  'heap-footprint': ['byte', 'bytes'],
  refcount: ['holder', 'holders'],
  'tlb-hits': ['hit', 'hits'],
  'tlb-misses': ['miss', 'misses'],
  'tlb-flushes': ['flush', 'flushes'],
  messages: ['message', 'messages'],
  'bytes-copied': ['byte', 'bytes'],
  'pages-moved': ['page', 'pages'],
  'pages-shared': ['page', 'pages'],
  swapped: ['page', 'pages'],
  'major-faults': ['fault', 'faults'],
  'swap-ins': ['page', 'pages'],
  'swap-outs': ['page', 'pages'],
  evictions: ['page', 'pages'],
  'swap-slots': ['slot', 'slots'],
};

/** A figure's value with its unit, in decimal: `4097 pages`. */
export function figureQuantity(figure: FigureName, value: number): string {
  const [one, many] = FIGURE_UNITS[figure];
  return `${value} ${value === 1 ? one : many}`;
}

/** What follows a figure's name: a process name, or the frame's address for refcount. */
export function parseFigureSubject(cursor: TokenCursor, reference: FigureReference): void {
  const argument = FIGURES[reference.figure];
  if (argument === 'process' && cursor.peek().kind === 'word') reference.subject = cursor.processName();
  if (argument === 'address')
    reference.address = parseExpression(cursor, `the address for ${reference.figure}`);
}

export function figureValue(
  reference: StatementOf<'expect-figure'> | StatementOf<'measure'>,
  run: RunContext,
): number {
  const { machine } = run;
  const name = reference.figure;
  if (name === 'refcount') {
    const address = run.evaluate(reference.address!, reference.line);
    return inUserWords('refcount', () => machine.pmm.refCountOf(address));
  }
  if (Object.hasOwn(MACHINE_FIGURES, name))
    return MACHINE_FIGURES[name as keyof typeof MACHINE_FIGURES](machine);
  const process =
    reference.subject !== undefined ? run.named(reference.subject, reference.line) : run.processOf(reference);
  return PROCESS_FIGURES[name as ProcessFigure](process, machine);
}

export const FIGURE_EXECUTORS: ExecutorsOf<'measure'> = {
  measure(statement, run) {
    run.setVariable(statement.target, figureValue(statement, run), false);
  },
};

/** Allocated frames of one use held by one owner. */
function countFrames(machine: ScenarioMachine, frameUse: FrameUse, owner: number): number {
  const { state, use, owner: owners } = machine.pmm.frames;
  let count = 0;
  for (let pfn = 0; pfn < state.length; pfn++) {
    if (state[pfn] === FrameState.Allocated && use[pfn] === frameUse && owners[pfn] === owner) count++;
  }
  return count;
}
