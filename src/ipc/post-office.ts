/**
 * The post office: every process's mailbox and the messages in flight between them, in the
 * seed's three ways to pass a range of memory:
 *
 * - copy: the send pins the sender's frames (a reference each, its writable entries turned
 *   copy-on-write, as Mach does for out-of-line data); the receive copies the payload once,
 *   from those frames into the receiver's memory through its MMU (copy-delivery.ts).
 * - move (L4 grant): the send detaches the pages from the sender (the range becomes FREE); the
 *   message holds the frames; the receive maps them into the receiver. No byte is copied.
 * - share (L4 map, read-only): the send seals the range in the sender and takes a reference per
 *   frame; the receive maps the frames read-only and sealed.
 *
 * Every operation checks first and changes nothing when it throws. The kernel makes one, opens
 * a mailbox per process, calls onProcessExit before tearing a process down, adds countHolders
 * to its reference-count check and runs check() with its own.
 */
import { AlignmentError, InvalidArgumentError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { Mode } from '../mmu/flags.js';
import { FrameUse, KERNEL_OWNER } from '../phys/frame-table.js';
import { MAX_OWNER } from '../phys/physical-memory-manager.js';
import type { AddressSpace, AttachOptions } from '../vm/address-space.js';
import { PAGE_SIZE } from '../vm/region-map.js';
import { Protection, RegionFlag } from '../vm/region-types.js';
import type { BootedVm } from '../vm/vm-machine.js';
import { CopyDelivery, IPC_REGION_NAME, pageOffset } from './copy-delivery.js';
import { MailboxFullError, NoSuchMailboxError } from './errors.js';
import { emptyStats, type IpcStats, type PostOfficeOptions, type ReceiveOptions } from './ipc-types.js';
import { DEFAULT_MAILBOX_DEPTH, Mailbox } from './mailbox.js';
import type { Message, MessageHeader, ReceivedMessage, TransferKind } from './message.js';
import { MessagePool } from './message-pool.js';
import { Pinning } from './pinning.js';
import { checkPostOffice, countHolders } from './post-office-checker.js';
import { checkSource, isSealed } from './source-check.js';

export type { IpcStats, PostOfficeOptions, ReceiveOptions } from './ipc-types.js';

export class PostOffice {
  readonly machine: BootedVm;
  readonly depth: number;
  readonly stats: IpcStats = emptyStats();
  private readonly boxes = new Map<number, Mailbox>();
  private nextId = 1;
  private readonly pinning = new Pinning();
  private readonly copies = new CopyDelivery();
  private readonly pool = new MessagePool();
  /** attachPages' options for the receive in progress, reused. */
  private readonly attachOptions: AttachOptions = { name: IPC_REGION_NAME };
  /** The send in progress, described only when it fails (operation()). */
  private readonly sending = { kind: 'copy' as TransferKind, va: 0, length: 0, from: 0, to: 0 };

  constructor(machine: BootedVm, options: PostOfficeOptions = {}) {
    const depth = options.depth ?? DEFAULT_MAILBOX_DEPTH;
    checkDepth(depth);
    this.machine = machine;
    this.depth = depth;
  }

  // --- mailboxes ---

  /** Opens the mailbox of a new process. */
  open(pid: number, space: AddressSpace, depth = this.depth): Mailbox {
    checkDepth(depth);
    if (this.boxes.has(pid)) throw new InvalidArgumentError(`open: process ${pid} already has a mailbox`);
    if (!space.isAlive)
      throw new InvalidArgumentError(`open: the address space of process ${pid} is destroyed`);
    const box = new Mailbox(pid, space, depth);
    this.boxes.set(pid, box);
    return box;
  }

  hasMailbox(pid: number): boolean {
    return this.boxes.has(pid);
  }

  /** Messages waiting for `pid`. */
  pending(pid: number): number {
    return this.box(pid, 'pending').size;
  }

  /** Messages in flight, in all mailboxes. */
  get inFlight(): number {
    let n = 0;
    for (const box of this.boxes.values()) n += box.size;
    return n;
  }

  /**
   * The receiver is going away (call it before its space is destroyed): every message waiting
   * for it is released, its frames going back unless someone else holds them, and its mailbox
   * closes. Messages it sent stay in their receivers' mailboxes.
   */
  onProcessExit(pid: number): void {
    const box = this.boxes.get(pid);
    if (!box) return;
    for (const message of box.drain()) {
      this.releaseFrames(message.frames, message.pages);
      this.pool.release(message);
      this.stats.messagesDropped++;
    }
    this.boxes.delete(pid);
  }

  // --- sending ---

  copy(from: number, to: number, va: number, length: number): number {
    return this.send(from, to, va, length, 'copy');
  }

  move(from: number, to: number, va: number, length: number): number {
    return this.send(from, to, va, length, 'move');
  }

  share(from: number, to: number, va: number, length: number): number {
    return this.send(from, to, va, length, 'share');
  }

  /**
   * Sends [va, va + length) of `from`'s memory to `to`'s mailbox; returns the message id. A copy
   * takes any range; a move or a share whole pages (AlignmentError otherwise). The range must be
   * private anonymous memory the sender can read (and write, for a move). Throws
   * NoSuchMailboxError, MailboxFullError, InvalidArgumentError, AlignmentError,
   * AddressRangeError, NotAllocatedError, ProtectionError or LimitError, and then nothing changed.
   */
  send(from: number, to: number, va: number, length: number, kind: TransferKind): number {
    const sending = this.sending;
    sending.kind = kind;
    sending.va = va;
    sending.length = length;
    sending.from = from;
    sending.to = to;
    const senderBox = this.boxes.get(from);
    if (!senderBox) throw new NoSuchMailboxError(from, this.operation());
    const receiver = this.boxes.get(to);
    if (!receiver) throw new NoSuchMailboxError(to, this.operation());
    if (receiver.isFull) throw new MailboxFullError(to, receiver.depth, this.operation());
    if (kind !== 'copy' && kind !== 'move' && kind !== 'share')
      throw new InvalidArgumentError(`${this.operation()}: unknown transfer kind '${kind}'`);
    if (!Number.isInteger(length) || length <= 0)
      throw new InvalidArgumentError(`${this.operation()}: length ${length} must be a positive integer`);
    if (!Number.isInteger(va))
      throw new InvalidArgumentError(`${this.operation()}: address ${va} is not an integer`);
    const offset = pageOffset(va);
    if (kind !== 'copy' && (offset !== 0 || length % PAGE_SIZE !== 0)) {
      throw new AlignmentError(
        `${this.operation()}: a ${kind} takes whole pages; ${hex(va)}+${length} is not page-aligned (send the partial pages by copy)`,
      );
    }
    const start = va - offset;
    const end = start + Math.ceil((offset + length) / PAGE_SIZE) * PAGE_SIZE;
    const sender = senderBox.space;
    checkSource(sender, start, end, kind, this.operation());
    // A copy or a share reads the sender's frames from its tables: swapped-out pages come back first.
    if (kind !== 'move') sender.swapInRange(start, end - start);
    const pages = (end - start) / PAGE_SIZE;
    const message = this.pool.acquire(this.nextId, kind, from, to, length, offset, pages);
    try {
      if (kind === 'move') this.grant(sender, start, end, message.frames);
      else this.pin(sender, start, end, kind, message.frames);
    } catch (error) {
      this.pool.release(message);
      throw error;
    }
    this.nextId++;
    receiver.push(message);
    this.stats.messagesSent++;
    return message.id;
  }

  // --- receiving ---

  /** The oldest message waiting for `pid`, without taking it; null when the mailbox is empty. */
  peek(pid: number): MessageHeader | null {
    const m = this.box(pid, 'peek').peek();
    if (!m) return null;
    return { id: m.id, kind: m.kind, from: m.from, length: m.length, pages: m.pages };
  }

  /**
   * Takes the oldest message for `pid` and delivers it into its address space; returns where the
   * payload is, or null when the mailbox is empty. A move or a share maps a new area (at
   * `options.at`, or a gap the kernel picks); a copy writes into `options.into` or into a new
   * area. On error (BusyError at an occupied `at`, OutOfMemoryError, a bad `into`) the message
   * stays first in the mailbox and nothing changed.
   */
  receive(pid: number, options: ReceiveOptions = {}): ReceivedMessage | null {
    const box = this.box(pid, 'receive');
    const m = box.peek();
    if (!m) return null;
    if (options.at !== undefined && options.into !== undefined)
      throw new InvalidArgumentError(`receive by ${pid}: 'at' and 'into' exclude each other`);
    let va: number;
    if (m.kind === 'copy') {
      va = this.copies.deliver(m, box.space, options.at, options.into);
      this.stats.bytesCopied += m.length;
      this.releaseFrames(m.frames, m.pages);
    } else {
      if (options.into !== undefined) {
        throw new InvalidArgumentError(
          `receive by ${pid}: message ${m.id} is a ${m.kind}, which maps its own area; 'into' is for copies`,
        );
      }
      va = this.mapFrames(m, pid, box.space, options.at);
    }
    box.shift();
    this.stats.messagesReceived++;
    const received = { id: m.id, kind: m.kind, from: m.from, length: m.length, va };
    this.pool.release(m);
    return received;
  }

  // --- for the kernel's invariant checker (post-office-checker.ts) ---

  /** Adds one per reference a message in flight holds, by frame number. */
  countHolders(counts: Uint32Array): void {
    countHolders(this.boxes.values(), counts);
  }

  /** Throws InvariantError unless the mailboxes and the frames their messages hold agree. */
  check(): void {
    checkPostOffice(this.boxes, this.machine.frameTable);
  }

  // --- inside ---

  /**
   * A move's send: the pages leave the sender (LimitError: nothing changed) and the frames it
   * alone held are in the kernel's hands; one still shared copy-on-write with a forked child
   * stays that child's User frame.
   */
  private grant(sender: AddressSpace, start: number, end: number, frames: Float64Array): void {
    const pages = (end - start) / PAGE_SIZE;
    sender.detachPagesInto(start, end - start, frames);
    this.handOver(frames, pages, FrameUse.Message, KERNEL_OWNER);
    this.stats.moves++;
    this.stats.pagesMoved += pages;
  }

  /** A copy's or a share's send: the message holds a reference on each of the sender's frames. */
  private pin(
    sender: AddressSpace,
    start: number,
    end: number,
    kind: TransferKind,
    frames: Float64Array,
  ): void {
    const pages = (end - start) / PAGE_SIZE;
    this.pinning.readFrames(sender, start, pages, frames, this.operation());
    // Sealing again would change nothing (a sealed range has no writable entry): skip its walk.
    this.retainFrames(frames, pages);
    try {
      if (kind === 'share' && !isSealed(sender, start, end)) sender.seal(start, end - start);
    } catch (error) {
      this.releaseFrames(frames, pages); // LimitError: nothing changed
      throw error;
    }
    if (kind === 'copy') {
      this.pinning.writeProtect(sender, start, end);
      this.stats.copies++;
    } else {
      this.stats.shares++;
      this.stats.pagesShared += pages;
    }
  }

  /** The receive of a move or a share: the message's frames mapped as a new area of `space`. */
  private mapFrames(m: Message, pid: number, space: AddressSpace, at: number | undefined): number {
    const move = m.kind === 'move';
    // The frame table's owner field holds 16 bits: refuse before anything changes.
    if (move && (pid & MAX_OWNER) !== pid)
      throw new InvalidArgumentError(`receive by ${pid}: ${pid} is not a frame owner id (0..${MAX_OWNER})`);
    // A frame the receiver alone maps is its own now (adopted in the pass that maps it, when the
    // receiver's pid is its space's owner); one still shared copy-on-write keeps its owner.
    const adopt = move && pid === space.owner && space.mode === Mode.User;
    const options = this.attachOptions;
    options.at = at;
    options.protection = move ? Protection.ReadWrite : Protection.Read;
    options.flags = move ? 0 : RegionFlag.Sealed;
    options.adopt = adopt;
    const va = space.attachPages(m.frames, options, m.pages);
    if (move && !adopt) this.handOver(m.frames, m.pages, FrameUse.User, pid);
    return va;
  }

  private box(pid: number, operation: string): Mailbox {
    const box = this.boxes.get(pid);
    if (!box) throw new NoSuchMailboxError(pid, operation);
    return box;
  }

  /** What the send in progress is, for error messages: "move 0x10000+4096 from 1 to 2". */
  private operation(): string {
    const { kind, va, length, from, to } = this.sending;
    return `${kind} ${hex(va)}+${length} from ${from} to ${to}`;
  }

  /** Hands the frames of frames[0, count) that nobody else holds to `use` and `owner`. */
  private handOver(frames: Float64Array, count: number, use: FrameUse, owner: number): void {
    const refCount = this.machine.frameTable.refCount;
    const source = this.machine.frames;
    for (let k = 0; k < count; k++) {
      const pa = frames[k];
      if (pa >= 0 && refCount[pa / PAGE_SIZE] === 1) source.setOwner(pa, use, owner);
    }
  }

  /** One reference for the message on each frame of frames[0, count), all or none. */
  private retainFrames(frames: Float64Array, count: number): void {
    const source = this.machine.frames;
    let k = 0;
    try {
      for (; k < count; k++) if (frames[k] >= 0) source.retain(frames[k]);
    } catch (error) {
      for (let back = 0; back < k; back++) if (frames[back] >= 0) source.release(frames[back]);
      throw error;
    }
  }

  private releaseFrames(frames: Float64Array, count: number): void {
    const source = this.machine.frames;
    for (let k = 0; k < count; k++) if (frames[k] >= 0) source.release(frames[k]);
  }
}

function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1)
    throw new InvalidArgumentError(`mailbox depth ${depth} must be a positive integer`);
}
