/**
 * Finding the live block an address starts: a slab object (its slab and index) or a large block,
 * or the typed error that says what the address is instead. Used by Heap's free, realloc,
 * usableSize and isLive; the result is kept in fields, so the free path allocates nothing.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { explainBadAddress } from './bad-address.js';
import type { FreedRing } from './freed-ring.js';
import { NONE } from './heap-constants.js';
import type { HeapParts } from './heap-stats.js';

export class BlockLookup {
  /** The slab and object index of the block found, or NONE. */
  slab = NONE;
  index = 0;
  /** The large block found, or NONE. */
  large = NONE;

  constructor(
    private readonly parts: HeapParts,
    private readonly freed: FreedRing,
  ) {}

  /** Finds the live block that starts at `va`, or throws the error that says what `va` is. */
  locate(va: number, op: string): void {
    const { areas, slabs, large } = this.parts;
    if (!Number.isSafeInteger(va))
      throw new InvalidArgumentError(`${this.parts.name}: ${op}(${va}): not an address`);
    const a = areas.areaOf(va);
    if (a !== NONE) {
      const s = areas.slabAt(a, va);
      if (s !== NONE) {
        const size = slabs.classes.size[slabs.classOf[s]];
        const inSlab = va - slabs.base[s];
        const index = (inSlab / size) | 0;
        if (index * size === inSlab && index < slabs.objects[s] && slabs.isLive(s, index)) {
          this.slab = s;
          this.index = index;
          this.large = NONE;
          return;
        }
      }
    } else {
      const l = large.blockAt(va);
      if (l !== NONE) {
        this.slab = NONE;
        this.large = l;
        return;
      }
    }
    explainBadAddress(va, op, this.parts, this.freed);
  }
}
