/**
 * A stack that grows down on demand, as Linux's VM_GROWSDOWN stack does: a fault just below the
 * stack region, within the stack limit (RLIMIT_STACK) of its top and over free addresses, extends
 * the region down to the faulting page; the access is then retried and demand-zero does the rest.
 * The trap handler calls it before it gives up on a fault.
 */
import type { AddressSpace } from '../../vm/address-space.js';
import { PAGE_SIZE } from '../../vm/region-map.js';
import { RegionType } from '../../vm/region-types.js';

export interface GrowableStack {
  /** First address above the stack. */
  top: number;
  /** The most the stack may span below top (RLIMIT_STACK's soft limit). */
  limitBytes: number;
}

/**
 * Extends the stack region down to the page of `address` when the fault is a stack growth;
 * returns whether it did. A fault outside [top - limit, stack base) is not one.
 */
export function growStack(space: AddressSpace, stack: GrowableStack, address: number): boolean {
  const regions = space.regions;
  const index = regions.find(stack.top - 1);
  if (index < 0 || regions.type(index) !== RegionType.Anon) return false;
  const base = regions.base(index);
  const page = Math.floor(address / PAGE_SIZE) * PAGE_SIZE;
  if (!(address < base && page >= stack.top - stack.limitBytes && page >= space.start)) return false;
  if (!regions.isFree(page, base)) return false;
  space.mapAnon(base - page, {
    at: page,
    protection: regions.protection(index),
    flags: regions.flags(index),
    name: regions.name(index),
  });
  return true;
}
