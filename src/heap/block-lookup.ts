/**
 * Finding the live block an address starts: a slab object (its slab and index) or a large block,
 * or the typed error that says what the address is instead. Used by Heap's free, realloc,
 * usableSize and isLive; the result is kept in fields, so the free path allocates nothing.
 */
import { InvalidArgumentError } from '../common/errors.js';
import type { AreaPool } from './area-pool.js';
import { explainBadAddress } from './bad-address.js';
import type { FreedRing } from './freed-ring.js';
import * as heapConstants from './heap-constants.js';
import type { HeapParts } from './heap-stats.js';
import type { LargeBlocks } from './large-blocks.js';
import * as sizeClassTable from './size-class-table.js';
import type { SlabCache } from './slab-cache.js';

// Module-local copies, folded into the optimized code (heap-constants.ts says why).
const { NONE, PAGE_OFFSET_MASK } = heapConstants;
const { INDEX_ROUNDING } = sizeClassTable;

export class BlockLookup {
  /** The slab and object index of the block found, or NONE. */
  slab = NONE;
  index = 0;
  /** The large block found, or NONE. */
  large = NONE;

  private readonly areas: AreaPool;
  private readonly slabs: SlabCache;
  private readonly largeBlocks: LargeBlocks;

  constructor(
    private readonly parts: HeapParts,
    private readonly freed: FreedRing,
  ) {
    this.areas = parts.areas;
    this.slabs = parts.slabs;
    this.largeBlocks = parts.large;
  }

  /**
   * Finds the live block that starts at `va`, or throws the error that says what `va` is. Every
   * step is exact for any number (NaN, a fraction, beyond 2^53 find nothing), so the check that
   * `va` is an address waits for the error path. (A free's cost is mostly here: a one-entry area
   * cache, no `%` or `/` on the double `va`, halved it.)
   */
  locate(va: number, op: string): void {
    // A large block starts a page. The one found last first: a growing buffer is realloc'd many
    // times in a row.
    const pageStart = (va & PAGE_OFFSET_MASK) === 0;
    const large = this.largeBlocks;
    if (pageStart && large.isLastFound(va)) {
      this.slab = NONE;
      this.large = large.lastFound;
      return;
    }
    // Then the areas (an address in one is no large block's), and only then the large blocks'
    // hash: a small block at the start of a page looked there first, and missed.
    const areas = this.areas;
    const a = areas.areaOf(va);
    if (a !== NONE) {
      const s = areas.slabAt(a, va);
      if (s !== NONE) {
        const slabs = this.slabs;
        const inSlab = va - slabs.base[s];
        // A slab's first object (a one-object slab's only one) needs no division.
        const index = inSlab === 0 ? 0 : this.objectAt(s, inSlab);
        if (index >= 0 && slabs.isLive(s, index)) {
          this.slab = s;
          this.index = index;
          this.large = NONE;
          return;
        }
      }
    } else if (pageStart) {
      const l = large.blockAt(va);
      if (l !== NONE) {
        this.slab = NONE;
        this.large = l;
        return;
      }
    }
    this.explain(va, op);
  }

  /** The object of slab `s` that starts `inSlab` (> 0) bytes into it, or -1 when none does. */
  private objectAt(s: number, inSlab: number): number {
    const slabs = this.slabs;
    const cls = slabs.classOf[s];
    const index = (inSlab * slabs.inverseSize[cls] + INDEX_ROUNDING) | 0;
    return index * slabs.classSize[cls] === inSlab && index < slabs.objects[s] ? index : -1;
  }

  /**
   * The error for an address that starts no live block. (A method of its own: cold code inside
   * locate counted against V8's inlining budget of free and realloc; slab-cache.ts's take says more.)
   */
  private explain(va: number, op: string): never {
    if (!Number.isSafeInteger(va))
      throw new InvalidArgumentError(
        `${this.parts.name}: ${op}(${va}): not an address (an address is a whole number below 2^53)`,
      );
    explainBadAddress(va, op, this.parts, this.freed);
  }
}
