/**
 * The options and statistics of the post office's API: how it is made, where a received
 * payload lands, and what it counted.
 */

export interface PostOfficeOptions {
  /** Messages each mailbox holds (default DEFAULT_MAILBOX_DEPTH). */
  depth?: number;
}

export interface ReceiveOptions {
  /**
   * Where the area of a move, a share or a copy lands: exactly this page-aligned address, which
   * must be free (BusyError otherwise). Without it (and without `into`) the kernel picks a gap.
   */
  at?: number;
  /**
   * Copy messages only: the payload is copied to this existing buffer of the receiver, which must
   * be mapped writable for the whole length. Without it a copy lands in a fresh area.
   */
  into?: number;
}

export interface IpcStats {
  messagesSent: number;
  messagesReceived: number;
  /** Messages released unread because their receiver exited. */
  messagesDropped: number;
  copies: number;
  moves: number;
  shares: number;
  /** Payload bytes written into receivers by copy messages (each byte once). */
  bytesCopied: number;
  /** Pages granted by move messages (at send). */
  pagesMoved: number;
  /** Pages shared read-only by share messages (at send). */
  pagesShared: number;
}

export function emptyStats(): IpcStats {
  return {
    messagesSent: 0,
    messagesReceived: 0,
    messagesDropped: 0,
    copies: 0,
    moves: 0,
    shares: 0,
    bytesCopied: 0,
    pagesMoved: 0,
    pagesShared: 0,
  };
}
