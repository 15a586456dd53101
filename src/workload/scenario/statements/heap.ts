/**
 * The C library's allocator on the acting process's heap: `malloc`, `calloc`, `realloc` and
 * `free`. A NULL for a non-zero size is the scenario's ENOMEM, so `expect error ENOMEM:` sees it.
 */
import { OutOfMemoryError } from '../../../common/errors.js';
import { hex } from '../../../common/format.js';
import { parseCount, parseExpression } from '../expression-parser.js';
import { assign, type ExecutorsOf, type StatementSyntax, withTarget } from './definition.js';

export const HEAP_SYNTAX = {
  malloc: {
    givesValue: true,
    parse({ cursor, line, target }) {
      const size = parseCount(cursor, 'the size to allocate');
      cursor.end('malloc');
      return withTarget({ kind: 'malloc', line, size }, target);
    },
  },
  calloc: {
    givesValue: true,
    parse({ cursor, line, target }) {
      const count = parseCount(cursor, 'the number of elements');
      const size = parseCount(cursor, 'the element size');
      cursor.end('calloc');
      return withTarget({ kind: 'calloc', line, count, size }, target);
    },
  },
  realloc: {
    givesValue: true,
    parse({ cursor, line, target }) {
      const pointer = parseExpression(cursor, 'the pointer to reallocate');
      const size = parseCount(cursor, 'the new size');
      cursor.end('realloc');
      return withTarget({ kind: 'realloc', line, pointer, size }, target);
    },
  },
  free: {
    parse({ cursor, line }) {
      const pointer = parseExpression(cursor, 'the pointer to free');
      cursor.end('free');
      return { kind: 'free', line, pointer };
    },
  },
} satisfies Record<string, StatementSyntax>;

export const HEAP_EXECUTORS: ExecutorsOf<'malloc' | 'calloc' | 'realloc' | 'free'> = {
  malloc(statement, run) {
    const { heap } = run.processOf(statement);
    const size = run.evaluate(statement.size, statement.line);
    assign(run, statement, nonNull(heap.malloc(size), size, `malloc(${size})`));
  },
  calloc(statement, run) {
    const { heap } = run.processOf(statement);
    const count = run.evaluate(statement.count, statement.line);
    const size = run.evaluate(statement.size, statement.line);
    assign(run, statement, nonNull(heap.calloc(count, size), count * size, `calloc(${count}, ${size})`));
  },
  realloc(statement, run) {
    const { heap } = run.processOf(statement);
    const pointer = run.evaluate(statement.pointer, statement.line);
    const size = run.evaluate(statement.size, statement.line);
    assign(run, statement, nonNull(heap.realloc(pointer, size), size, `realloc(${hex(pointer)}, ${size})`));
  },
  free(statement, run) {
    const { heap } = run.processOf(statement);
    heap.free(run.evaluate(statement.pointer, statement.line));
  },
};

function nonNull(va: number, size: number, call: string): number {
  if (va === 0 && size > 0) throw new OutOfMemoryError(`${call} returned NULL: out of memory`);
  return va;
}
