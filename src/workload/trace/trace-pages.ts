/**
 * One pass over a trace that names its pages: a dense id per distinct page (first-touch order),
 * and, for OPT, a backward pass giving each access the position of the next access to the same
 * page. Everything in typed arrays; the only map is one entry per distinct page.
 */
import type { MemoryTrace } from './memory-trace.js';

export interface TracePages {
  /** Page id of each access. */
  readonly pageIds: Int32Array;
  /** Page number of each id (addresses / 4096), in first-touch order. */
  readonly pages: Float64Array;
  readonly pageCount: number;
}

/** Dense page ids of `trace`'s accesses. */
export function tracePages(trace: MemoryTrace): TracePages {
  const count = trace.count;
  const pageIds = new Int32Array(count);
  const idOf = new Map<number, number>();
  let pages = new Float64Array(64);
  let pageCount = 0;
  let lastPage = Number.NaN;
  let lastId = -1;
  for (let i = 0; i < count; i++) {
    const page = trace.pageOf(i);
    if (page !== lastPage) {
      let id = idOf.get(page);
      if (id === undefined) {
        id = pageCount++;
        idOf.set(page, id);
        if (id === pages.length) {
          const grown = new Float64Array(pages.length * 2);
          grown.set(pages);
          pages = grown;
        }
        pages[id] = page;
      }
      lastPage = page;
      lastId = id;
    }
    pageIds[i] = lastId;
  }
  return { pageIds, pages: pages.subarray(0, pageCount), pageCount };
}

/**
 * For each access, the position of the next access to the same page, or Infinity when there is
 * none: what OPT needs handed to touch().
 */
export function nextUses(pages: TracePages): Float64Array {
  const { pageIds } = pages;
  const nextUse = new Float64Array(pageIds.length);
  const seenAt = new Float64Array(pages.pageCount).fill(Number.POSITIVE_INFINITY);
  for (let i = pageIds.length - 1; i >= 0; i--) {
    const id = pageIds[i];
    nextUse[i] = seenAt[id];
    seenAt[id] = i;
  }
  return nextUse;
}
