/**
 * A process: a pid, a name and an address space. Layers above the vm attach what they keep per
 * process (a heap, a mailbox) through `attachments`, and release it in an exit hook (see
 * Kernel.onExit), so this record does not need to know them.
 */
import type { AddressSpace } from '../vm/address-space.js';

export class Process {
  readonly pid: number;
  readonly name: string;
  /** Pid of the process that forked it, 0 for one the kernel created. */
  readonly parentPid: number;
  readonly space: AddressSpace;
  /** Per-process state of the layers above the vm, by layer name ('heap', 'mailbox'). */
  readonly attachments = new Map<string, unknown>();

  constructor(pid: number, name: string, parentPid: number, space: AddressSpace) {
    this.pid = pid;
    this.name = name;
    this.parentPid = parentPid;
    this.space = space;
  }

  /** Hardware address-space id of its space. */
  get asid(): number {
    return this.space.asid;
  }
}
