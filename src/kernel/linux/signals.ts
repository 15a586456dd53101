/** The signals that end a program here (asm-generic/signal.h numbers), and their names. */
export const Signal = {
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGTERM: 15,
  SIGCHLD: 17,
} as const;

const NAMES = new Map<number, string>(Object.entries(Signal).map(([name, number]) => [number, name]));

export function signalName(signal: number): string {
  return NAMES.get(signal) ?? `signal ${signal}`;
}
