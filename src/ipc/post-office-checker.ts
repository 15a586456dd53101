/**
 * The invariants of a post office's mailboxes and of the frames their messages hold, and the
 * holders it adds to the kernel's reference-count check.
 */
import { InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import type { FrameTable } from '../phys/frame-table.js';
import { FrameState, FrameUse, KERNEL_OWNER } from '../phys/frame-table.js';
import { PAGE_SIZE } from '../vm/region-map.js';
import type { Mailbox } from './mailbox.js';

/** Adds one per reference a message in flight holds, by frame number. */
export function countHolders(boxes: Iterable<Mailbox>, counts: Uint32Array): void {
  for (const box of boxes) {
    for (const m of box.messages()) {
      const frames = m.frames;
      for (let k = 0; k < m.pages; k++) if (frames[k] >= 0) counts[frames[k] / PAGE_SIZE]++;
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
export function checkPostOffice(boxes: Map<number, Mailbox>, table: FrameTable): void {
  const holds = new Uint32Array(table.frameCount);
  for (const [pid, box] of boxes) {
    if (box.pid !== pid) throw new InvariantError(`mailbox of process ${box.pid} is filed under ${pid}`);
    if (!box.space.isAlive)
      throw new InvariantError(`mailbox of process ${pid} belongs to a destroyed space`);
    if (box.size > box.depth)
      throw new InvariantError(
        `mailbox of process ${pid} holds ${box.size} messages; its depth is ${box.depth}`,
      );
    for (const m of box.messages()) {
      if (m.to !== pid) throw new InvariantError(`message ${m.id} for ${m.to} is in the mailbox of ${pid}`);
      for (let k = 0; k < m.pages; k++) {
        const pa = m.frames[k];
        if (pa < 0) continue;
        if (table.state[pa / PAGE_SIZE] !== FrameState.Allocated)
          throw new InvariantError(`message ${m.id} holds frame ${hex(pa)}, which is not allocated`);
        holds[pa / PAGE_SIZE]++;
      }
    }
  }
  const frameCount = table.frameCount;
  for (let pfn = 0; pfn < frameCount; pfn++) {
    if (holds[pfn] === 0 || table.use[pfn] !== FrameUse.Message) continue;
    if (table.refCount[pfn] !== holds[pfn]) {
      throw new InvariantError(
        `frame ${hex(pfn * PAGE_SIZE)} is a message frame with reference count ${table.refCount[pfn]} but ${holds[pfn]} messages holding it`,
      );
    }
    if (table.owner[pfn] !== KERNEL_OWNER)
      throw new InvariantError(`message frame ${hex(pfn * PAGE_SIZE)} is owned by ${table.owner[pfn]}`);
  }
}
