/**
 * Every statement of the scenario language: the parser of each verb and the executor of each
 * kind. To add a statement, write a file beside these with its syntax and executors, add its
 * verb to keywords.ts and its kind to ast.ts, and list it here; the types check nothing is missing.
 */
import type { StatementKind } from '../ast.js';
import type { StatementVerb } from '../keywords.js';
import type { ExecutorsOf, StatementSyntax } from './definition.js';
import { EXPECTATION_EXECUTORS, EXPECTATION_SYNTAX } from './expectations.js';
import { FIGURE_EXECUTORS } from './figures.js';
import { HEAP_EXECUTORS, HEAP_SYNTAX } from './heap.js';
import { IPC_EXECUTORS, IPC_SYNTAX } from './ipc.js';
import { LANGUAGE_EXECUTORS, LANGUAGE_SYNTAX } from './language.js';
import { MEMORY_EXECUTORS, MEMORY_SYNTAX } from './memory.js';
import { PHYSICAL_EXECUTORS, PHYSICAL_SYNTAX } from './physical.js';
import { PROCESS_EXECUTORS, PROCESS_SYNTAX } from './process.js';
import { PROGRAM_EXECUTORS, PROGRAM_SYNTAX } from './program.js';
import { SNAPSHOT_EXECUTORS, SNAPSHOT_SYNTAX } from './snapshot.js';

export const STATEMENT_SYNTAX: Record<StatementVerb, StatementSyntax> = {
  ...LANGUAGE_SYNTAX,
  ...PROCESS_SYNTAX,
  ...PROGRAM_SYNTAX,
  ...SNAPSHOT_SYNTAX,
  ...PHYSICAL_SYNTAX,
  ...MEMORY_SYNTAX,
  ...HEAP_SYNTAX,
  ...IPC_SYNTAX,
  ...EXPECTATION_SYNTAX,
};

export const STATEMENT_EXECUTORS: ExecutorsOf<StatementKind> = {
  ...LANGUAGE_EXECUTORS,
  ...PROCESS_EXECUTORS,
  ...PROGRAM_EXECUTORS,
  ...SNAPSHOT_EXECUTORS,
  ...PHYSICAL_EXECUTORS,
  ...MEMORY_EXECUTORS,
  ...HEAP_EXECUTORS,
  ...IPC_EXECUTORS,
  ...EXPECTATION_EXECUTORS,
  ...FIGURE_EXECUTORS,
};
