/**
 * The post office: every process's mailbox and the messages in flight between them. The seed's
 * three ways to pass a range of memory:
 *
 * - copy: the send pins the sender's frames (one reference each, the sender's writable entries
 *   turned copy-on-write, as Mach does for out-of-line data); the receive copies the payload
 *   once, straight from those frames into the receiver's memory through the receiver's MMU, and
 *   drops the pins. No kernel buffer holds the bytes in between.
 * - move (L4 grant): the send detaches the pages from the sender (its entries and TLB entries
 *   go, the range becomes FREE, so any later access faults); the message holds the frames; the
 *   receive maps them into the receiver. Not one payload byte is copied.
 * - share (L4 map, read-only): the send seals the range in the sender (irrevocably read-only)
 *   and takes one reference per frame; the receive maps the frames read-only and sealed, the
 *   message's reference passing to that mapping. The frames go back when the last mapping goes.
 *
 * Every operation checks first and changes nothing when it throws. The kernel constructs one,
 * opens a mailbox per process, calls onProcessExit before tearing a process down, adds
 * countHolders to its reference-count check and runs check() with its own.
 */
import {
  AddressRangeError,
  AlignmentError,
  InvalidArgumentError,
  InvariantError,
  LimitError,
  NotAllocatedError,
} from '../common/errors.js';
import { hex } from '../common/format.js';
import { Access, Mode } from '../mmu/flags.js';
import { FrameState, FrameUse, KERNEL_OWNER, MAX_REF_COUNT } from '../phys/frame-table.js';
import { MAX_OWNER } from '../phys/physical-memory-manager.js';
import type { AddressSpace } from '../vm/address-space.js';
import { ProtectionError } from '../vm/errors.js';
import { LeafWriter, NO_TABLE } from '../vm/leaf-writer.js';
import { Protection, RegionFlag, RegionType } from '../vm/region-types.js';
import type { BootedVm } from '../vm/vm-machine.js';
import { MailboxFullError, NoSuchMailboxError } from './errors.js';
import { DEFAULT_MAILBOX_DEPTH, Mailbox } from './mailbox.js';
import type { Message, MessageHeader, ReceivedMessage, TransferKind } from './message.js';

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

const READABLE = Protection.Read | Protection.Write;
// Local copies for the per-page loops: imported bindings are getters under the test and
// benchmark loaders.
const PAGE = 4096;
const WRITE = Access.Write;
const SHIFT = 12;
const MESSAGE = FrameUse.Message;
const USER = FrameUse.User;
const KERNEL = KERNEL_OWNER;

export class PostOffice {
  readonly machine: BootedVm;
  readonly depth: number;
  readonly stats: IpcStats = {
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
  private readonly boxes = new Map<number, Mailbox>();
  private nextId = 1;
  private readonly leaf: LeafWriter;
  /** Scratch for framesOf: 1 where the sender's entry was writable. */
  private writable = new Uint8Array(64);
  /** Scratch for destinationFrames. */
  private dstPages = new Float64Array(64);
  /** The send in progress, described only when it fails (operation()). */
  private readonly sending = { kind: 'copy' as TransferKind, va: 0, length: 0, from: 0, to: 0 };

  constructor(machine: BootedVm, options: PostOfficeOptions = {}) {
    const depth = options.depth ?? DEFAULT_MAILBOX_DEPTH;
    checkDepth(depth);
    this.machine = machine;
    this.depth = depth;
    this.leaf = new LeafWriter(machine.pageTables);
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
      this.releaseFrames(message.frames);
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
   * Sends [va, va + length) of `from`'s memory to `to`'s mailbox; returns the message id.
   * A copy takes any range; a move or a share takes whole pages (page-aligned address and
   * length: AlignmentError otherwise). The range must be private anonymous memory the sender
   * can read (and write, for a move). Throws NoSuchMailboxError, MailboxFullError,
   * InvalidArgumentError, AlignmentError, AddressRangeError, NotAllocatedError, ProtectionError
   * or LimitError, and then nothing changed.
   */
  send(from: number, to: number, va: number, length: number, kind: TransferKind): number {
    // The operation's description is built only for an error message (see operation()).
    const sending = this.sending;
    sending.kind = kind;
    sending.va = va;
    sending.length = length;
    sending.from = from;
    sending.to = to;
    const senderBox = this.boxes.get(from);
    if (!senderBox) throw new NoSuchMailboxError(from, this.operation());
    const sender = senderBox.space;
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
    if (kind !== 'copy' && (offset !== 0 || length % PAGE !== 0)) {
      throw new AlignmentError(
        `${this.operation()}: a ${kind} takes whole pages; ${hex(va)}+${length} is not page-aligned (send the partial pages by copy)`,
      );
    }
    const start = va - offset;
    const end = start + Math.ceil((offset + length) / PAGE) * PAGE;
    this.checkSource(sender, start, end, kind);

    let frames: Float64Array;
    const { frameTable } = this.machine;
    if (kind === 'move') {
      frames = sender.detachPages(start, end - start); // LimitError: nothing changed
      // The frames are in the kernel's hands now, in one pass over the frame table (they were
      // just taken from the sender's page tables, so they are allocated). A frame still shared
      // copy-on-write with a forked child stays that child's User frame.
      const { refCount, use, owner } = frameTable;
      for (let k = 0; k < frames.length; k++) {
        const pa = frames[k];
        if (pa < 0) continue;
        const pfn = pa >>> SHIFT; // physical addresses are below 4 GiB
        if (refCount[pfn] === 1) {
          use[pfn] = MESSAGE;
          owner[pfn] = KERNEL;
        }
      }
      this.stats.moves++;
      this.stats.pagesMoved += frames.length;
    } else {
      frames = this.framesOf(sender, start, (end - start) / PAGE);
      // Sealing again would change nothing (a sealed range has no writable entry): skip its walk.
      if (kind === 'share' && !isSealed(sender, start, end)) sender.seal(start, end - start); // LimitError: nothing changed
      // One reference per frame for the message (framesOf checked none is at the maximum).
      const refCount = frameTable.refCount;
      for (let k = 0; k < frames.length; k++) if (frames[k] >= 0) refCount[frames[k] >>> SHIFT]++;
      if (kind === 'copy') {
        this.copyOnWrite(sender, start, end);
        this.stats.copies++;
      } else {
        this.stats.shares++;
        this.stats.pagesShared += frames.length;
      }
    }
    const message: Message = { id: this.nextId++, kind, from, to, length, offset, frames };
    receiver.push(message);
    this.stats.messagesSent++;
    return message.id;
  }

  // --- receiving ---

  /** The oldest message waiting for `pid`, without taking it; null when the mailbox is empty. */
  peek(pid: number): MessageHeader | null {
    const m = this.box(pid, 'peek').peek();
    if (!m) return null;
    return { id: m.id, kind: m.kind, from: m.from, length: m.length, pages: m.frames.length };
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
    const space = box.space;
    let va: number;
    if (m.kind === 'copy') {
      va = this.deliverCopy(m, space, options);
    } else {
      if (options.into !== undefined) {
        throw new InvalidArgumentError(
          `receive by ${pid}: message ${m.id} is a ${m.kind}, which maps its own area; 'into' is for copies`,
        );
      }
      const move = m.kind === 'move';
      // The frame table's owner field holds 16 bits: refuse before anything changes.
      if (move && (pid & MAX_OWNER) !== pid)
        throw new InvalidArgumentError(`receive by ${pid}: ${pid} is not a frame owner id (0..${MAX_OWNER})`);
      // A frame the receiver alone maps is its own now (the attach adopts it in the pass that
      // maps it, when the receiver's pid is its space's owner); one still shared copy-on-write
      // with the sender's forked child keeps its owner.
      const adopt = move && pid === space.owner && space.mode === Mode.User;
      va = space.attachPages(m.frames, {
        at: options.at,
        protection: move ? Protection.ReadWrite : Protection.Read,
        flags: move ? 0 : RegionFlag.Sealed,
        name: `message ${m.id}`,
        adopt,
      });
      if (move && !adopt) {
        // The same, in a pass of its own.
        const { refCount, use, owner } = this.machine.frameTable;
        const frames = m.frames;
        for (let k = 0; k < frames.length; k++) {
          const pa = frames[k];
          if (pa < 0) continue;
          const pfn = pa >>> SHIFT;
          if (refCount[pfn] === 1) {
            use[pfn] = USER;
            owner[pfn] = pid;
          }
        }
      }
    }
    box.shift();
    this.stats.messagesReceived++;
    return { id: m.id, kind: m.kind, from: m.from, length: m.length, va };
  }

  // --- for the kernel's invariant checker ---

  /** Adds one per reference a message in flight holds, by frame number. */
  countHolders(counts: Uint32Array): void {
    for (const box of this.boxes.values()) {
      for (const m of box.messages()) {
        const frames = m.frames;
        for (let k = 0; k < frames.length; k++) if (frames[k] >= 0) counts[frames[k] / PAGE]++;
      }
    }
  }

  /**
   * Throws InvariantError unless every mailbox belongs to a live space and holds at most its
   * depth, every frame a message holds is allocated, and every frame of these messages in the
   * kernel's hands (FrameUse.Message) is held by them exactly as many times as its reference
   * count says, with the kernel as owner. A FrameUse.Message frame that no message holds at all
   * is for the kernel's check to find (it counts every post office's holders).
   */
  check(): void {
    const table = this.machine.frameTable;
    const holds = new Uint32Array(table.frameCount);
    for (const [pid, box] of this.boxes) {
      if (box.pid !== pid) throw new InvariantError(`mailbox of process ${box.pid} is filed under ${pid}`);
      if (!box.space.isAlive)
        throw new InvariantError(`mailbox of process ${pid} belongs to a destroyed space`);
      if (box.size > box.depth)
        throw new InvariantError(
          `mailbox of process ${pid} holds ${box.size} messages; its depth is ${box.depth}`,
        );
      for (const m of box.messages()) {
        if (m.to !== pid) throw new InvariantError(`message ${m.id} for ${m.to} is in the mailbox of ${pid}`);
        for (let k = 0; k < m.frames.length; k++) {
          const pa = m.frames[k];
          if (pa < 0) continue;
          if (table.state[pa / PAGE] !== FrameState.Allocated)
            throw new InvariantError(`message ${m.id} holds frame ${hex(pa)}, which is not allocated`);
          holds[pa / PAGE]++;
        }
      }
    }
    for (let pfn = 0; pfn < table.frameCount; pfn++) {
      if (holds[pfn] === 0 || table.use[pfn] !== FrameUse.Message) continue;
      if (table.refCount[pfn] !== holds[pfn]) {
        throw new InvariantError(
          `frame ${hex(pfn * PAGE)} is a message frame with reference count ${table.refCount[pfn]} but ${holds[pfn]} messages holding it`,
        );
      }
      if (table.owner[pfn] !== KERNEL_OWNER)
        throw new InvariantError(`message frame ${hex(pfn * PAGE)} is owned by ${table.owner[pfn]}`);
    }
  }

  // --- inside ---

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

  /** Refuses a source range that is not private anonymous memory the sender may read (or write, to move). */
  private checkSource(space: AddressSpace, start: number, end: number, kind: TransferKind): void {
    if (!(start >= space.start && end <= space.end)) {
      throw new AddressRangeError(
        `${this.operation()}: ${hex(start)}..${hex(end)} is outside ${space.name}'s range ${hex(space.start)}..${hex(space.end)}`,
      );
    }
    const r = space.regions;
    for (let at = start; at < end; ) {
      const i = r.find(at);
      if (i < 0 || r.type(i) === RegionType.Free)
        throw new NotAllocatedError(`${this.operation()}: ${hex(at)} is not mapped in ${space.name}`);
      if (r.type(i) !== RegionType.Anon || r.flags(i) & RegionFlag.Shared) {
        throw new InvalidArgumentError(
          `${this.operation()}: ${hex(at)} in ${space.name} is ${r.type(i) === RegionType.Anon ? 'shared writable' : 'PHYS'} memory; only private anonymous memory can be sent`,
        );
      }
      const protection = r.protection(i);
      if (!(protection & READABLE))
        throw new ProtectionError(`${this.operation()}: ${hex(at)} in ${space.name} is not readable`);
      if (kind === 'move' && !(protection & Protection.Write)) {
        throw new ProtectionError(
          `${this.operation()}: ${hex(at)} in ${space.name} is read-only${r.flags(i) & RegionFlag.Sealed ? ' (sealed)' : ''}; moving it would hand out write access`,
        );
      }
      at = r.ceiling(i);
    }
  }

  /**
   * The frames of `pages` pages from `start` as the sender's page tables map them (-1: never
   * touched), read in software a leaf table at a time, as a kernel pins user pages
   * (get_user_pages): the sender is not running, so no TLB entry of its is used or made. Marks in
   * `this.writable` the pages whose entry allows writing.
   */
  private framesOf(space: AddressSpace, start: number, pages: number): Float64Array {
    const leaf = this.leaf;
    const span = leaf.tableSpan;
    const out = new Float64Array(pages);
    if (this.writable.length < pages)
      this.writable = new Uint8Array(Math.max(pages, this.writable.length * 2));
    const writable = this.writable;
    const end = start + pages * PAGE;
    // A leaf table at a time: one walk from the root, then one pass over its entries.
    for (let lo = start; lo < end; ) {
      const hi = Math.min(end, (Math.floor(lo / span) + 1) * span);
      const from = (lo - start) / PAGE;
      const count = (hi - lo) / PAGE;
      const table = leaf.leafTableOf(space.root, lo);
      if (table === NO_TABLE) {
        out.fill(-1, from, from + count);
        writable.fill(0, from, from + count);
      } else {
        leaf.readFrames(table, leaf.entryAddress(table, lo), count, out, writable, from);
      }
      lo = hi;
    }
    const refCount = this.machine.frameTable.refCount;
    for (let k = 0; k < pages; k++) {
      const pa = out[k];
      if (pa >= 0 && refCount[pa >>> SHIFT] >= MAX_REF_COUNT)
        throw new LimitError(
          `${this.operation()}: frame ${hex(pa)} already has the maximum number of holders`,
        );
    }
    return out;
  }

  /**
   * After pinning: the sender's writable entries over the pinned frames become read-only, so
   * that its next write copies the page (or takes it back once the message is gone).
   * AddressSpace.protect rewrites entries from the reference counts, with the regions' own
   * protection, so the region map does not change. Only runs of pages whose entry was writable
   * (framesOf marked them) are rewritten: a buffer sent again without a write in between costs
   * nothing here.
   */
  private copyOnWrite(space: AddressSpace, start: number, end: number): void {
    const r = space.regions;
    const writable = this.writable;
    let runStart = -1;
    for (let k = 0, page = start; page <= end; k++, page += PAGE) {
      const isWritable = page < end && writable[k] === 1;
      // A run ends at a read-only page, at the end, or at a region boundary.
      if (runStart >= 0 && (!isWritable || r.ceiling(r.find(runStart)) === page)) {
        space.protect(runStart, page - runStart, r.protection(r.find(runStart)));
        runStart = -1;
      }
      if (isWritable && runStart < 0) runStart = page;
    }
  }

  /** Copies a copy message into the receiver; returns where its first byte landed. */
  private deliverCopy(m: Message, space: AddressSpace, options: ReceiveOptions): number {
    const operation = `receive of message ${m.id} by ${m.to}`;
    let area = -1;
    let base: number;
    if (options.into !== undefined) {
      base = options.into;
      this.checkDestination(space, base, m.length, operation);
    } else {
      area = space.mapAnon(m.frames.length * PAGE, { at: options.at, name: `message ${m.id}` });
      base = area + m.offset;
    }
    let dstPages: Float64Array;
    try {
      dstPages = this.destinationFrames(space, base, m.length);
    } catch (error) {
      if (area >= 0) space.unmap(area, m.frames.length * PAGE);
      throw error;
    }
    this.copyPayload(m, dstPages, base);
    this.releaseFrames(m.frames);
    return base;
  }

  private checkDestination(space: AddressSpace, va: number, length: number, operation: string): void {
    if (!Number.isInteger(va))
      throw new InvalidArgumentError(`${operation}: address ${va} is not an integer`);
    if (!(va >= space.start && va + length <= space.end)) {
      throw new AddressRangeError(
        `${operation}: ${hex(va)}+${length} is outside ${space.name}'s range ${hex(space.start)}..${hex(space.end)}`,
      );
    }
    const r = space.regions;
    for (let at = va; at < va + length; ) {
      const i = r.find(at);
      if (r.type(i) === RegionType.Free)
        throw new NotAllocatedError(`${operation}: buffer byte ${hex(at)} is not mapped in ${space.name}`);
      if (!(r.protection(i) & Protection.Write))
        throw new ProtectionError(`${operation}: buffer byte ${hex(at)} is not writable in ${space.name}`);
      at = r.ceiling(i);
    }
  }

  /**
   * The destination's frames, one a page, as the receiver's MMU translates a write to them
   * (the receiver is running: its TLB is used). When a page is not present or not writable,
   * AddressSpace.fill resolves the faults all-or-nothing first (it undoes them on
   * OutOfMemoryError); the zeros it writes are overwritten by the payload, and no payload byte
   * is written twice.
   */
  private destinationFrames(space: AddressSpace, va: number, length: number): Float64Array {
    const first = va - pageOffset(va);
    const pages = Math.ceil((va + length - first) / PAGE);
    if (this.dstPages.length < pages)
      this.dstPages = new Float64Array(Math.max(pages, this.dstPages.length * 2));
    const out = this.dstPages;
    const mmu = this.machine.mmu;
    const mode = space.mode;
    for (let attempt = 0; attempt < 2; attempt++) {
      space.activate();
      let k = 0;
      for (; k < pages; k++) {
        const pa = mmu.translate(first + k * PAGE, WRITE, mode);
        if (pa < 0) break;
        out[k] = pa;
      }
      if (k === pages) return out;
      if (attempt === 0) space.fill(va, length, 0);
    }
    throw new InvariantError(`${space.name}: ${mmu.describeFault()} after the buffer was faulted in`);
  }

  /**
   * The single copy: from the pinned frames to the receiver's frames. Pages that follow each
   * other physically on both sides go in one call.
   */
  private copyPayload(m: Message, dstPages: Float64Array, base: number): void {
    const memory = this.machine.memory;
    const { frames, length, offset } = m;
    const dstFirst = base - pageOffset(base);
    let done = 0;
    while (done < length) {
      const source = offset + done;
      const index = Math.floor(source / PAGE);
      const sourceIn = source - index * PAGE;
      const dstRel = base + done - dstFirst;
      const dstIndex = Math.floor(dstRel / PAGE);
      const dstIn = dstRel - dstIndex * PAGE;
      let n = Math.min(length - done, PAGE - sourceIn, PAGE - dstIn);
      const dstPa = dstPages[dstIndex] + dstIn;
      const src = frames[index];
      if (src < 0) {
        memory.fill(dstPa, n, 0);
      } else {
        if (n === PAGE) {
          let k = 1;
          while (
            done + n + PAGE <= length &&
            index + k < frames.length &&
            frames[index + k] === src + n &&
            dstPages[dstIndex + k] === dstPa + n
          ) {
            n += PAGE;
            k++;
          }
        }
        memory.copy(dstPa, src + sourceIn, n);
      }
      done += n;
    }
    this.stats.bytesCopied += length;
  }

  private releaseFrames(frames: Float64Array): void {
    const source = this.machine.frames;
    for (let k = 0; k < frames.length; k++) if (frames[k] >= 0) source.release(frames[k]);
  }
}

function pageOffset(va: number): number {
  return ((va % PAGE) + PAGE) % PAGE;
}

/** Whether every region over [start, end) is sealed. */
function isSealed(space: AddressSpace, start: number, end: number): boolean {
  const r = space.regions;
  for (let at = start; at < end; ) {
    const i = r.find(at);
    if (!(r.flags(i) & RegionFlag.Sealed)) return false;
    at = r.ceiling(i);
  }
  return true;
}

function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1)
    throw new InvalidArgumentError(`mailbox depth ${depth} must be a positive integer`);
}
