/**
 * Batch translation for emulators: a strided range or a list of addresses translated in one
 * call, one TLB lookup per 4 KiB page of a range. Used by Mmu.translateRange and translateMany.
 */
import { InvalidArgumentError } from '../common/errors.js';
import type { Access, Mode } from './flags.js';

const PAGE_OFFSET_MASK = 4095;

/** What a batch translates through: Mmu.translate. */
export interface Translator {
  translate(va: number, access: Access, mode: Mode): number;
}

/** Mmu.translateRange: `count` addresses from `start`, `stride` bytes apart, into out. */
export function translateRange(
  mmu: Translator,
  start: number,
  count: number,
  stride: number,
  access: Access,
  mode: Mode,
  out: Float64Array,
): number {
  checkBatch(count, out);
  if (!Number.isInteger(stride) || stride <= 0) {
    throw new InvalidArgumentError(`translateRange: stride ${stride} must be a positive integer`);
  }
  let k = 0;
  while (k < count) {
    const va = start + k * stride;
    let pa = mmu.translate(va, access, mode);
    if (pa < 0) return k;
    // The addresses left in this page: those with an offset below the page size.
    const inPage = Math.floor((PAGE_OFFSET_MASK - (va & PAGE_OFFSET_MASK)) / stride) + 1;
    const end = Math.min(count, k + inPage);
    for (; k < end; k++, pa += stride) out[k] = pa;
  }
  return count;
}

/** Mmu.translateMany: addresses[0..count) into out. */
export function translateMany(
  mmu: Translator,
  addresses: ArrayLike<number>,
  count: number,
  access: Access,
  mode: Mode,
  out: Float64Array,
): number {
  checkBatch(count, out);
  if (count > addresses.length) {
    throw new InvalidArgumentError(`translateMany: ${count} addresses asked, ${addresses.length} given`);
  }
  for (let k = 0; k < count; k++) {
    const pa = mmu.translate(addresses[k], access, mode);
    if (pa < 0) return k;
    out[k] = pa;
  }
  return count;
}

function checkBatch(count: number, out: Float64Array): void {
  if (!Number.isInteger(count) || count < 0 || count > out.length) {
    throw new InvalidArgumentError(
      `a batch of ${count} translations needs an output of at least that length (${out.length})`,
    );
  }
}
