/**
 * Exact least-recently-used: every access moves its frame to the newest end of its rings (O(1),
 * a doubly linked list in typed arrays), and the victim is the oldest. It needs every access:
 * trace replay, the hart's access hook and the VM's user copies report them.
 */
import type { PolicyName } from './replacement-policy.js';
import { RingPolicy } from './ring-policy.js';

export class LruPolicy extends RingPolicy {
  readonly name: PolicyName = 'lru';
  readonly wantsEveryAccess = true;

  override touch(pfn: number, _nextUse: number): void {
    this.order.moveToNewest(pfn);
  }
}
