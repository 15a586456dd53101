/** A process's mailbox: a bounded FIFO of messages, owned by the kernel. */
import type { AddressSpace } from '../vm/address-space.js';
import type { Message } from './message.js';

/** Messages a mailbox holds before a send to it fails with MailboxFullError (Mach's default queue limit is 5; QNX has none). */
export const DEFAULT_MAILBOX_DEPTH = 64;

export class Mailbox {
  readonly pid: number;
  readonly space: AddressSpace;
  readonly depth: number;
  private readonly queue: Message[] = [];
  private head = 0;

  constructor(pid: number, space: AddressSpace, depth: number) {
    this.pid = pid;
    this.space = space;
    this.depth = depth;
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  get isFull(): boolean {
    return this.size >= this.depth;
  }

  /** The oldest message, or undefined. */
  peek(): Message | undefined {
    return this.head < this.queue.length ? this.queue[this.head] : undefined;
  }

  push(message: Message): void {
    this.queue.push(message);
  }

  /** Removes the oldest message (after it was delivered). */
  shift(): void {
    this.head++;
    if (this.head > 32 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Every waiting message, oldest first. */
  messages(): Message[] {
    return this.queue.slice(this.head);
  }

  /** Empties the mailbox, returning what it held. */
  drain(): Message[] {
    const out = this.messages();
    this.queue.length = 0;
    this.head = 0;
    return out;
  }
}
