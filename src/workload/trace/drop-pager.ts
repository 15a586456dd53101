/**
 * Trace replay's pager when the machine has no swap: the traced process keeps at most `limit`
 * resident pages (page tables not counted); a fault at the limit asks the policy for a victim
 * among the process's frames, unmaps it (its TLB entry invalidated) and frees its frame, the
 * way Linux drops a clean page; the next access to it is a fault again. Running out of frames
 * before the limit evicts the same way. The reference bits are the page tables' own A bits.
 */
import { OutOfMemoryError } from '../../common/errors.js';
import { type Access, type FaultCause, Mode } from '../../mmu/flags.js';
import type { ReferenceBits, ReplacementPolicy } from '../../swap/policies/replacement-policy.js';
import type { AddressSpace } from '../../vm/address-space.js';
import type { TracePager } from './trace-pager.js';

const PAGE_SHIFT = 12;
const PAGE_SIZE = 4096;

export class DropPager implements TracePager, ReferenceBits {
  private readonly space: AddressSpace;
  private readonly policy: ReplacementPolicy;
  private readonly limit: number;
  /** Virtual page address each resident frame holds for the traced space. */
  private readonly vaOfFrame: Float64Array;
  /**
   * Physical address of the leaf entry that maps each resident frame. It stays valid while the
   * frame is resident: a leaf table is freed only once no entry in it is present.
   */
  private readonly entryOfFrame: Float64Array;
  private readonly accessedBit: number;
  resident = 0;
  evictions = 0;
  readonly refusedEvictions = 0;
  readonly majorFaults = 0;
  readonly swapIns = 0;
  readonly swapOuts = 0;

  /** `limit`: resident pages allowed (Infinity: as many as RAM holds). */
  constructor(space: AddressSpace, policy: ReplacementPolicy, limit: number) {
    this.space = space;
    this.policy = policy;
    this.limit = limit;
    this.vaOfFrame = new Float64Array(space.machine.frameTable.frameCount);
    this.entryOfFrame = new Float64Array(space.machine.frameTable.frameCount);
    this.accessedBit = space.machine.pageTables.format.accessedBit;
  }

  pageIn(va: number, access: Access, cause: FaultCause): number {
    const space = this.space;
    if (this.resident >= this.limit) this.evictOne();
    let leafAt: number;
    for (;;) {
      try {
        leafAt = space.handleFault(va, access, cause);
        break;
      } catch (error) {
        // Out of frames below the limit: make room and try again (the fault changed nothing).
        if (!(error instanceof OutOfMemoryError) || this.resident === 0) throw error;
        this.evictOne();
      }
    }
    const pa = space.machine.mmu.preload(va, access, Mode.User, leafAt);
    const pfn = pa >>> PAGE_SHIFT;
    const pageVa = va - (va % PAGE_SIZE);
    this.vaOfFrame[pfn] = pageVa;
    this.entryOfFrame[pfn] =
      leafAt >= 0 ? leafAt : space.leaf.entryAddress(space.leaf.leafTableOf(space.root, pageVa), pageVa);
    this.policy.admit(pfn, space.owner);
    this.resident++;
    return pa;
  }

  testAndClearAccessed(pfn: number): boolean {
    const at = this.entryOfFrame[pfn];
    const memory = this.space.machine.memory;
    const low = memory.read32(at);
    if ((low & this.accessedBit) === 0) return false;
    memory.write32(at, (low & ~this.accessedBit) >>> 0);
    this.space.tlb.page(this.vaOfFrame[pfn]);
    return true;
  }

  private evictOne(): void {
    const space = this.space;
    const pfn = this.policy.selectVictim(space.owner, this);
    if (pfn < 0) throw new OutOfMemoryError(`${space.name}: no resident page to evict`);
    const va = this.vaOfFrame[pfn];
    const pa = space.machine.pageTables.unmap(space.root, va);
    space.tlb.page(va);
    space.machine.frames.release(pa);
    this.policy.remove(pfn);
    this.resident--;
    this.evictions++;
  }
}
