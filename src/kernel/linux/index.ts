/** Running Linux programs: the ELF loader, the initial stack, the system calls, the machine. */
export { type ElfImage, type ElfSegment, parseElf } from './elf.js';
export { ElfError, type ElfProblem } from './errors.js';
export { BufferedHost, type ExecHost } from './host.js';
export { AuxKey, type InitialStack, type InitialStackInput, layOutInitialStack } from './initial-stack.js';
export { type ExecCounters, LinuxMachine, type LinuxMachineOptions, TIME_SLICE } from './linux-machine.js';
export { DEFAULT_STACK_LIMIT, LinuxProcess, RunState, shellStatus } from './linux-process.js';
export { mapsLines, processReport } from './process-report.js';
export { type LoadedProgram, loadProgram, PIE_BASE } from './program-loader.js';
export { type GrowableStack, growStack } from './stack-growth.js';
export { syscallName } from './syscall-numbers.js';
export type { HartFactory, UserHart } from './user-hart.js';
