/**
 * Messages and their frame lists, reused: a stream of messages allocates nothing once the pool
 * has a message of each size in flight. Frame lists come in power-of-two sizes, one free list
 * per size; a message goes back when it is received or dropped.
 */
import type { Message, TransferKind } from './message.js';

/** A message as the post office fills it; handed out as the read-only Message. */
class PooledMessage implements Message {
  id = 0;
  kind: TransferKind = 'copy';
  from = 0;
  to = 0;
  length = 0;
  offset = 0;
  pages = 0;
  readonly frames: Float64Array;

  constructor(capacity: number) {
    this.frames = new Float64Array(capacity);
  }
}

/** Free messages kept per size class; more are left to the garbage collector. */
const KEPT_PER_CLASS = 64;

export class MessagePool {
  /** Free messages by size class: class c holds frame lists of 2^c slots. */
  private readonly free: PooledMessage[][] = [];

  /** A message with room for `pages` frames (slots past `pages` are stale). */
  acquire(
    id: number,
    kind: TransferKind,
    from: number,
    to: number,
    length: number,
    offset: number,
    pages: number,
  ): Message {
    const sizeClass = pages <= 1 ? 0 : 32 - Math.clz32(pages - 1);
    const list = this.free[sizeClass];
    const m =
      list !== undefined && list.length > 0
        ? (list.pop() as PooledMessage)
        : new PooledMessage(1 << sizeClass);
    m.id = id;
    m.kind = kind;
    m.from = from;
    m.to = to;
    m.length = length;
    m.offset = offset;
    m.pages = pages;
    return m;
  }

  /** Takes back a message nobody refers to any more (received, dropped, or never sent). */
  release(message: Message): void {
    if (!(message instanceof PooledMessage)) return;
    const sizeClass = 31 - Math.clz32(message.frames.length);
    while (this.free.length <= sizeClass) this.free.push([]);
    const list = this.free[sizeClass];
    if (list.length < KEPT_PER_CLASS) list.push(message);
  }
}
