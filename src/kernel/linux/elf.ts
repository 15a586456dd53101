/**
 * An ELF64 reader for static RISC-V Linux executables (ET_EXEC, and ET_DYN for static-pie): the
 * header and program headers, checked field by field so that a bad file fails with an ElfError
 * naming the problem. The program loader maps what this returns.
 */
import { hex } from '../../common/format.js';
import { ElfError } from './errors.js';

export const EM_RISCV = 243;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_PHDR = 6;
export const PT_GNU_STACK = 0x6474e551;
/** Segment flags (p_flags). */
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

const HEADER_BYTES = 64;
const PROGRAM_HEADER_BYTES = 56;
/** More program headers than this is no program a compiler made (Linux refuses past 64 KiB). */
const MAX_PROGRAM_HEADERS = 1024;

const MACHINE_NAMES: Record<number, string> = {
  3: 'i386',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  40: 'ARM',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
  258: 'LoongArch',
};
const TYPE_NAMES: Record<number, string> = {
  0: 'no file type',
  1: 'a relocatable object file',
  2: 'an executable',
  3: 'a shared object',
  4: 'a core dump',
};

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  fileBytes: number;
  memoryBytes: number;
  align: number;
}

export interface ElfImage {
  /** ET_EXEC (fixed addresses) or ET_DYN (static-pie: loaded at a base of the loader's choice). */
  type: typeof ET_EXEC | typeof ET_DYN;
  entry: number;
  programHeaderOffset: number;
  programHeaderCount: number;
  segments: ElfSegment[];
  /** The PT_LOAD segments, in address order. */
  loads: ElfSegment[];
  /** PT_GNU_STACK's flags, or undefined when the file has none. */
  stackFlags: number | undefined;
  bytes: Uint8Array;
}

/** Reads and checks an ELF file; throws ElfError naming what is wrong. */
export function parseElf(bytes: Uint8Array, name = 'the program'): ElfImage {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('not-elf', `${name} is not an ELF file (no \\x7fELF magic number)`);
  }
  if (bytes.length < HEADER_BYTES) {
    throw new ElfError('truncated', `${name} is truncated: ${bytes.length} bytes, less than an ELF64 header`);
  }
  if (bytes[4] !== 2) {
    throw new ElfError(
      'wrong-class',
      `${name} is a ${bytes[4] === 1 ? '32-bit' : 'unknown-class'} ELF file; only ELF64 runs`,
    );
  }
  if (bytes[5] !== 1) throw new ElfError('wrong-endianness', `${name} is not little-endian`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (machine !== EM_RISCV) {
    const known = MACHINE_NAMES[machine];
    throw new ElfError(
      'wrong-machine',
      `${name} is for machine ${machine}${known ? ` (${known})` : ''}, not RISC-V (${EM_RISCV})`,
    );
  }
  if (type !== ET_EXEC && type !== ET_DYN) {
    throw new ElfError(
      'wrong-type',
      `${name} is ${TYPE_NAMES[type] ?? `ELF type ${type}`}, not an executable`,
    );
  }
  const entry = readAddress(view, 24, name, 'entry point');
  const programHeaderOffset = readAddress(view, 32, name, 'program header offset');
  const entrySize = view.getUint16(54, true);
  const programHeaderCount = view.getUint16(56, true);
  if (entrySize !== PROGRAM_HEADER_BYTES) {
    throw new ElfError(
      'bad-segment',
      `${name}: program headers are ${entrySize} bytes, not ${PROGRAM_HEADER_BYTES}`,
    );
  }
  if (programHeaderCount === 0 || programHeaderCount > MAX_PROGRAM_HEADERS) {
    throw new ElfError('bad-segment', `${name} has ${programHeaderCount} program headers`);
  }
  if (programHeaderOffset + programHeaderCount * PROGRAM_HEADER_BYTES > bytes.length) {
    throw new ElfError(
      'truncated',
      `${name} is truncated: its ${programHeaderCount} program headers at ${programHeaderOffset} end past its ${bytes.length} bytes`,
    );
  }
  const segments: ElfSegment[] = [];
  for (let i = 0; i < programHeaderCount; i++) {
    const at = programHeaderOffset + i * PROGRAM_HEADER_BYTES;
    const what = `program header ${i}`;
    segments.push({
      type: view.getUint32(at, true),
      flags: view.getUint32(at + 4, true),
      offset: readAddress(view, at + 8, name, `${what}'s offset`),
      vaddr: readAddress(view, at + 16, name, `${what}'s address`),
      fileBytes: readAddress(view, at + 32, name, `${what}'s file size`),
      memoryBytes: readAddress(view, at + 40, name, `${what}'s memory size`),
      align: readAddress(view, at + 48, name, `${what}'s alignment`),
    });
  }
  const interpreter = segments.find((s) => s.type === PT_INTERP);
  if (interpreter) {
    const end = Math.min(bytes.length, interpreter.offset + interpreter.fileBytes);
    const path = new TextDecoder().decode(bytes.subarray(interpreter.offset, end)).replace(/\0.*$/s, '');
    throw new ElfError(
      'dynamic',
      `${name} is dynamically linked (interpreter ${path || 'unnamed'}); only static programs run (link with -static)`,
    );
  }
  const loads = segments.filter((s) => s.type === PT_LOAD);
  checkLoads(loads, bytes.length, name);
  if (!loads.some((s) => s.flags & PF_X && entry >= s.vaddr && entry < s.vaddr + s.memoryBytes)) {
    throw new ElfError('bad-segment', `${name}: entry point ${hex(entry)} is in no executable segment`);
  }
  return {
    type,
    entry,
    programHeaderOffset,
    programHeaderCount,
    segments,
    loads,
    stackFlags: segments.find((s) => s.type === PT_GNU_STACK)?.flags,
    bytes,
  };
}

function checkLoads(loads: ElfSegment[], fileBytes: number, name: string): void {
  if (loads.length === 0) throw new ElfError('bad-segment', `${name} has no loadable (PT_LOAD) segment`);
  let previousEnd = 0;
  for (const [i, s] of loads.entries()) {
    const what = `${name}: loadable segment ${i} at ${hex(s.vaddr)}`;
    if (s.offset + s.fileBytes > fileBytes) {
      throw new ElfError(
        'truncated',
        `${name} is truncated: segment ${i}'s ${s.fileBytes} bytes at offset ${s.offset} end past its ${fileBytes} bytes`,
      );
    }
    if (s.fileBytes > s.memoryBytes) {
      throw new ElfError(
        'bad-segment',
        `${what} has more file bytes (${s.fileBytes}) than memory bytes (${s.memoryBytes})`,
      );
    }
    if (s.align > 1 && (s.vaddr - s.offset) % s.align !== 0) {
      throw new ElfError(
        'bad-segment',
        `${what}: address and file offset disagree modulo the alignment ${s.align}`,
      );
    }
    if (s.vaddr < previousEnd) {
      throw new ElfError('bad-segment', `${what} overlaps or precedes the segment before it`);
    }
    previousEnd = s.vaddr + s.memoryBytes;
  }
}

/** A 64-bit field that must be an address or size a JavaScript number holds exactly. */
function readAddress(view: DataView, at: number, name: string, what: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ElfError('bad-segment', `${name}: ${what} 0x${value.toString(16)} is out of range`);
  }
  return Number(value);
}
