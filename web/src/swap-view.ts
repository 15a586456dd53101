/**
 * Memory pressure as the page shows it, on a machine with a swap device: the device's slots in
 * use, the replacement policy and where its hand is (the frame the clock or FIFO looks at next),
 * which resident pages have their accessed bit set (the clock's second chance), and the pages of
 * a process that are out in swap. Read without changing anything (the A bits are read from the
 * entries, never cleared); drawn under the map.
 */
import { hex, type ScenarioMachine } from '../../src/index.js';
import { el } from './dom.js';

export interface SwapState {
  policy: string;
  slots: number;
  usedSlots: number;
  reads: number;
  writes: number;
  evictions: number;
  /** The frame under the policy's hand for the process (its own ring under a resident limit), or -1. */
  hand: number;
  /** Resident user pages of the process, and those whose accessed bit is set. */
  resident: number;
  referenced: number[];
  /** The process's pages out in swap: their virtual addresses (at most MAX_LISTED) and count. */
  swapped: number;
  swappedPages: number[];
  residentLimit: number;
}

const MAX_LISTED = 64;

/** What the swap layer holds for process `pid` now; null on a machine without swap. */
export function swapState(machine: ScenarioMachine, pid: number): SwapState | null {
  const swap = machine.vm.swap;
  if (!swap) return null;
  const process = machine.processes.find((p) => p.pid === pid);
  const device = swap.device.stats();
  const limit = process ? swap.limitOf(process.space.swapId) : 0;
  const withHand = swap.policy as { hand?: (owner: number) => number };
  const hand = withHand.hand ? withHand.hand(limit > 0 ? pid : -1) : -1;
  const state: SwapState = {
    policy: swap.policy.name,
    slots: device.slots,
    usedSlots: device.usedSlots,
    reads: device.reads,
    writes: device.writes,
    evictions: swap.stats.evictions,
    hand: hand ?? -1,
    resident: 0,
    referenced: [],
    swapped: 0,
    swappedPages: [],
    residentLimit: limit,
  };
  if (!process) return state;
  const tables = machine.vm.pageTables;
  const format = tables.format;
  const space = process.space;
  tables.walkRange(space.root, space.start, space.end, (va, pa, size) => {
    for (let offset = 0; offset < size; offset += 4096) {
      state.resident++;
      if ((tables.lookup(space.root, va + offset).entryLo & format.accessedBit) !== 0)
        state.referenced.push((pa + offset) / 4096);
    }
  });
  // Swapped pages: entries of the process's regions that are not present but not empty.
  const entry = new Uint32Array(2);
  for (const region of space.regions.usedRegions()) {
    for (let va = region.base; va < region.ceiling; va += 4096) {
      const found = tables.lookup(space.root, va);
      if (found.present || found.level !== 0) continue;
      const table = found.tables.at(-1);
      if (table === undefined) continue;
      tables.readEntry(table, format.indexOf(va, 0), entry);
      if (entry[0] === 0 && entry[1] === 0) continue;
      state.swapped++;
      if (state.swappedPages.length < MAX_LISTED) state.swappedPages.push(va);
    }
  }
  return state;
}

export function renderSwap(target: HTMLElement, state: SwapState | null, processName: string): void {
  if (!state) {
    target.hidden = true;
    target.replaceChildren();
    return;
  }
  target.hidden = false;
  const limit =
    state.residentLimit > 0 ? `, at most ${state.residentLimit} resident (it replaces its own)` : '';
  const listed = state.swappedPages.map((va) => hex(va)).join(', ');
  target.replaceChildren(
    el(
      'p',
      { 'data-used-slots': state.usedSlots },
      el('b', {}, 'Swap: '),
      `${state.usedSlots} of ${state.slots} slots in use; ${state.writes} pages written out, ${state.reads} read back; policy ${state.policy}`,
      state.hand >= 0 ? `, its hand at frame ${state.hand} (outlined black on the map)` : '',
      '.',
    ),
    el(
      'p',
      { 'data-resident': state.resident, 'data-referenced': state.referenced.length },
      `${processName}: ${state.resident} resident pages${limit}; ${state.referenced.length} with the accessed bit set (a second chance from the clock: it clears A and passes on)`,
      state.referenced.length > 0 ? ` (frames ${state.referenced.slice(0, 16).join(', ')})` : '',
      '.',
    ),
    el(
      'p',
      { 'data-swapped': state.swapped },
      `${state.swapped} pages out in swap${state.swapped > 0 ? `: ${listed}${state.swapped > state.swappedPages.length ? ' ...' : ''}` : ''}. Touching one is a major fault: the kernel reads it back into a free frame.`,
    ),
  );
}
