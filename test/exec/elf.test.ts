import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ET_EXEC, PT_LOAD, parseElf } from '../../src/kernel/linux/elf.js';
import { ElfError, type ElfProblem } from '../../src/kernel/linux/errors.js';

const hello = new Uint8Array(readFileSync(new URL('../../examples/programs/hello', import.meta.url)));

function refused(bytes: Uint8Array): ElfError {
  try {
    parseElf(bytes, 'prog');
  } catch (error) {
    if (error instanceof ElfError) return error;
    throw error;
  }
  throw new Error('parseElf accepted the file');
}

function patched(change: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = hello.slice();
  change(new DataView(bytes.buffer), bytes);
  return bytes;
}

function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('parseElf', () => {
  it('reads the static hello program as riscv64-linux-gnu-readelf does', () => {
    const image = parseElf(hello);
    expect(image.type).toBe(ET_EXEC);
    expect(image.loads.length).toBe(2);
    expect(image.loads[0]).toMatchObject({ offset: 0, vaddr: 0x10000, flags: 5 });
    expect(image.loads[1].flags).toBe(6);
    expect(image.stackFlags).toBe(6);
    if (!hasTool('riscv64-linux-gnu-readelf')) {
      if (process.env.CI) throw new Error('CI needs riscv64-linux-gnu-readelf');
      return;
    }
    const text = execFileSync('riscv64-linux-gnu-readelf', ['-lhW', fileName()], { encoding: 'utf8' });
    expect(image.entry).toBe(Number(/Entry point address:\s+(0x[0-9a-f]+)/.exec(text)?.[1]));
    const loads = [...text.matchAll(/^\s+LOAD\s+(\S+)\s+(\S+)\s+\S+\s+(\S+)\s+(\S+)/gm)].map((m) => ({
      offset: Number(m[1]),
      vaddr: Number(m[2]),
      fileBytes: Number(m[3]),
      memoryBytes: Number(m[4]),
    }));
    expect(
      image.segments
        .filter((s) => s.type === PT_LOAD)
        .map(({ offset, vaddr, fileBytes, memoryBytes }) => ({ offset, vaddr, fileBytes, memoryBytes })),
    ).toEqual(loads);
  });

  const cases: [string, ElfProblem, RegExp, Uint8Array][] = [
    ['a text file', 'not-elf', /prog is not an ELF file/, new TextEncoder().encode('#!/bin/sh\necho hi\n')],
    ['an empty file', 'not-elf', /not an ELF file/, new Uint8Array(0)],
    ['a header cut short', 'truncated', /truncated: 40 bytes/, hello.slice(0, 40)],
    [
      'program headers cut off',
      'truncated',
      /program headers at 64 end past its 100 bytes/,
      hello.slice(0, 100),
    ],
    [
      'a segment cut off',
      'truncated',
      /segment 0's \d+ bytes at offset 0 end past its 393216 bytes/,
      hello.slice(0, 0x60000),
    ],
    [
      'a 32-bit file',
      'wrong-class',
      /32-bit ELF file; only ELF64/,
      patched((_, b) => {
        b[4] = 1;
      }),
    ],
    [
      'a big-endian file',
      'wrong-endianness',
      /not little-endian/,
      patched((_, b) => {
        b[5] = 2;
      }),
    ],
    [
      'an x86-64 program',
      'wrong-machine',
      /machine 62 \(x86-64\), not RISC-V \(243\)/,
      patched((v) => v.setUint16(18, 62, true)),
    ],
    [
      'an object file',
      'wrong-type',
      /a relocatable object file, not an executable/,
      patched((v) => v.setUint16(16, 1, true)),
    ],
    [
      'a dynamic program',
      'dynamic',
      /dynamically linked \(interpreter \/lib\/ld-linux-riscv64-lp64d.so.1\); only static programs run/,
      patched((v, b) => {
        // Turn the NOTE header into PT_INTERP pointing at a path written over the note.
        const note = 64 + 3 * 56;
        v.setUint32(note, 3, true);
        const path = new TextEncoder().encode('/lib/ld-linux-riscv64-lp64d.so.1\0');
        const offset = Number(v.getBigUint64(note + 8, true));
        b.set(path, offset);
        v.setBigUint64(note + 32, BigInt(path.length), true);
      }),
    ],
    [
      'an entry outside the code',
      'bad-segment',
      /entry point 0x00000010 is in no executable segment/,
      patched((v) => v.setBigUint64(24, 0x10n, true)),
    ],
    [
      'overlapping segments',
      'bad-segment',
      /segment 1 at 0x00010000 overlaps/,
      patched((v) => {
        const second = 64 + 2 * 56;
        v.setBigUint64(second + 16, 0x10000n, true);
        v.setBigUint64(second + 8, 0n, true);
      }),
    ],
  ];
  it.each(cases)('refuses %s with a named problem', (_what, problem, message, bytes) => {
    const error = refused(bytes);
    expect(error.problem).toBe(problem);
    expect(error.code).toBe('ENOEXEC');
    expect(error.message).toMatch(message);
  });
});

function fileName(): string {
  return new URL('../../examples/programs/hello', import.meta.url).pathname;
}
