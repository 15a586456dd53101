/** The ipc layer: mailboxes, and messages that copy, move or share a range of memory. */
export { MailboxFullError, NoSuchMailboxError } from './errors.js';
export { DEFAULT_MAILBOX_DEPTH, Mailbox } from './mailbox.js';
export type { Message, MessageHeader, ReceivedMessage, TransferKind } from './message.js';
export { type IpcStats, PostOffice, type PostOfficeOptions, type ReceiveOptions } from './post-office.js';
