/**
 * Plain page-replacement simulators over arrays, written for the tests as the textbooks state
 * the policies, and a small driver that runs a ReplacementPolicy over a page trace the same way.
 */
import type { ReferenceBits, ReplacementPolicy } from '../../src/swap/policies/replacement-policy.js';

/** For each position, the position of the next access to the same page (Infinity: none). */
export function nextUses(trace: readonly number[]): number[] {
  const out = new Array<number>(trace.length);
  const seen = new Map<number, number>();
  for (let i = trace.length - 1; i >= 0; i--) {
    out[i] = seen.get(trace[i]) ?? Number.POSITIVE_INFINITY;
    seen.set(trace[i], i);
  }
  return out;
}

export function referenceFifoMisses(trace: readonly number[], frames: number): number {
  const queue: number[] = [];
  let misses = 0;
  for (const page of trace) {
    if (queue.includes(page)) continue;
    misses++;
    if (queue.length === frames) queue.shift();
    queue.push(page);
  }
  return misses;
}

export function referenceLruMisses(trace: readonly number[], frames: number): number {
  const recent: number[] = []; // least recent first
  let misses = 0;
  for (const page of trace) {
    const at = recent.indexOf(page);
    if (at >= 0) recent.splice(at, 1);
    else {
      misses++;
      if (recent.length === frames) recent.shift();
    }
    recent.push(page);
  }
  return misses;
}

export function referenceOptMisses(trace: readonly number[], frames: number): number {
  const resident: number[] = [];
  let misses = 0;
  trace.forEach((page, i) => {
    if (resident.includes(page)) return;
    misses++;
    if (resident.length === frames) {
      let victimAt = 0;
      let furthest = -1;
      resident.forEach((candidate, at) => {
        const next = trace.indexOf(candidate, i + 1);
        const distance = next < 0 ? Number.POSITIVE_INFINITY : next;
        if (distance > furthest) {
          furthest = distance;
          victimAt = at;
        }
      });
      resident.splice(victimAt, 1);
    }
    resident.push(page);
  });
  return misses;
}

/** Second chance over a circular buffer of `frames` slots; every access sets the page's bit. */
export function referenceClockMisses(trace: readonly number[], frames: number): number {
  const slots: number[] = [];
  const referenced: boolean[] = [];
  let hand = 0;
  let misses = 0;
  for (const page of trace) {
    const at = slots.indexOf(page);
    if (at >= 0) {
      referenced[at] = true;
      continue;
    }
    misses++;
    if (slots.length < frames) {
      slots.push(page);
      referenced.push(true);
      continue;
    }
    while (referenced[hand]) {
      referenced[hand] = false;
      hand = (hand + 1) % frames;
    }
    slots[hand] = page;
    referenced[hand] = true;
    hand = (hand + 1) % frames;
  }
  return misses;
}

/**
 * Runs `policy` over `trace` with `frames` frames of one owner, the way the VM drives it: a miss
 * asks for a victim when full, removes it, admits the page; every access sets the page's A bit
 * and, for the policies that want it, touches the frame with its next use.
 */
export function policyMisses(
  policy: ReplacementPolicy,
  trace: readonly number[],
  frames: number,
  owner = 3,
): number {
  const frameOfPage = new Map<number, number>();
  const pageOfFrame = new Int32Array(frames).fill(-1);
  const accessed = new Uint8Array(frames);
  const bits: ReferenceBits = {
    testAndClearAccessed(pfn: number): boolean {
      const was = accessed[pfn] === 1;
      accessed[pfn] = 0;
      return was;
    },
  };
  const next = nextUses(trace);
  let misses = 0;
  trace.forEach((page, i) => {
    let pfn = frameOfPage.get(page);
    if (pfn === undefined) {
      misses++;
      pfn = pageOfFrame.indexOf(-1);
      if (pfn < 0) {
        pfn = policy.selectVictim(owner, bits);
        if (pfn < 0) throw new Error('no victim with every frame resident');
        policy.remove(pfn);
        frameOfPage.delete(pageOfFrame[pfn]);
      }
      pageOfFrame[pfn] = page;
      frameOfPage.set(page, pfn);
      policy.admit(pfn, owner);
    }
    accessed[pfn] = 1;
    policy.touch(pfn, next[i]);
  });
  return misses;
}
