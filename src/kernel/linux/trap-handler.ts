/**
 * What a trap of a user program does: a page fault goes to the address space (then stack growth),
 * an ecall to the system-call table, anything else ends the process. LinuxMachine.run() calls it.
 */
import { OutOfMemoryError } from '../../common/errors.js';
import { hex } from '../../common/format.js';
import { Access, type FaultCause, Mode } from '../../mmu/flags.js';
import { SegmentationFaultError } from '../../vm/errors.js';
import type { LinuxMachine } from './linux-machine.js';
import { type LinuxProcess, RunState } from './linux-process.js';
import { Signal } from './signals.js';
import { growStack } from './stack-growth.js';
import { dispatchSyscall } from './syscall-dispatch.js';
import { syscallName } from './syscall-numbers.js';
import { Register, TrapCause } from './user-hart.js';

/** The registers that carry a system call's arguments. */
const ARGUMENT_REGISTERS = [Register.a0, Register.a1, Register.a2, Register.a3, Register.a4, Register.a5];

/** Handles the trap the hart stopped on while running `p`. */
export function handleTrap<Context>(machine: LinuxMachine<Context>, p: LinuxProcess<Context>): void {
  const hart = machine.hart;
  const cause = hart.trapCause;
  if (cause === TrapCause.UserEcall) {
    systemCall(machine, p);
    return;
  }
  const access =
    cause === TrapCause.InstructionPageFault
      ? Access.Execute
      : cause === TrapCause.LoadPageFault
        ? Access.Read
        : cause === TrapCause.StorePageFault
          ? Access.Write
          : -1;
  if (access >= 0) {
    pageFault(machine, p, hart.trapValue, access as Access);
    return;
  }
  const signal =
    cause === TrapCause.IllegalInstruction
      ? Signal.SIGILL
      : cause === TrapCause.Breakpoint
        ? Signal.SIGTRAP
        : cause === TrapCause.InstructionMisaligned ||
            cause === TrapCause.LoadMisaligned ||
            cause === TrapCause.StoreMisaligned
          ? Signal.SIGBUS
          : Signal.SIGSEGV;
  machine.kill(p, signal, `trap cause ${cause} at pc ${hex(hart.pc)}, value ${hex(hart.trapValue)}`);
}

function pageFault<Context>(
  machine: LinuxMachine<Context>,
  p: LinuxProcess<Context>,
  va: number,
  access: Access,
): void {
  const space = p.live.space;
  const mmu = machine.kernel.mmu;
  const hart = machine.hart;
  if (mmu.translateUntracked(va, access, Mode.User, space.root) >= 0) {
    hart.flushTranslations(); // the hart's cached translation was older than the tables
    return;
  }
  const cause = mmu.faultCause as FaultCause;
  try {
    space.handleFault(va, access, cause);
  } catch (error) {
    if (error instanceof SegmentationFaultError) {
      if (error.cause === 'unmapped' && growStack(space, p.stack, va)) {
        machine.counters.pageFaults.stackGrowth++;
        return; // the access runs again and finds the grown stack
      }
      machine.kill(p, Signal.SIGSEGV, `${error.access} at ${hex(va)} (pc ${hex(hart.pc)}): ${reason(error)}`);
      return;
    }
    if (error instanceof OutOfMemoryError) {
      machine.kill(p, Signal.SIGKILL, `out of memory: ${error.message}`);
      return;
    }
    throw error;
  }
  hart.flushTranslations();
}

function systemCall<Context>(machine: LinuxMachine<Context>, p: LinuxProcess<Context>): void {
  const hart = machine.hart;
  const number = Number(BigInt.asUintN(32, hart.readRegister(Register.a7)));
  const args = ARGUMENT_REGISTERS.map((register) => hart.readRegister(register));
  let result: number | undefined;
  try {
    result = dispatchSyscall(machine, p, number, args);
  } catch (error) {
    if (error instanceof OutOfMemoryError) {
      machine.kill(p, Signal.SIGKILL, `out of memory in ${syscallName(number)}: ${error.message}`);
      return;
    }
    throw error;
  }
  if (p.state === RunState.Zombie || p.state === RunState.Waiting || result === undefined) return;
  hart.writeRegister(Register.a0, BigInt(result));
  hart.pc += 4;
}

function reason(error: SegmentationFaultError): string {
  return error.cause === 'unmapped'
    ? 'no mapping there'
    : error.cause === 'protection'
      ? 'the mapping does not allow it'
      : error.cause === 'kernel-only'
        ? 'kernel memory'
        : 'not a canonical address';
}
