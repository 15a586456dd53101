/**
 * The typed syntax tree of a scenario. Every statement knows its line, so the executor can report
 * `file:line: message` for anything that goes wrong while it runs.
 */
import type { PolicyName } from '../../swap/policies/replacement-policy.js';

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'variable'; name: string }
  | { kind: 'negate'; operand: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'call'; name: ExprFunction; args: Expr[] };

/** Functions an expression may call: `pa(va)` is the physical address a virtual one maps to. */
export const EXPR_FUNCTIONS = { pa: 1, page: 1 } as const;
export type ExprFunction = keyof typeof EXPR_FUNCTIONS;

export type BinaryOp = '+' | '-' | '*' | '/' | '<<' | '>>';

export const PAGING_FORMATS = ['i386', 'sv39', 'x86-64'] as const;
export type PagingFormat = (typeof PAGING_FORMATS)[number];

export const FRAME_ALLOCATORS = ['buddy', 'first-fit'] as const;
export type FrameAllocatorName = (typeof FRAME_ALLOCATORS)[number];

export const FILL_POLICIES = ['zero', 'junk', 'none'] as const;
export type FillPolicyName = (typeof FILL_POLICIES)[number];

export const RANGE_TYPES = ['usable', 'reserved', 'firmware', 'kernel', 'device'] as const;
export type RangeType = (typeof RANGE_TYPES)[number];

/** Heap settings a scenario may change: the area malloc carves, and the size from which an
 *  allocation gets an area of its own. */
export const HEAP_SETTINGS = ['area', 'large'] as const;
export type HeapSetting = (typeof HEAP_SETTINGS)[number];

export interface MemoryRangeSpec {
  type: RangeType;
  base: number;
  length: number;
  label?: string;
  line: number;
}

/**
 * The machine a scenario boots. A field left undefined takes the kernel's default (see
 * docs/scenarios.md for the values); `memoryMap` undefined means the default PC-like map, an
 * array (possibly empty: `machine map flat`) replaces it.
 */
export interface MachineSpec {
  ramBytes?: number;
  memoryMap?: MemoryRangeSpec[];
  paging?: PagingFormat;
  tlbEntries?: number;
  tlbWays?: number;
  /** Size of the process table, and messages a mailbox holds. */
  maxProcesses?: number;
  mailboxDepth?: number;
  allocator?: FrameAllocatorName;
  fill?: FillPolicyName;
  heap: Partial<Record<HeapSetting, number>>;
  /** Memory pressure: the swap device (bytes, and simulated nanoseconds an I/O), the policy, limits. */
  swapBytes?: number;
  swapLatencyNs?: number;
  policy?: PolicyName;
  policySeed?: number;
  /** Resident pages each process may hold before it replaces its own (0: no limit). */
  residentLimit?: number;
  lowWatermark?: number;
  highWatermark?: number;
  /** Line of each setting given (`ram`, `paging`, `heap area`, ...), for messages about them. */
  lines: Record<string, number>;
}

/** Access rights of a mapping: any of r, w, x, or none. */
export interface ProtectionSpec {
  read: boolean;
  write: boolean;
  execute: boolean;
}

export type TouchAccess = 'read' | 'write' | 'execute';

/** Page-fault causes an expectation can name (docs/scenarios.md explains each). */
export const FAULT_CAUSES = ['not-mapped', 'protection', 'privilege', 'non-canonical'] as const;
export type FaultCauseName = (typeof FAULT_CAUSES)[number];

/** Figures an expectation can compare; `arg` says what follows the name. */
export const FIGURES = {
  'free-frames': 'none',
  'allocated-frames': 'none',
  'usable-frames': 'none',
  'reserved-frames': 'none',
  processes: 'none',
  resident: 'process',
  regions: 'process',
  'page-table-frames': 'process',
  'heap-live': 'process',
  'heap-footprint': 'process',
  refcount: 'address',
  'tlb-hits': 'none',
  'tlb-misses': 'none',
  'tlb-flushes': 'none',
  messages: 'none',
  'bytes-copied': 'none',
  'pages-moved': 'none',
  'pages-shared': 'none',
  swapped: 'process',
  'major-faults': 'process',
  'swap-ins': 'none',
  'swap-outs': 'none',
  evictions: 'none',
  'swap-slots': 'none',
} as const;
export type FigureName = keyof typeof FIGURES;

export type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type IpcMode = 'copy' | 'move' | 'share';

/** The forms of ppm_alloc and vpm_alloc in the seed: (), (count), (where, count). */
export type AllocForm = 'one' | 'count' | 'at';

export interface StatementBase {
  line: number;
  /** `in NAME: ...` runs the statement as that process without switching to it. */
  process?: string;
}

export type Statement =
  | (StatementBase & { kind: 'process'; name: string })
  | (StatementBase & { kind: 'switch'; name: string })
  | (StatementBase & { kind: 'fork'; child: string; parent?: string })
  | (StatementBase & { kind: 'exit'; name?: string })
  | (StatementBase & {
      kind: 'exec';
      target?: string;
      name: string;
      path: string;
      args: string[];
      budget?: Expr;
    })
  | (StatementBase & { kind: 'snapshot'; name: string; file: string })
  | (StatementBase & { kind: 'let'; target: string; value: Expr })
  | (StatementBase & {
      kind: 'measure';
      target: string;
      figure: FigureName;
      subject?: string;
      address?: Expr;
    })
  | (StatementBase & {
      kind: 'ppm-alloc';
      target?: string;
      form: AllocForm;
      count?: Expr;
      at?: Expr;
      above?: Expr;
      below?: Expr;
      align?: Expr;
    })
  | (StatementBase & { kind: 'ppm-free'; address: Expr; count?: Expr })
  | (StatementBase & { kind: 'vpm-alloc'; target?: string; form: AllocForm; count?: Expr; at?: Expr })
  | (StatementBase & {
      kind: 'map';
      target?: string;
      type: 'anon' | 'phys';
      size: Expr;
      physical?: Expr;
      at?: Expr;
      protection: ProtectionSpec;
    })
  | (StatementBase & { kind: 'unmap'; address: Expr; size: Expr })
  | (StatementBase & { kind: 'protect'; address: Expr; size: Expr; protection: ProtectionSpec })
  | (StatementBase & { kind: 'touch'; address: Expr; size?: Expr; access: TouchAccess })
  | (StatementBase & { kind: 'write'; address: Expr; data: Uint8Array })
  | (StatementBase & { kind: 'read'; address: Expr; length: Expr })
  | (StatementBase & { kind: 'malloc'; target?: string; size: Expr })
  | (StatementBase & { kind: 'calloc'; target?: string; count: Expr; size: Expr })
  | (StatementBase & { kind: 'realloc'; target?: string; pointer: Expr; size: Expr })
  | (StatementBase & { kind: 'free'; pointer: Expr })
  | (StatementBase & { kind: 'send'; mode: IpcMode; address: Expr; size: Expr; to: string })
  | (StatementBase & { kind: 'receive'; target?: string; from?: string })
  | (StatementBase & { kind: 'expect-read'; address: Expr; data: Uint8Array })
  | (StatementBase & { kind: 'expect-fault'; cause?: FaultCauseName; statement: Statement })
  | (StatementBase & { kind: 'expect-error'; code: string; statement: Statement })
  | (StatementBase & {
      kind: 'expect-figure';
      figure: FigureName;
      subject?: string;
      address?: Expr;
      op: Comparison;
      value: Expr;
      /** The value as written, for the message when the expectation fails. */
      valueSource: string;
    })
  | (StatementBase & {
      kind: 'expect-compare';
      left: Expr;
      op: Comparison;
      right: Expr;
      /** Both sides as written, for the message when the expectation fails. */
      leftSource: string;
      rightSource: string;
    })
  | (StatementBase & { kind: 'expect-all-freed' })
  | (StatementBase & { kind: 'check' })
  | (StatementBase & { kind: 'report' })
  | (StatementBase & { kind: 'print'; items: PrintItem[] })
  | (StatementBase & { kind: 'option'; name: 'on-error'; value: 'stop' | 'continue' });

export type PrintItem = { kind: 'text'; text: string } | { kind: 'expr'; expr: Expr; source: string };

export type StatementKind = Statement['kind'];

/** The statement of one kind: `StatementOf<'malloc'>`. */
export type StatementOf<K extends StatementKind> = Extract<Statement, { kind: K }>;

export interface Scenario {
  file: string;
  machine: MachineSpec;
  statements: Statement[];
  /** Number of lines in the source, for messages about the end of the file. */
  lineCount: number;
}
