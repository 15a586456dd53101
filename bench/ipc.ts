/**
 * IPC figures, each a ratio of timings taken in this run. For every size, the time of one
 * message from the producer writing it to its delivery:
 * - copy: half of a round trip (A writes and copies its buffer to B, B writes and copies its own
 *   back to A): the producer stores a word into every page of its buffer (paying the
 *   copy-on-write fault the previous send left: the buffer was pinned read-only), send (pin the
 *   frames) + receive into a buffer the receiver has touched;
 * - move: half of a round trip (A writes and moves the range to B, B writes and moves it back to
 *   A's same address), so that every operation starts from the same state; a message under a
 *   page moves its page;
 * - share: send + receive + the receiver unmapping the area again (the sender's range stays sealed).
 * Reported:
 * - moveVsCopy16MiB: a 16 MiB copy / a 16 MiB move;
 * - crossoverBytes: the smallest measured size at which a move is faster than a copy;
 * - copyVsMemcpy1MiB: a 1 MiB copy message / TypedArray.set of 1 MiB (the limit of a copy);
 * - copyNs, moveNs, shareNs: nanoseconds per message at each size;
 * - moveBareSpaces16KiBNs: a 16 KiB move between spaces that map nothing else, so that every
 *   message also frees the sender's emptied page-table pages and allocates the receiver's;
 * - storesNs16MiB: the producer's stores alone, one word into each of 4096 pages the TLB does not
 *   hold (after a move the pages are new to the TLB; 4096 pages overflow its 2048 entries), and
 *   moveVsCopyCeiling16MiB: a 16 MiB copy / those stores, the most moveVsCopy16MiB could read
 *   if the move itself cost nothing.
 * The machine: x86-64 page tables, a 2048-entry TLB, 160 MiB of RAM. Each process has one
 * resident page of its own (a stack page, mapped first, at the bottom of its space), as every
 * real process has: the page-table pages above a message's leaf table are then shared with it,
 * as in a real address space, and not given back and made again with every message.
 */
import { PostOffice } from '../src/ipc/post-office.js';
import { Access } from '../src/mmu/flags.js';
import { AddressSpace } from '../src/vm/address-space.js';
import { bootVm } from '../src/vm/vm-machine.js';
import { consume, measure, round } from './harness.js';

const PAGE = 4096;
const SIZES = [64, 4096, 16 << 10, 64 << 10, 1 << 20, 16 << 20];

function setup(stack = true) {
  // A second-level TLB of a current x86-64 core's size (1536 entries on Skylake; a power of two
  // here): a 1 MiB buffer fits, as it would on the host that runs TypedArray.set.
  const vm = bootVm({ ramBytes: 160 << 20, format: 'x86-64', tlb: { entries: 2048, ways: 8 } });
  const post = new PostOffice(vm);
  const a = new AddressSpace(vm, { owner: 1, asid: 1 });
  const b = new AddressSpace(vm, { owner: 2, asid: 2 });
  post.open(1, a);
  post.open(2, b);
  if (stack) {
    for (const space of [a, b]) {
      const page = space.mapAnon(PAGE, { name: 'stack' });
      space.fill(page, PAGE, 0);
    }
  }
  return { vm, post, a, b };
}

/** The producer's stores: one word into every page of [va, va + pages), as its program would make them. */
function produce(space: AddressSpace, va: number, pages: number, value: number): void {
  const memory = space.machine.memory;
  for (let p = 0; p < pages; p++) memory.write32(space.access(va + p * PAGE, Access.Write), value);
}

function opsFor(bytes: number): number {
  return Math.max(1, Math.min(200, Math.floor((1 << 20) / bytes)));
}

function label(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes >> 20}MiB` : bytes >= 1024 ? `${bytes >> 10}KiB` : `${bytes}B`;
}

async function copyNs(bytes: number): Promise<number> {
  const { post, a, b } = setup();
  const pages = Math.ceil(bytes / PAGE);
  // Each side has a buffer it produces into and one it receives into: a round trip, as for moves.
  const buffers = (space: AddressSpace) => {
    const produced = space.mapAnon(pages * PAGE);
    const received = space.mapAnon(pages * PAGE);
    space.fill(produced, pages * PAGE, 0x5a);
    space.fill(received, pages * PAGE, 1);
    return { produced, into: { into: received } };
  };
  const atA = buffers(a);
  const atB = buffers(b);
  const ops = opsFor(bytes);
  const m = await measure(`copy ${label(bytes)}`, ops * 2, () => {
    for (let i = 0; i < ops; i++) {
      produce(a, atA.produced, pages, i);
      post.copy(1, 2, atA.produced, bytes);
      post.receive(2, atB.into);
      produce(b, atB.produced, pages, i);
      post.copy(2, 1, atB.produced, bytes);
      post.receive(1, atA.into);
    }
  });
  if (post.stats.bytesCopied % bytes !== 0)
    throw new Error('copy bench: bytes copied is not a multiple of the size');
  return m.nsPerOp;
}

async function moveNs(bytes: number, stack = true): Promise<number> {
  const { post, a, b } = setup(stack);
  const pages = Math.ceil(bytes / PAGE);
  const length = pages * PAGE;
  const va = a.mapAnon(length);
  a.fill(va, length, 0x5a);
  const ops = opsFor(bytes);
  const back = { at: va };
  const m = await measure(`move ${label(bytes)}`, ops * 2, () => {
    for (let i = 0; i < ops; i++) {
      produce(a, va, pages, i);
      post.move(1, 2, va, length);
      const there = post.receive(2)?.va ?? 0;
      produce(b, there, pages, i);
      post.move(2, 1, there, length);
      consume(post.receive(1, back)?.va ?? 0);
    }
  });
  if (post.stats.bytesCopied !== 0) throw new Error('move bench: a move copied bytes');
  return m.nsPerOp;
}

async function shareNs(bytes: number): Promise<number> {
  const { post, a, b } = setup();
  const length = Math.ceil(bytes / PAGE) * PAGE;
  const va = a.mapAnon(length);
  a.fill(va, length, 0x5a);
  const ops = opsFor(bytes);
  const m = await measure(`share ${label(bytes)}`, ops, () => {
    for (let i = 0; i < ops; i++) {
      post.share(1, 2, va, length);
      const there = post.receive(2)?.va ?? 0;
      b.unmap(there, length);
    }
  });
  return m.nsPerOp;
}

/** The producer's stores alone: every access a TLB miss and a walk, as after a move. */
async function storesNs(bytes: number): Promise<number> {
  const { a } = setup();
  const pages = Math.ceil(bytes / PAGE);
  const va = a.mapAnon(pages * PAGE);
  a.fill(va, pages * PAGE, 0x5a);
  const ops = opsFor(bytes);
  const m = await measure(`stores ${label(bytes)}`, ops, () => {
    for (let i = 0; i < ops; i++) produce(a, va, pages, i);
  });
  return m.nsPerOp;
}

async function memcpy1MiB(): Promise<number> {
  const source = new Uint8Array(1 << 20).fill(0x5a);
  const target = new Uint8Array(1 << 20);
  const ops = 16;
  const m = await measure('TypedArray.set 1 MiB', ops, () => {
    for (let i = 0; i < ops; i++) {
      source[i] = i;
      target.set(source);
    }
    consume(target[7]);
  });
  return m.nsPerOp;
}

export async function run(): Promise<Record<string, number | Record<string, number>>> {
  const copy: Record<string, number> = {};
  const move: Record<string, number> = {};
  const share: Record<string, number> = {};
  let crossoverBytes = -1;
  for (const bytes of SIZES) {
    copy[label(bytes)] = round(await copyNs(bytes), 0);
    move[label(bytes)] = round(await moveNs(bytes), 0);
    share[label(bytes)] = round(await shareNs(bytes), 0);
    if (crossoverBytes < 0 && move[label(bytes)] < copy[label(bytes)]) crossoverBytes = bytes;
  }
  const memcpy = await memcpy1MiB();
  const bare = await moveNs(16 << 10, false);
  const stores = await storesNs(16 << 20);
  return {
    moveVsCopy16MiB: round(copy['16MiB'] / move['16MiB'], 2),
    crossoverBytes,
    copyVsMemcpy1MiB: round(copy['1MiB'] / memcpy, 2),
    memcpy1MiBNs: round(memcpy, 0),
    copyNs: copy,
    moveNs: move,
    shareNs: share,
    moveBareSpaces16KiBNs: round(bare, 0),
    storesNs16MiB: round(stores, 0),
    moveVsCopyCeiling16MiB: round(copy['16MiB'] / stores, 2),
  };
}
