/**
 * Memory-pressure figures (issue 12), each a ratio of timings taken in this run:
 * - evictPageInVsCopy: a dirty page evicted (its entry becomes a swap entry through the reverse
 *   map, its TLB entry dropped, the page written to its slot, the frame freed) and faulted back
 *   in (a major fault: a frame, the slot read, the entry written, the TLB filled) / copying the
 *   4 KiB page twice (the two copies the device's write and read make); goal <= 5;
 * - cleanEvictPageInVsCopy: the same for a clean page that kept its slot (the swap cache: the
 *   eviction writes nothing) / the same two copies;
 * - faultWithSwapVsWithout: a demand-zero fault on a machine with swap (the reverse-map node,
 *   the policy's admission) / the same fault on a machine without;
 * - and the trace suite's figures (bench/trace.ts: replay speed, FIFO / LRU / OPT on 1M accesses).
 */
import { Access, FaultCause, Mode } from '../src/mmu/flags.js';
import { AddressSpace } from '../src/vm/address-space.js';
import { evictFrame } from '../src/vm/reclaim.js';
import { bootVm } from '../src/vm/vm-machine.js';
import { consume, measure, round } from './harness.js';
import { traceFigures } from './trace.js';

const PAGE = 4096;
const PAGES = 512;

/** A machine with swap and a process whose PAGES pages are written, then all swapped out. */
function swappedOutProcess() {
  const vm = bootVm({ ramBytes: 64 << 20, format: 'i386', swap: { bytes: 16 << 20 } });
  const swap = vm.swap;
  if (swap === null) throw new Error('no swap');
  const space = new AddressSpace(vm, { owner: 1, asid: 0 });
  const va = space.mapAnon(PAGES * PAGE);
  space.fill(va, PAGES * PAGE, 0x5a);
  for (let p = 0; p < PAGES; p++) evictFrame(swap, swap.frames, space.access(va + p * PAGE) >>> 12);
  return { vm, swap, space, va };
}

async function evictPageIn(): Promise<{ dirty: number; clean: number; copy: number }> {
  const { swap, space, va } = swappedOutProcess();
  const frames = swap.frames;
  // Per page: a write faults it back in (writable and dirty: it has its slot alone), and the
  // eviction then writes it out.
  const cycle = (access: Access) => () => {
    for (let p = 0; p < PAGES; p++)
      consume(evictFrame(swap, frames, space.access(va + p * PAGE, access) >>> 12));
  };
  await measure('warm-up', PAGES, cycle(Access.Write), { iterations: 20 });
  const dirty = await measure('evict dirty + page in', PAGES, cycle(Access.Write), { iterations: 50 });
  // A read brings a page back clean, keeping its slot: the eviction drops it without a write.
  await measure('warm-up clean', PAGES, cycle(Access.Read), { iterations: 20 });
  const clean = await measure('evict clean + page in', PAGES, cycle(Access.Read), { iterations: 50 });
  const page = new Uint8Array(PAGE).fill(0x5a);
  const device = new Uint8Array(PAGES * PAGE);
  const ram = new Uint8Array(PAGES * PAGE);
  const copies = await measure(
    'copy 4 KiB twice',
    PAGES,
    () => {
      for (let p = 0; p < PAGES; p++) {
        device.set(page, p * PAGE);
        ram.set(device.subarray(p * PAGE, p * PAGE + PAGE), p * PAGE);
      }
      consume(ram[PAGE]);
    },
    { iterations: 50 },
  );
  return { dirty: dirty.nsPerOp, clean: clean.nsPerOp, copy: copies.nsPerOp };
}

/** A demand-zero fault's handler plus the preload, on a machine with or without swap. */
async function faultNs(withSwap: boolean): Promise<number> {
  const vm = bootVm({
    ramBytes: 64 << 20,
    format: 'i386',
    ...(withSwap ? { swap: { bytes: 1 << 20 } } : {}),
  });
  const space = new AddressSpace(vm, { owner: 1, asid: 0 });
  const va = space.mapAnon(1024 * PAGE);
  space.fill(va, 1024 * PAGE, 0x5a);
  const reset = () => {
    space.unmap(va, 1024 * PAGE);
    space.mapAnon(1024 * PAGE, { at: va });
  };
  const faults = () => {
    for (let p = 0; p < 1024; p++) {
      const at = space.handleFault(va + p * PAGE, Access.Write, FaultCause.NotPresent);
      consume(vm.mmu.preload(va + p * PAGE, Access.Write, Mode.User, at));
    }
  };
  await measure('warm-up', 1024, faults, { setup: reset, iterations: 30 });
  return (await measure('demand-zero fault', 1024, faults, { setup: reset, iterations: 60 })).nsPerOp;
}

export async function run(): Promise<Record<string, number | object>> {
  const cycle = await evictPageIn();
  const without = await faultNs(false);
  const withSwap = await faultNs(true);
  return {
    evictPageInVsCopy: round(cycle.dirty / cycle.copy, 2),
    cleanEvictPageInVsCopy: round(cycle.clean / cycle.copy, 2),
    evictPageInNs: round(cycle.dirty, 0),
    copyTwiceNs: round(cycle.copy, 0),
    faultWithSwapVsWithout: round(withSwap / without, 2),
    ...(await traceFigures()),
  };
}
