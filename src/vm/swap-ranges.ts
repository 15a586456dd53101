/**
 * The swap entries of a whole range, a leaf table at a time: dropping them when the range goes
 * (munmap, exit: each slot reference goes back), bringing them all back in (before an IPC send
 * or move reads the sender's frames from its tables), and visiting them (the checker, reports).
 */
import { Access } from '../mmu/flags.js';
import { isSwapEntry } from '../mmu/swap-entries.js';
import type { AddressSpace } from './address-space.js';
import type { FaultLog } from './fault-log.js';
import { NO_TABLE } from './leaf-writer.js';
import { PAGE_SIZE } from './region-map.js';
import { swapIn } from './swap-in.js';
import type { VmSwap } from './vm-swap.js';

/** Called with each swap entry's page and slot. */
export type SwapEntryVisitor = (va: number, slot: number) => void;

/** Calls `visit` for every swap entry of [start, end) (4 KiB aligned) in `space`. Reads only. */
export function forEachSwapEntry(
  space: AddressSpace,
  swap: VmSwap,
  start: number,
  end: number,
  visit: SwapEntryVisitor,
): void {
  const leaf = space.leaf;
  const memory = space.machine.memory;
  const format = space.machine.pageTables.format;
  const wide = format.entryBytes === 8;
  const span = leaf.tableSpan;
  for (let from = start; from < end; ) {
    const to = Math.min(end, (Math.floor(from / span) + 1) * span);
    const table = leaf.leafTableOf(space.root, from);
    if (table !== NO_TABLE) {
      let at = leaf.entryAddress(table, from);
      for (let va = from; va < to; va += PAGE_SIZE, at += format.entryBytes) {
        const lo = memory.read32(at);
        const hi = wide ? memory.read32(at + 4) : 0;
        if (isSwapEntry(lo, hi)) visit(va, swap.entries.slotOf(lo, hi));
      }
    }
    from = to;
  }
}

/**
 * Clears the swap entries of [start, end), giving back their slot references, and gives back
 * each leaf table (and the tables above) that this leaves with no entry in use.
 */
export function dropSwapEntries(space: AddressSpace, swap: VmSwap, start: number, end: number): void {
  const leaf = space.leaf;
  const { memory, pageTables } = space.machine;
  const wide = pageTables.format.entryBytes === 8;
  const step = pageTables.format.entryBytes;
  const span = leaf.tableSpan;
  for (let from = start; from < end; ) {
    const to = Math.min(end, (Math.floor(from / span) + 1) * span);
    const table = leaf.leafTableOf(space.root, from);
    if (table !== NO_TABLE) {
      let cleared = 0;
      let at = leaf.entryAddress(table, from);
      for (let va = from; va < to; va += PAGE_SIZE, at += step) {
        const lo = memory.read32(at);
        const hi = wide ? memory.read32(at + 4) : 0;
        if (!isSwapEntry(lo, hi)) continue;
        swap.device.release(swap.entries.slotOf(lo, hi));
        memory.write32(at, 0);
        if (wide) memory.write32(at + 4, 0);
        cleared++;
      }
      if (cleared > 0) {
        const frame = table >>> 12;
        pageTables.presentCount[frame] -= cleared;
        if (pageTables.presentCount[frame] === 0) pageTables.releaseEmptyLeafTable(space.root, from);
      }
    }
    from = to;
  }
}

/**
 * Brings back every swapped page of [start, end), recording each in `log`; on OutOfMemoryError
 * the pages brought back are swapped out again (the log's rollback) and the error thrown.
 */
export function swapInRange(
  space: AddressSpace,
  swap: VmSwap,
  start: number,
  end: number,
  log: FaultLog,
): void {
  const regions = space.regions;
  const memory = space.machine.memory;
  const wide = space.machine.pageTables.format.entryBytes === 8;
  const pages: number[] = [];
  forEachSwapEntry(space, swap, start, end, (va) => pages.push(va));
  if (pages.length === 0) return;
  // The range's resident pages, and each page brought back, stay until the range is done.
  const mark = swap.keptMark();
  try {
    space.machine.pageTables.walkRange(space.root, start, end, (_va, pa) => swap.keep(pa));
    for (const va of pages) {
      const table = space.leaf.leafTableOf(space.root, va);
      const at = space.leaf.entryAddress(table, va);
      const lo = memory.read32(at);
      const hi = wide ? memory.read32(at + 4) : 0;
      swapIn(space, swap, va, regions.find(va), Access.Read, at, lo, hi, log);
      swap.keep(space.leaf.frameAt(at));
    }
  } catch (error) {
    log.rollback(space);
    throw error;
  } finally {
    swap.releaseKept(mark);
  }
}
