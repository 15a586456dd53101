/**
 * Replays a memory-access trace through one process of a booted kernel: each access translates
 * through the TLB and the page tables; a page not resident faults in through the pager, which
 * evicts under the resident limit as the replacement policy chooses. The policies that want
 * every access (LRU, OPT) are touched on each one, OPT with its next use from a backward pass.
 * Used by the trace command, the benchmarks and the textbook tests.
 */
import { InvalidArgumentError } from '../../common/errors.js';
import { hex } from '../../common/format.js';
import { Kernel } from '../../kernel/kernel.js';
import type { Process } from '../../kernel/process.js';
import { FaultCause, Mode } from '../../mmu/flags.js';
import type { FormatName } from '../../mmu/page-table-format.js';
import type { TlbConfig } from '../../mmu/tlb.js';
import {
  createPolicy,
  type PolicyName,
  type ReplacementPolicy,
} from '../../swap/policies/replacement-policy.js';
import { DEFAULT_REGION_LIMIT } from '../../vm/region-map.js';
import { Protection } from '../../vm/region-types.js';
import { DropPager } from './drop-pager.js';
import { KernelPager } from './kernel-pager.js';
import { ACCESS_OF_KIND, type MemoryTrace } from './memory-trace.js';
import { TraceAddressError } from './trace-errors.js';
import type { TracePager } from './trace-pager.js';
import { nextUses, type TracePages, tracePages } from './trace-pages.js';

const PAGE_SIZE = 4096;
const NOT_PRESENT = FaultCause.NotPresent;
/** The traced pages are mapped in 2 MiB-aligned areas: a region per run of touched areas. */
const AREA_PAGES = 512;
/** Swap slots beyond one per traced page (the device's header slot among them). */
const SWAP_SPARE_SLOTS = 16;

export interface TraceReplayOptions {
  /** Replacement policy (default 'fifo'). */
  policy?: PolicyName;
  /** Resident limit of the traced process in pages, page tables not counted (default: none). */
  frames?: number;
  /** Page-table format (default 'x86-64', whose user half holds any 64-bit Linux process's addresses). */
  paging?: FormatName;
  ramBytes?: number;
  tlb?: TlbConfig;
  /** Seed of the 'random' policy. */
  seed?: number;
  /**
   * Bytes of the swap device (default: room for every page the trace touches). 0: no swap, and
   * an evicted page is dropped by the replay itself (DropPager), as a clean page would be.
   */
  swapBytes?: number;
  /** Runs kernel.check() after every access (tests; slow). */
  checkEachAccess?: boolean;
}

export interface TraceReplayResult {
  policy: PolicyName;
  paging: FormatName;
  /** The resident limit in pages, or null for none. */
  frames: number | null;
  accesses: number;
  /** Distinct pages the trace touches. */
  pages: number;
  /** Accesses that found their page not resident (first touches included). */
  pageFaults: number;
  /** Faults that read the page back from swap, and the rest. */
  majorFaults: number;
  minorFaults: number;
  swapIns: number;
  swapOuts: number;
  evictions: number;
  /** Victims that could not be evicted (no swap slot left): the resident limit was exceeded instead. */
  refusedEvictions: number;
  /** Accesses the TLB translated, and the ones it did not (walks and faults). */
  tlbHits: number;
  tlbMisses: number;
  /** tlbHits / accesses. */
  tlbHitRate: number;
}

/** A kernel with one process ready to replay `trace`: its touched areas mapped, nothing resident yet. */
export class TraceReplay {
  readonly kernel: Kernel;
  readonly process: Process;
  readonly policy: ReplacementPolicy;
  readonly pager: TracePager;
  private readonly trace: MemoryTrace;
  private readonly pages: TracePages;
  private readonly options: TraceReplayOptions;

  constructor(trace: MemoryTrace, options: TraceReplayOptions = {}) {
    const { frames } = options;
    if (frames !== undefined && (!Number.isInteger(frames) || frames < 1)) {
      throw new InvalidArgumentError(`frames must be a whole number of pages of at least 1, not ${frames}`);
    }
    this.trace = trace;
    this.options = options;
    this.pages = tracePages(trace);
    const paging = options.paging ?? 'x86-64';
    const areas = touchedAreas(this.pages);
    const policy = options.policy ?? 'fifo';
    const swapBytes = options.swapBytes ?? (this.pages.pageCount + SWAP_SPARE_SLOTS) * PAGE_SIZE;
    this.kernel = new Kernel({
      format: paging,
      ramBytes: options.ramBytes,
      tlb: options.tlb,
      maxProcesses: 1,
      regionLimit: Math.max(DEFAULT_REGION_LIMIT, areas.length / 2 + 1),
      ...(swapBytes > 0 ? { swapBytes, policy, policySeed: options.seed, futureKnown: true } : {}),
    });
    this.process = this.kernel.createProcess('trace');
    const space = this.process.space;
    const userEnd = this.kernel.pageTables.format.userEnd;
    this.checkPagesFit(userEnd, paging);
    for (let i = 0; i < areas.length; i += 2) {
      const start = areas[i] * PAGE_SIZE;
      const end = Math.min(areas[i + 1] * PAGE_SIZE, userEnd);
      space.mapAnon(end - start, { at: start, protection: Protection.All, name: 'trace' });
    }
    const swap = this.kernel.machine.swap;
    if (swap !== null) {
      if (frames !== undefined) this.kernel.setResidentLimit(this.process.pid, frames);
      this.policy = swap.policy;
      this.pager = new KernelPager(space, swap);
    } else {
      const frameCount = this.kernel.machine.frameTable.frameCount;
      this.policy = createPolicy(policy, frameCount, options.seed);
      this.pager = new DropPager(space, this.policy, frames ?? Number.POSITIVE_INFINITY);
    }
  }

  /** Runs every access of the trace once and returns the counts. */
  run(): TraceReplayResult {
    const { kernel, policy, pager, trace } = this;
    const mmu = kernel.mmu;
    const space = this.process.space;
    const count = trace.count;
    const addresses = trace.addresses;
    const kinds = trace.kinds;
    const touchEvery = policy.wantsEveryAccess;
    const nextUse = policy.name === 'opt' ? nextUses(this.pages) : null;
    const check = this.options.checkEachAccess === true;
    const hitsBefore = mmu.tlb.hits;
    let pageFaults = 0;
    space.activate();
    for (let i = 0; i < count; i++) {
      const va = addresses[i];
      const access = ACCESS_OF_KIND[kinds[i]];
      let pa = mmu.translate(va, access, Mode.User);
      if (pa < 0) {
        // A miss is a page not resident; a write fault on a resident page (copy-on-write) is not.
        const cause = mmu.faultCause;
        if (cause === NOT_PRESENT) pageFaults++;
        pa = pager.pageIn(va, access, cause);
      }
      if (touchEvery) policy.touch(pa >>> 12, nextUse === null ? Number.POSITIVE_INFINITY : nextUse[i]);
      if (check) {
        kernel.check();
        space.activate();
      }
    }
    // Every access translates once; a fault's retry (Mmu.preload) is not a second access.
    const tlbHits = mmu.tlb.hits - hitsBefore;
    const tlbMisses = count - tlbHits;
    return {
      policy: policy.name,
      paging: this.kernel.pageTables.format.name,
      frames: this.options.frames ?? null,
      accesses: count,
      pages: this.pages.pageCount,
      pageFaults,
      majorFaults: pager.majorFaults,
      minorFaults: pageFaults - pager.majorFaults,
      swapIns: pager.swapIns,
      swapOuts: pager.swapOuts,
      evictions: pager.evictions,
      refusedEvictions: pager.refusedEvictions,
      tlbHits,
      tlbMisses,
      tlbHitRate: count === 0 ? 0 : tlbHits / count,
    };
  }

  private checkPagesFit(userEnd: number, paging: FormatName): void {
    const { pages, pageCount } = this.pages;
    for (let id = 0; id < pageCount; id++) {
      if ((pages[id] + 1) * PAGE_SIZE > userEnd) {
        throw new TraceAddressError(
          `the trace touches ${hex(pages[id] * PAGE_SIZE)}, outside ${paging}'s user space (below ${hex(userEnd)})`,
        );
      }
    }
  }
}

/** Replays `trace` on a fresh kernel and returns the counts. */
export function replayTrace(trace: MemoryTrace, options: TraceReplayOptions = {}): TraceReplayResult {
  return new TraceReplay(trace, options).run();
}

/**
 * The 2 MiB areas holding the trace's pages, merged into runs: [firstPage, endPage) pairs in
 * ascending order, flattened.
 */
function touchedAreas(pages: TracePages): number[] {
  const areas = new Float64Array(pages.pageCount);
  for (let id = 0; id < pages.pageCount; id++) areas[id] = Math.floor(pages.pages[id] / AREA_PAGES);
  areas.sort();
  const runs: number[] = [];
  for (let i = 0; i < areas.length; i++) {
    const area = areas[i];
    const last = runs.length - 1;
    if (last > 0 && runs[last] >= area * AREA_PAGES) {
      runs[last] = (area + 1) * AREA_PAGES;
    } else {
      runs.push(area * AREA_PAGES, (area + 1) * AREA_PAGES);
    }
  }
  return runs;
}
