/**
 * Exact LRU under a running program: the hart reports every access it makes (data and
 * instruction fetches) with its physical address, and this recorder moves the frame to the
 * newest end of the policy's order. LinuxMachine installs it only when the policy wants it.
 */
import type { AccessKind, AccessRecorder } from '../../cpu/memory-port.js';
import { type ReplacementPolicy, wantsReportedAccesses } from '../../swap/policies/replacement-policy.js';

const FRAME_SIZE = 4096;

/**
 * What the hart should call on each access: `recorder` (a lackey trace, or null) and, when the
 * machine's policy wants every access and needs no future (LRU), a touch of the accessed frame.
 * Null when neither wants anything, so the hart keeps its fast path.
 */
export function accessObserver(
  policy: ReplacementPolicy | null,
  recorder: AccessRecorder | null,
): AccessRecorder | null {
  if (policy === null || !wantsReportedAccesses(policy)) return recorder;
  const touch = (pa: number): void => {
    // -1: served from a cached slot, which the hart never fills while it reports accesses.
    if (pa >= 0) policy.touch(Math.floor(pa / FRAME_SIZE), Number.POSITIVE_INFINITY);
  };
  if (recorder === null) return (_kind: AccessKind, _va: number, _size: number, pa: number) => touch(pa);
  return (kind: AccessKind, va: number, size: number, pa: number) => {
    touch(pa);
    recorder(kind, va, size, pa);
  };
}
