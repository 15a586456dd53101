/**
 * `machine ...` lines: the settings a scenario boots its machine with, one small parser a
 * setting. Values are constants, folded when the line is read, since nothing has run yet.
 */

import { POLICY_NAMES } from '../../swap/policies/replacement-policy.js';
import {
  FILL_POLICIES,
  FRAME_ALLOCATORS,
  HEAP_SETTINGS,
  type MachineSpec,
  type MemoryRangeSpec,
  PAGING_FORMATS,
  RANGE_TYPES,
} from './ast.js';
import { parseExpression } from './expression-parser.js';
import { evaluateConstant } from './expression-value.js';
import type { TokenCursor } from './token-cursor.js';

/** Where each setting was first given (`ram`, `heap area`, ...), for "already set at line N". */
export type SettingLines = Map<string, number>;

interface SettingInput {
  cursor: TokenCursor;
  machine: MachineSpec;
  /** Records the setting as given on this line; fails if it was given before. */
  once(key: string): void;
  seen: SettingLines;
}

const MEMORY_MAPS = ['pc', 'flat'] as const;

const SETTINGS: Record<string, (input: SettingInput) => void> = {
  ram({ cursor, machine, once }) {
    once('ram');
    machine.ramBytes = constant(cursor, 'the RAM size');
  },
  map({ cursor, machine, once }) {
    once('map');
    const kind = cursor.choice(MEMORY_MAPS, 'memory map');
    if (kind === 'flat') machine.memoryMap = [];
    else if (machine.memoryMap !== undefined && machine.memoryMap.length > 0) {
      cursor.fail(`'machine map pc' cannot follow 'machine range' lines`);
    }
  },
  range({ cursor, machine, seen }) {
    const type = cursor.choice(RANGE_TYPES, 'range type');
    const base = constant(cursor, 'the range base');
    const length = constant(cursor, 'the range length');
    const range: MemoryRangeSpec = { type, base, length, line: cursor.line };
    if (cursor.peek().kind === 'string') range.label = new TextDecoder().decode(cursor.next().bytes);
    if (seen.get('map') !== undefined && machine.memoryMap === undefined) {
      cursor.fail(`'machine range' cannot follow 'machine map pc'`);
    }
    machine.memoryMap = [...(machine.memoryMap ?? []), range];
    seen.set('range', seen.get('range') ?? cursor.line);
  },
  paging({ cursor, machine, once }) {
    once('paging');
    machine.paging = cursor.choice(PAGING_FORMATS, 'page-table format');
  },
  tlb({ cursor, machine, once }) {
    once('tlb');
    machine.tlbEntries = constant(cursor, 'the number of TLB entries');
    if (cursor.skipWord('ways')) machine.tlbWays = constant(cursor, 'the TLB associativity');
  },
  allocator({ cursor, machine, once }) {
    once('allocator');
    machine.allocator = cursor.choice(FRAME_ALLOCATORS, 'frame allocator');
  },
  fill({ cursor, machine, once }) {
    once('fill');
    machine.fill = cursor.choice(FILL_POLICIES, 'fill policy');
  },
  heap({ cursor, machine, once }) {
    const name = cursor.choice(HEAP_SETTINGS, 'heap setting');
    once(`heap ${name}`);
    machine.heap[name] = constant(cursor, `the heap ${name} size`);
  },
  processes({ cursor, machine, once }) {
    once('processes');
    machine.maxProcesses = constant(cursor, 'the size of the process table');
  },
  mailbox({ cursor, machine, once }) {
    once('mailbox');
    machine.mailboxDepth = constant(cursor, 'the messages a mailbox holds');
  },
  swap({ cursor, machine, once }) {
    once('swap');
    machine.swapBytes = constant(cursor, 'the swap size');
    if (cursor.skipWord('latency')) machine.swapLatencyNs = constant(cursor, 'the nanoseconds of a swap I/O');
  },
  policy({ cursor, machine, once }) {
    once('policy');
    machine.policy = cursor.choice(POLICY_NAMES, 'replacement policy');
    if (cursor.skipWord('seed')) machine.policySeed = constant(cursor, 'the seed of the policy');
  },
  resident({ cursor, machine, once }) {
    once('resident');
    machine.residentLimit = constant(cursor, 'the resident limit in pages');
  },
  watermarks({ cursor, machine, once }) {
    once('watermarks');
    machine.lowWatermark = constant(cursor, 'the low watermark in frames');
    machine.highWatermark = constant(cursor, 'the high watermark in frames');
  },
};

const SETTING_NAMES = Object.keys(SETTINGS).join(', ');

/** Reads one `machine SETTING ...` line into `machine`. */
export function parseMachineSetting(cursor: TokenCursor, machine: MachineSpec, seen: SettingLines): void {
  cursor.next();
  const setting = cursor.compoundWord(`a machine setting (${SETTING_NAMES})`);
  const parse = Object.hasOwn(SETTINGS, setting) ? SETTINGS[setting] : undefined;
  if (parse === undefined) cursor.fail(`unknown machine setting '${setting}' (expected ${SETTING_NAMES})`);
  const once = (key: string) => {
    const earlier = seen.get(key);
    if (earlier !== undefined) cursor.fail(`machine ${key} is already set at line ${earlier}`);
    seen.set(key, cursor.line);
  };
  parse({ cursor, machine, once, seen });
  cursor.end(`machine ${setting}`);
}

/** A number known when the scenario is read: machine settings cannot use variables. */
function constant(cursor: TokenCursor, what: string): number {
  const value = evaluateConstant(parseExpression(cursor, what));
  if (value === undefined) {
    cursor.fail(`${what} must be a constant (machine settings are read before anything runs)`);
  }
  if (!Number.isSafeInteger(value) || value < 0)
    cursor.fail(`${what} must be a whole number >= 0, not ${value}`);
  return value;
}
