/**
 * A message in flight. It holds one reference on every frame in `frames` (the kernel owns it
 * until it is received or its receiver exits), never a copy of the payload.
 */

/** How the payload travels. */
export type TransferKind = 'copy' | 'move' | 'share';

export interface Message {
  /** Unique and increasing per post office. */
  readonly id: number;
  readonly kind: TransferKind;
  /** Sender and receiver pids. */
  readonly from: number;
  readonly to: number;
  /** Payload bytes. */
  readonly length: number;
  /** Offset of the first payload byte in its page (always 0 for move and share). */
  readonly offset: number;
  /** Pages the payload touches: the first `pages` slots of `frames`. */
  readonly pages: number;
  /**
   * One slot per page the payload touches (the list may be longer: it is pooled): the physical
   * address of the frame the message holds a reference on, or -1 for a page the sender never
   * touched (it reads as zeros).
   */
  readonly frames: Float64Array;
}

/** What `receive` hands the receiver. */
export interface ReceivedMessage {
  readonly id: number;
  readonly kind: TransferKind;
  readonly from: number;
  readonly length: number;
  /** Where the first payload byte is in the receiver's address space. */
  readonly va: number;
}

/** What `peek` shows of the oldest waiting message, so the receiver can prepare a buffer. */
export interface MessageHeader {
  readonly id: number;
  readonly kind: TransferKind;
  readonly from: number;
  readonly length: number;
  /** Pages a move or share maps, or a copy into a fresh area needs. */
  readonly pages: number;
}
