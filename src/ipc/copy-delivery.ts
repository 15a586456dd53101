/**
 * The receive of a copy message: the payload copied once, from the frames the message pinned
 * straight into the receiver's memory as the receiver's MMU translates it. No kernel buffer.
 */
import {
  AddressRangeError,
  InvalidArgumentError,
  InvariantError,
  NotAllocatedError,
} from '../common/errors.js';
import { hex } from '../common/format.js';
import { Access } from '../mmu/flags.js';
import type { PhysicalMemory } from '../phys/physical-memory.js';
import type { AddressSpace } from '../vm/address-space.js';
import { ProtectionError } from '../vm/errors.js';
import { PAGE_SIZE } from '../vm/region-map.js';
import { Protection, RegionType } from '../vm/region-types.js';
import type { Message } from './message.js';

/**
 * The region name of every area a receive maps: one name, so that the areas a long stream of
 * messages leaves next to each other merge into one region instead of filling the region map.
 */
export const IPC_REGION_NAME = 'ipc';

export class CopyDelivery {
  /** The destination's frames, one a page. */
  private destination = new Float64Array(64);

  /**
   * Copies `m`'s payload into `space` (into `into`, or a fresh area at `at` or where the region
   * map finds room); returns where its first byte landed. On error nothing changed.
   */
  deliver(m: Message, space: AddressSpace, at: number | undefined, into: number | undefined): number {
    let area = -1;
    let base: number;
    if (into !== undefined) {
      base = into;
      checkDestination(space, base, m.length, `receive of message ${m.id} by ${m.to}`);
    } else {
      area = space.mapAnon(m.pages * PAGE_SIZE, { at, name: IPC_REGION_NAME });
      base = area + m.offset;
    }
    try {
      this.translateDestination(space, base, m.length);
    } catch (error) {
      if (area >= 0) space.unmap(area, m.pages * PAGE_SIZE);
      throw error;
    }
    copyPayload(space.machine.memory, m, this.destination, base);
    return base;
  }

  /**
   * Fills `destination` with the frames of the receiver's pages, as its MMU translates a write
   * to them (the receiver is running: its TLB is used). When a page is not present or not
   * writable, AddressSpace.fill resolves the faults all-or-nothing first; the zeros it writes
   * are overwritten by the payload, and no payload byte is written twice.
   */
  private translateDestination(space: AddressSpace, va: number, length: number): void {
    const first = va - pageOffset(va);
    const pages = Math.ceil((va + length - first) / PAGE_SIZE);
    if (this.destination.length < pages)
      this.destination = new Float64Array(Math.max(pages, this.destination.length * 2));
    const out = this.destination;
    const mmu = space.machine.mmu;
    for (let attempt = 0; attempt < 2; attempt++) {
      space.activate();
      let k = 0;
      for (; k < pages; k++) {
        const pa = mmu.translate(first + k * PAGE_SIZE, Access.Write, space.mode);
        if (pa < 0) break;
        out[k] = pa;
      }
      if (k === pages) return;
      if (attempt === 0) space.fill(va, length, 0);
    }
    throw new InvariantError(`${space.name}: ${mmu.describeFault()} after the buffer was faulted in`);
  }
}

/** Refuses a receive buffer that is not mapped writable for the whole payload. */
function checkDestination(space: AddressSpace, va: number, length: number, operation: string): void {
  if (!Number.isInteger(va)) throw new InvalidArgumentError(`${operation}: address ${va} is not an integer`);
  if (!(va >= space.start && va + length <= space.end)) {
    throw new AddressRangeError(
      `${operation}: ${hex(va)}+${length} is outside ${space.name}'s range ${hex(space.start)}..${hex(space.end)}`,
    );
  }
  const regions = space.regions;
  for (let at = va; at < va + length; ) {
    const i = regions.find(at);
    if (regions.type(i) === RegionType.Free)
      throw new NotAllocatedError(`${operation}: buffer byte ${hex(at)} is not mapped in ${space.name}`);
    if (!(regions.protection(i) & Protection.Write))
      throw new ProtectionError(`${operation}: buffer byte ${hex(at)} is not writable in ${space.name}`);
    at = regions.ceiling(i);
  }
}

/**
 * The single copy: from the pinned frames to the receiver's frames at `base`. Pages that follow
 * each other physically on both sides go in one call; a page the sender never touched is zeros.
 */
function copyPayload(memory: PhysicalMemory, m: Message, destination: Float64Array, base: number): void {
  const { frames, length, offset, pages } = m;
  const destinationFirst = base - pageOffset(base);
  let done = 0;
  while (done < length) {
    const source = offset + done;
    const index = Math.floor(source / PAGE_SIZE);
    const sourceIn = source - index * PAGE_SIZE;
    const destinationAt = base + done - destinationFirst;
    const destinationIndex = Math.floor(destinationAt / PAGE_SIZE);
    const destinationIn = destinationAt - destinationIndex * PAGE_SIZE;
    let piece = Math.min(length - done, PAGE_SIZE - sourceIn, PAGE_SIZE - destinationIn);
    const target = destination[destinationIndex] + destinationIn;
    const from = frames[index];
    if (from < 0) {
      memory.fill(target, piece, 0);
    } else {
      if (piece === PAGE_SIZE) {
        for (
          let k = 1;
          done + piece + PAGE_SIZE <= length &&
          index + k < pages &&
          frames[index + k] === from + piece &&
          destination[destinationIndex + k] === target + piece;
          k++
        ) {
          piece += PAGE_SIZE;
        }
      }
      memory.copy(target, from + sourceIn, piece);
    }
    done += piece;
  }
}

export function pageOffset(va: number): number {
  return ((va % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE;
}
