/**
 * The code a translation fault reports to the OS: the x86 page-fault error code (Intel SDM vol. 3
 * 4.7) or the RISC-V exception cause (privileged spec 3.1.15). Used by Mmu.faultCode.
 */
import { Access, FaultCause, Mode, RiscvCause, X86ErrorCode } from './flags.js';

/**
 * The x86 #PF error code of a fault; 0 for a non-canonical address (#GP(0)) or a frame beyond
 * RAM (a machine check), which are not page faults. `fetchFaults`: I/D is reported (with NX).
 */
export function x86FaultCode(cause: FaultCause, access: Access, mode: Mode, fetchFaults: boolean): number {
  if (cause === FaultCause.None || cause === FaultCause.NonCanonical || cause === FaultCause.AccessFault)
    return 0;
  let code = 0;
  if (cause !== FaultCause.NotPresent) code |= X86ErrorCode.Present;
  if (cause === FaultCause.ReservedBit) code |= X86ErrorCode.Reserved;
  if (access === Access.Write) code |= X86ErrorCode.Write;
  if (mode === Mode.User) code |= X86ErrorCode.User;
  if (access === Access.Execute && fetchFaults) code |= X86ErrorCode.Fetch;
  return code;
}

/** The RISC-V cause of a fault: an access fault for a frame beyond RAM, else a page fault. */
export function riscvFaultCode(cause: FaultCause, access: Access): number {
  if (cause === FaultCause.None) return 0;
  if (cause === FaultCause.AccessFault) {
    if (access === Access.Execute) return RiscvCause.InstructionAccessFault;
    return access === Access.Write ? RiscvCause.StoreAccessFault : RiscvCause.LoadAccessFault;
  }
  if (access === Access.Execute) return RiscvCause.InstructionPageFault;
  return access === Access.Write ? RiscvCause.StorePageFault : RiscvCause.LoadPageFault;
}
