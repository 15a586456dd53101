/**
 * The stack a Linux program finds at its entry point (RISC-V psABI, Linux's create_elf_tables):
 * from sp upward argc, argv[], NULL, envp[], NULL, the auxiliary vector ending with AT_NULL; above
 * them the 16 AT_RANDOM bytes and the strings, with the executable's name (AT_EXECFN) at the top.
 * The process loader builds it once per exec.
 */
import { InvalidArgumentError } from '../../common/errors.js';

/** Auxiliary vector keys (linux/auxvec.h). */
export const AuxKey = {
  Null: 0,
  ProgramHeaders: 3,
  ProgramHeaderEntryBytes: 4,
  ProgramHeaderCount: 5,
  PageSize: 6,
  InterpreterBase: 7,
  Flags: 8,
  Entry: 9,
  Uid: 11,
  Euid: 12,
  Gid: 13,
  Egid: 14,
  HardwareCapabilities: 16,
  ClockTicks: 17,
  Secure: 23,
  Random: 25,
  ExecutableName: 31,
} as const;

export interface InitialStackInput {
  /** First address above the stack (16-byte aligned). */
  top: number;
  argv: readonly string[];
  envp: readonly string[];
  /** AT_EXECFN: the path the program was started by. */
  executableName: string;
  /** Sixteen bytes for AT_RANDOM (glibc seeds its stack guard and pointer guard from them). */
  random: Uint8Array;
  /** Auxiliary entries besides AT_RANDOM, AT_EXECFN and AT_NULL, in the order to write them. */
  auxiliary: ReadonlyArray<readonly [number, number]>;
}

export interface InitialStack {
  /** The initial sp: where argc is. */
  sp: number;
  /** The bytes of [sp, top). */
  bytes: Uint8Array;
  /** Addresses the program sees, for tests and reports. */
  argvAddresses: number[];
  envpAddresses: number[];
  randomAddress: number;
  executableNameAddress: number;
}

/** Lays out the initial stack; the caller writes `bytes` at `sp`. */
export function layOutInitialStack(input: InitialStackInput): InitialStack {
  const { top, argv, envp } = input;
  if (top % 16 !== 0) throw new InvalidArgumentError(`initial stack top ${top} is not 16-byte aligned`);
  if (input.random.length !== 16) throw new InvalidArgumentError('AT_RANDOM needs exactly 16 bytes');
  const encoder = new TextEncoder();
  const pieces: { at: number; bytes: Uint8Array }[] = [];
  let cursor = top - 8; // a zero word at the very top, as Linux leaves
  const place = (bytes: Uint8Array): number => {
    cursor -= bytes.length;
    pieces.push({ at: cursor, bytes });
    return cursor;
  };
  const cString = (text: string): Uint8Array => {
    const encoded = encoder.encode(text);
    const out = new Uint8Array(encoded.length + 1);
    out.set(encoded);
    return out;
  };
  const executableNameAddress = place(cString(input.executableName));
  const envpAddresses = new Array<number>(envp.length);
  for (let i = envp.length - 1; i >= 0; i--) envpAddresses[i] = place(cString(envp[i]));
  const argvAddresses = new Array<number>(argv.length);
  for (let i = argv.length - 1; i >= 0; i--) argvAddresses[i] = place(cString(argv[i]));
  cursor = Math.floor(cursor / 16) * 16;
  const randomAddress = place(input.random.slice());
  const auxiliary: (readonly [number, number])[] = [
    ...input.auxiliary,
    [AuxKey.Random, randomAddress],
    [AuxKey.ExecutableName, executableNameAddress],
    [AuxKey.Null, 0],
  ];
  const words = 1 + argv.length + 1 + envp.length + 1 + auxiliary.length * 2;
  const sp = Math.floor((cursor - words * 8) / 16) * 16;
  const bytes = new Uint8Array(top - sp);
  const view = new DataView(bytes.buffer);
  let at = 0;
  const word = (value: number): void => {
    view.setBigUint64(at, BigInt(value), true);
    at += 8;
  };
  word(argv.length);
  for (const address of argvAddresses) word(address);
  word(0);
  for (const address of envpAddresses) word(address);
  word(0);
  for (const [key, value] of auxiliary) {
    word(key);
    word(value);
  }
  for (const piece of pieces) bytes.set(piece.bytes, piece.at - sp);
  return { sp, bytes, argvAddresses, envpAddresses, randomAddress, executableNameAddress };
}
