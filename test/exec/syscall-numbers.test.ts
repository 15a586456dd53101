import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Syscall } from '../../src/kernel/linux/syscall-numbers.js';

const HEADER = '/usr/riscv64-linux-gnu/include/asm-generic/unistd.h';

describe('system-call numbers', () => {
  it.skipIf(!existsSync(HEADER) && !process.env.CI)(
    'equal those of asm-generic/unistd.h from the cross compiler',
    () => {
      const text = readFileSync(HEADER, 'utf8');
      const defined = new Map<string, number>();
      for (const m of text.matchAll(/^#define __NR(?:3264)?_(\w+) (\d+)$/gm)) defined.set(m[1], Number(m[2]));
      const aliases: Record<string, string> = { newfstatat: 'fstatat' };
      for (const [name, number] of Object.entries(Syscall)) {
        expect([name, defined.get(aliases[name] ?? name)]).toEqual([name, number]);
      }
    },
  );
});
