/**
 * Xinu's memget / memfree over frames: one list of free runs sorted by address, first fit,
 * carving from the front of the run that fits, and coalescing with both neighbours on free.
 * Kept for comparison with the buddy allocator on the same workloads: it is simple and wastes
 * nothing, but every allocation and every free walks the list.
 *
 * A run's first frame links to the next run through `frames.next`; its length is in `runLength`.
 */
import { InvariantError } from '../common/errors.js';
import { FrameState, type FrameTable, NO_FRAME } from './frame-table.js';
import type { FrameAllocator } from './types.js';

export class FirstFitAllocator implements FrameAllocator {
  readonly kind = 'first-fit' as const;
  // `declare`d: no `undefined` is stored first, so V8 keeps the exact field types.
  declare private readonly frames: FrameTable;
  /** Length of the free run starting at each run head (0 elsewhere). */
  declare private readonly runLength: Int32Array;
  private head = NO_FRAME;
  private freeFrames = 0;
  private runs = 0;

  constructor(frames: FrameTable) {
    this.frames = frames;
    this.runLength = new Int32Array(frames.frameCount);
  }

  allocateOne(): number {
    // The first run always fits one frame: memget(1) takes the lowest free frame.
    const pfn = this.head;
    if (pfn === NO_FRAME) return NO_FRAME;
    this.takeFromRun(NO_FRAME, pfn, pfn, 1);
    return pfn;
  }

  freeOne(pfn: number): void {
    this.free(pfn, 1);
  }

  allocate(count: number, alignFrames: number, minFrame: number, limitFrame: number): number {
    const next = this.frames.next;
    let before = NO_FRAME;
    for (let run = this.head; run !== NO_FRAME; run = next[run]) {
      const end = run + this.runLength[run];
      if (end - count >= minFrame) {
        const from = Math.max(run, minFrame);
        const start = Math.ceil(from / alignFrames) * alignFrames;
        if (start + count <= end && start + count <= limitFrame) {
          this.takeFromRun(before, run, start, count);
          return start;
        }
      }
      if (run >= limitFrame) break;
      before = run;
    }
    return NO_FRAME;
  }

  allocateAt(pfn: number, count: number): boolean {
    const next = this.frames.next;
    let before = NO_FRAME;
    for (let run = this.head; run !== NO_FRAME && run <= pfn; run = next[run]) {
      if (pfn + count <= run + this.runLength[run]) {
        this.takeFromRun(before, run, pfn, count);
        return true;
      }
      before = run;
    }
    return false;
  }

  /** memfree: finds the neighbours by walking the sorted list, then merges with them. */
  free(pfn: number, count: number): void {
    const { next } = this.frames;
    let before = NO_FRAME;
    let after = this.head;
    while (after !== NO_FRAME && after < pfn) {
      before = after;
      after = next[after];
    }
    this.freeFrames += count;
    let start = pfn;
    let length = count;
    if (before !== NO_FRAME && before + this.runLength[before] === pfn) {
      // Grows the run before; it keeps its place in the list.
      start = before;
      length += this.runLength[before];
    } else {
      this.link(before, pfn, after);
    }
    if (after !== NO_FRAME && pfn + count === after) {
      length += this.runLength[after];
      next[start] = next[after];
      next[after] = NO_FRAME;
      this.runLength[after] = 0;
      this.runs--;
    }
    this.runLength[start] = length;
  }

  addFreeRange(pfn: number, count: number): void {
    this.free(pfn, count);
  }

  freeFrameCount(): number {
    return this.freeFrames;
  }

  largestFreeRun(): number {
    let best = 0;
    for (let run = this.head; run !== NO_FRAME; run = this.frames.next[run]) {
      if (this.runLength[run] > best) best = this.runLength[run];
    }
    return best;
  }

  freeBlocksByOrder(): number[] {
    const counts: number[] = [];
    for (let run = this.head; run !== NO_FRAME; run = this.frames.next[run]) {
      const order = Math.floor(Math.log2(this.runLength[run]));
      while (counts.length <= order) counts.push(0);
      counts[order]++;
    }
    return counts;
  }

  /** Number of free runs on the list. */
  get runCount(): number {
    return this.runs;
  }

  check(): void {
    const { frames } = this;
    const covered = new Uint8Array(frames.frameCount);
    let total = 0;
    let runs = 0;
    let previousEnd = -1;
    for (let run = this.head; run !== NO_FRAME; run = frames.next[run]) {
      const length = this.runLength[run];
      if (run < 0 || length <= 0 || run + length > frames.frameCount) {
        throw new InvariantError(`first-fit: run at frame ${run} of ${length} frames is out of range`);
      }
      if (run < previousEnd)
        throw new InvariantError(`first-fit: run at frame ${run} is out of address order`);
      if (run === previousEnd)
        throw new InvariantError(`first-fit: run at frame ${run} touches the run before it`);
      for (let f = run; f < run + length; f++) {
        if (frames.state[f] !== FrameState.Free) {
          throw new InvariantError(
            `first-fit: frame ${f} is in a free run but its state is ${frames.state[f]}`,
          );
        }
        covered[f] = 1;
      }
      total += length;
      runs++;
      previousEnd = run + length;
      if (runs > frames.frameCount) throw new InvariantError('first-fit: the free list has a cycle');
    }
    if (total !== this.freeFrames || runs !== this.runs) {
      throw new InvariantError(
        `first-fit: counts ${this.freeFrames} frames in ${this.runs} runs but the list has ${total} in ${runs}`,
      );
    }
    for (let f = 0; f < frames.frameCount; f++) {
      if (frames.state[f] === FrameState.Free && !covered[f]) {
        throw new InvariantError(`first-fit: free frame ${f} is in no run`);
      }
    }
  }

  private link(before: number, pfn: number, after: number): void {
    if (before === NO_FRAME) this.head = pfn;
    else this.frames.next[before] = pfn;
    this.frames.next[pfn] = after;
    this.runs++;
  }

  /** Takes [start, start + count) out of `run` (whose predecessor on the list is `before`). */
  private takeFromRun(before: number, run: number, start: number, count: number): void {
    const next = this.frames.next;
    const end = run + this.runLength[run];
    const after = next[run];
    const tail = start + count;
    this.freeFrames -= count;
    if (start > run) {
      // The run keeps its head and shrinks; a tail after the taken part becomes a new run.
      this.runLength[run] = start - run;
      if (tail < end) {
        this.runLength[tail] = end - tail;
        next[tail] = after;
        next[run] = tail;
        this.runs++;
      }
      return;
    }
    // Carving from the front, as memget does: the remainder (if any) takes the run's place.
    this.runLength[run] = 0;
    next[run] = NO_FRAME;
    if (tail < end) {
      this.runLength[tail] = end - tail;
      next[tail] = after;
      if (before === NO_FRAME) this.head = tail;
      else next[before] = tail;
    } else {
      this.runs--;
      if (before === NO_FRAME) this.head = after;
      else next[before] = after;
    }
  }
}
