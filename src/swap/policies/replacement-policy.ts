/**
 * The contract between the VM's reclaim and the page-replacement policies: what a policy is told
 * (frames admitted, removed, touched) and what it answers (a victim). Used by src/vm and trace replay.
 */
import { InvalidArgumentError } from '../../common/errors.js';
import { AgingPolicy } from './aging-policy.js';
import { ClockPolicy } from './clock-policy.js';
import { FifoPolicy } from './fifo-policy.js';
import { LruPolicy } from './lru-policy.js';
import { OptPolicy } from './opt-policy.js';
import { RandomPolicy } from './random-policy.js';

/** The replacement policies a machine can run. */
export type PolicyName = 'fifo' | 'clock' | 'aging' | 'lru' | 'opt' | 'random';

/** What a policy may ask of the machine about a resident frame (the VM implements it through the reverse map). */
export interface ReferenceBits {
  /**
   * Whether any entry mapping frame `pfn` has its accessed (A) bit set; clears A in every such
   * entry and invalidates those TLB entries (so the next access sets A again).
   */
  testAndClearAccessed(pfn: number): boolean;
}

/** Per-frame state in typed arrays sized to the machine's frame count; no object per page. */
export interface ReplacementPolicy {
  readonly name: PolicyName;
  /** Frame `pfn`, held by process `owner` (frame-table owner id), became resident and evictable. */
  admit(pfn: number, owner: number): void;
  /** Frame `pfn` is no longer resident or evictable (evicted, freed, pinned). */
  remove(pfn: number): void;
  /**
   * One access to resident frame `pfn`, for the policies that want every access (exact LRU, OPT);
   * `nextUse` is the position in the access stream of the next access to the same page
   * (Infinity: never again, or unknown). Trace replay calls it on every access; the others
   * may call it only on faults. `wantsEveryAccess` says whether the policy needs it.
   */
  touch(pfn: number, nextUse: number): void;
  readonly wantsEveryAccess: boolean;
  /**
   * Chooses the frame to evict: among all resident frames (owner < 0, global replacement) or
   * only process `owner`'s (local replacement under a resident limit). Returns -1 when there is
   * none. Does not remove it: the caller calls remove(pfn) once the eviction succeeded.
   */
  selectVictim(owner: number, bits: ReferenceBits): number;
  /** Drops every frame (a machine reset). */
  clear(): void;
}

/** Every policy name, in the order reports list them. */
export const POLICY_NAMES: readonly PolicyName[] = ['fifo', 'clock', 'aging', 'lru', 'opt', 'random'];

/** Whether `name` names a policy (for parsing options). */
export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}

/** The seed of 'random' when none is given. */
export const DEFAULT_SEED = 1;

/** Makes a policy for a machine of `frameCount` frames; `seed` for 'random'. */
export function createPolicy(name: PolicyName, frameCount: number, seed?: number): ReplacementPolicy {
  if (!Number.isInteger(frameCount) || frameCount < 0) {
    throw new InvalidArgumentError(`a policy needs a whole, non-negative frame count, not ${frameCount}`);
  }
  switch (name) {
    case 'fifo':
      return new FifoPolicy(frameCount);
    case 'clock':
      return new ClockPolicy(frameCount);
    case 'aging':
      return new AgingPolicy(frameCount);
    case 'lru':
      return new LruPolicy(frameCount);
    case 'opt':
      return new OptPolicy(frameCount);
    case 'random':
      return new RandomPolicy(frameCount, seed ?? DEFAULT_SEED);
    default:
      throw new InvalidArgumentError(
        `unknown replacement policy '${name}' (known: ${POLICY_NAMES.join(', ')})`,
      );
  }
}

/**
 * Whether policy `name` needs each access's next use (OPT, Belady's MIN): only a caller that
 * knows the whole access stream ahead (trace replay) can give it; a running program cannot.
 */
export function needsFuture(name: PolicyName): boolean {
  return name === 'opt';
}

/**
 * Whether the running machine reports every access to `policy` itself (touch with no next use):
 * the policy wants every access and needs no future, which is exact LRU.
 */
export function wantsReportedAccesses(policy: ReplacementPolicy): boolean {
  return policy.wantsEveryAccess && !needsFuture(policy.name);
}

/** A policy that needs the future (OPT) was asked for where nobody supplies it. */
export class FutureUnknownError extends InvalidArgumentError {
  /** `where` prefixes the message ('kernel config', 'exec --policy'), if given. */
  constructor(name: PolicyName, where?: string) {
    super(
      `${where === undefined ? '' : `${where}: `}the ${name} policy needs the next use of every access, ` +
        `which only a replayed trace knows: it runs only in trace replay (\`pageframe trace --policy ${name}\`)`,
    );
  }
}
