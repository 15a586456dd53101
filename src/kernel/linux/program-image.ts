/**
 * A program's memory at exec: its segments loaded (program-loader.ts) and its initial stack
 * (initial-stack.ts) written into a `[stack]` region at the top of the user half, with the
 * auxiliary vector a static glibc program reads. LinuxMachine.exec calls it on a new process.
 */
import { OutOfMemoryError } from '../../common/errors.js';
import type { AddressSpace } from '../../vm/address-space.js';
import { PAGE_SIZE } from '../../vm/region-map.js';
import { Protection } from '../../vm/region-types.js';
import { type ElfImage, PF_X } from './elf.js';
import { AuxKey, layOutInitialStack } from './initial-stack.js';
import { USER_ID } from './linux-process.js';
import { type LoadedProgram, loadProgram } from './program-loader.js';

/** Pages of stack mapped at exec; the rest grows on demand. */
const INITIAL_STACK_BYTES = 128 << 10;
/** AT_HWCAP of an rv64imafdc hart: one bit per extension letter. */
const HWCAP_RV64GC = [...'IMAFDC'].reduce((bits, letter) => bits | (1 << (letter.charCodeAt(0) - 65)), 0);
const PROGRAM_HEADER_BYTES = 56;

export interface PreparedImage {
  loaded: LoadedProgram;
  /** The initial stack pointer. */
  sp: number;
  /** The stack's top (the end of the user half). */
  top: number;
}

/**
 * Loads `elf` into `space` and builds its initial stack. Throws OutOfMemoryError (or ElfError
 * for a segment outside the user half); the caller then destroys the space.
 */
export function prepareImage(
  space: AddressSpace,
  elf: ElfImage,
  path: string,
  argv: readonly string[],
  envp: readonly string[],
  random: Uint8Array,
  stackLimitBytes: number,
): PreparedImage {
  const loaded = loadProgram(space, elf, path);
  const top = space.end;
  const stack = layOutInitialStack({
    top,
    argv,
    envp,
    executableName: path,
    random,
    auxiliary: [
      [AuxKey.ProgramHeaders, loaded.programHeaders],
      [AuxKey.ProgramHeaderEntryBytes, PROGRAM_HEADER_BYTES],
      [AuxKey.ProgramHeaderCount, loaded.programHeaderCount],
      [AuxKey.PageSize, PAGE_SIZE],
      [AuxKey.InterpreterBase, 0],
      [AuxKey.Flags, 0],
      [AuxKey.Entry, loaded.entry],
      [AuxKey.Uid, USER_ID],
      [AuxKey.Euid, USER_ID],
      [AuxKey.Gid, USER_ID],
      [AuxKey.Egid, USER_ID],
      [AuxKey.HardwareCapabilities, HWCAP_RV64GC],
      [AuxKey.ClockTicks, 100],
      [AuxKey.Secure, 0],
    ],
  });
  const stackBytes = Math.max(INITIAL_STACK_BYTES, Math.ceil(stack.bytes.length / PAGE_SIZE) * PAGE_SIZE);
  if (stackBytes > stackLimitBytes) {
    throw new OutOfMemoryError(`${path}: its arguments and environment exceed the stack limit`);
  }
  const executable = elf.stackFlags !== undefined && elf.stackFlags & PF_X ? Protection.Execute : 0;
  space.mapAnon(stackBytes, {
    at: top - stackBytes,
    protection: Protection.ReadWrite | executable,
    name: '[stack]',
  });
  space.write(stack.sp, stack.bytes);
  return { loaded, sp: stack.sp, top };
}
