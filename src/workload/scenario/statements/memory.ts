/**
 * Statements on a process's virtual memory: `vpm_alloc`, `map`, `unmap`, `protect`, `touch`,
 * `write` and `read`. Sizes given to mmap-like calls are rounded up to whole pages, as mmap does.
 */
import { Access } from '../../../mmu/flags.js';
import type { AddressSpace } from '../../../vm/address-space.js';
import { PAGE_SIZE } from '../../../vm/region-map.js';
import { Protection as RegionProtection } from '../../../vm/region-types.js';
import type { ProtectionSpec, TouchAccess } from '../ast.js';
import { canStartExpression, parseCount, parseExpression } from '../expression-parser.js';
import { hexDump } from '../show.js';
import { assign, type ExecutorsOf, inUserWords, type StatementSyntax, withTarget } from './definition.js';

/** Most bytes one `read` prints. */
const MAX_READ = 64 * 1024;

const ACCESSES = ['read', 'write', 'execute'] as const;
const ACCESS_BITS: Record<TouchAccess, Access> = {
  read: Access.Read,
  write: Access.Write,
  execute: Access.Execute,
};
const READ_WRITE: ProtectionSpec = { read: true, write: true, execute: false };

export const MEMORY_SYNTAX = {
  vpm_alloc: {
    givesValue: true,
    parse({ cursor, line, target }) {
      if (cursor.skipWord('at')) {
        const at = parseExpression(cursor, 'the virtual address after at');
        const count = parseCount(cursor, 'the number of pages');
        cursor.end('vpm_alloc at');
        return withTarget({ kind: 'vpm-alloc', line, form: 'at', at, count }, target);
      }
      if (cursor.atEnd()) return withTarget({ kind: 'vpm-alloc', line, form: 'one' }, target);
      const count = parseCount(cursor, 'the number of pages');
      cursor.end('vpm_alloc');
      return withTarget({ kind: 'vpm-alloc', line, form: 'count', count }, target);
    },
  },
  map: {
    givesValue: true,
    parse({ cursor, line, target }) {
      const type = cursor.choice(['anon', 'phys'] as const, 'region type');
      const physical = type === 'phys' ? parseExpression(cursor, 'the physical address to map') : undefined;
      const size = parseCount(cursor, 'the size to map');
      const at = cursor.skipWord('at') ? parseExpression(cursor, 'the virtual address after at') : undefined;
      const protection = cursor.atEnd() ? READ_WRITE : cursor.protection();
      cursor.end('map');
      return withTarget(
        {
          kind: 'map',
          line,
          type,
          size,
          protection,
          ...(physical === undefined ? {} : { physical }),
          ...(at === undefined ? {} : { at }),
        },
        target,
      );
    },
  },
  unmap: {
    parse({ cursor, line }) {
      const address = parseExpression(cursor, 'the address to unmap');
      const size = parseCount(cursor, 'the size to unmap');
      cursor.end('unmap');
      return { kind: 'unmap', line, address, size };
    },
  },
  protect: {
    parse({ cursor, line }) {
      const address = parseExpression(cursor, 'the address to protect');
      const size = parseCount(cursor, 'the size to protect');
      const protection = cursor.protection();
      cursor.end('protect');
      return { kind: 'protect', line, address, size, protection };
    },
  },
  touch: {
    parse({ cursor, line }) {
      const address = parseExpression(cursor, 'the address to touch');
      const size = canStartExpression(cursor) ? parseCount(cursor, 'the size to touch') : undefined;
      const access: TouchAccess = cursor.atEnd() ? 'write' : cursor.choice(ACCESSES, 'access');
      cursor.end('touch');
      return size === undefined
        ? { kind: 'touch', line, address, access }
        : { kind: 'touch', line, address, size, access };
    },
  },
  write: {
    parse({ cursor, line }) {
      const address = parseExpression(cursor, 'the address to write');
      const data = cursor.literal('the bytes to write');
      cursor.end('write');
      return { kind: 'write', line, address, data };
    },
  },
  read: {
    parse({ cursor, line }) {
      const address = parseExpression(cursor, 'the address to read');
      const length = parseCount(cursor, 'the number of bytes to read');
      cursor.end('read');
      return { kind: 'read', line, address, length };
    },
  },
} satisfies Record<string, StatementSyntax>;

export const MEMORY_EXECUTORS: ExecutorsOf<
  'vpm-alloc' | 'map' | 'unmap' | 'protect' | 'touch' | 'write' | 'read'
> = {
  'vpm-alloc'(statement, run) {
    const { space } = run.processOf(statement);
    const value = (expr: typeof statement.count) => run.evaluate(expr!, statement.line);
    const va =
      statement.form === 'one'
        ? inUserWords('vpm_alloc', () => space.vpmAlloc())
        : statement.form === 'count'
          ? inUserWords('vpm_alloc', () => space.vpmAlloc(value(statement.count)))
          : vpmAllocAt(space, value(statement.at), value(statement.count));
    assign(run, statement, va);
  },
  map(statement, run) {
    const { space } = run.processOf(statement);
    const options: { at?: number; protection: number } = { protection: protectionBits(statement.protection) };
    if (statement.at !== undefined) options.at = run.evaluate(statement.at, statement.line);
    const size = wholePages(run.evaluate(statement.size, statement.line));
    const physical = statement.type === 'phys' ? run.evaluate(statement.physical!, statement.line) : 0;
    const va = inUserWords('map', () =>
      statement.type === 'anon' ? space.mapAnon(size, options) : space.mapPhys(physical, size, options),
    );
    assign(run, statement, va);
  },
  unmap(statement, run) {
    const { space } = run.processOf(statement);
    const address = run.evaluate(statement.address, statement.line);
    space.unmap(address, wholePages(run.evaluate(statement.size, statement.line)));
  },
  protect(statement, run) {
    const { space } = run.processOf(statement);
    const address = run.evaluate(statement.address, statement.line);
    const size = wholePages(run.evaluate(statement.size, statement.line));
    space.protect(address, size, protectionBits(statement.protection));
  },
  touch(statement, run) {
    const { space } = run.processOf(statement);
    const start = run.evaluate(statement.address, statement.line);
    const size = statement.size === undefined ? 1 : run.evaluate(statement.size, statement.line);
    const access = ACCESS_BITS[statement.access];
    const firstPage = start - (((start % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE);
    for (let va = firstPage; va < start + Math.max(size, 1); va += PAGE_SIZE) {
      space.access(Math.max(va, start), access);
    }
  },
  write(statement, run) {
    const { space } = run.processOf(statement);
    space.write(run.evaluate(statement.address, statement.line), statement.data);
  },
  read(statement, run) {
    const { space } = run.processOf(statement);
    const address = run.evaluate(statement.address, statement.line);
    const length = run.evaluate(statement.length, statement.line);
    if (length < 0 || length > MAX_READ) {
      run.scenarioError(statement.line, `read prints at most ${MAX_READ} bytes, not ${length}`);
    }
    const data = new Uint8Array(length);
    space.read(address, data);
    for (const text of hexDump(address, data)) run.print(statement.line, text);
  },
};

function vpmAllocAt(space: AddressSpace, at: number, count: number): number {
  return inUserWords('vpm_alloc', () => space.vpmAlloc(at, count));
}

/** Rounds a size up to whole pages, as mmap does. */
function wholePages(size: number): number {
  return size <= 0 ? size : Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
}

export function protectionBits(protection: ProtectionSpec): number {
  return (
    (protection.read ? RegionProtection.Read : 0) |
    (protection.write ? RegionProtection.Write : 0) |
    (protection.execute ? RegionProtection.Execute : 0)
  );
}
