/**
 * The reserved words of the scenario language: the verbs that start statements and the words
 * that separate arguments. The parser and the statement table both take their lists from here.
 */

/** Verbs that start a statement; `statements/registry.ts` has a parser for each. */
export const STATEMENT_VERBS = [
  'option',
  'process',
  'switch',
  'fork',
  'exit',
  'exec',
  'snapshot',
  'let',
  'in',
  'ppm_alloc',
  'ppm_free',
  'vpm_alloc',
  'map',
  'unmap',
  'protect',
  'touch',
  'write',
  'read',
  'malloc',
  'calloc',
  'realloc',
  'free',
  'send',
  'receive',
  'expect',
  'check',
  'report',
  'print',
] as const;
export type StatementVerb = (typeof STATEMENT_VERBS)[number];

/** Words between a statement's arguments (`ppm_alloc at`, `send ... to`, `receive from`). */
const SEPARATORS = ['at', 'from', 'to', 'above', 'below', 'align'] as const;

/** Words that cannot name a variable or a process. */
export const KEYWORDS: ReadonlySet<string> = new Set<string>(['machine', ...STATEMENT_VERBS, ...SEPARATORS]);

export function isStatementVerb(word: string): word is StatementVerb {
  return (STATEMENT_VERBS as readonly string[]).includes(word);
}
