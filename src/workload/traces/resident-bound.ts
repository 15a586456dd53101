/**
 * The best resident utilization any allocator could reach on a trace: every block rounded up only
 * to the alignment (no headers, no classes, no free space between blocks) and packed into whole
 * pages, so the pages held at the peak are the peak of the rounded bytes, rounded up to a page.
 * Used by the heap benchmark beside the measured figure, and by tests.
 */
import { PAGE_SIZE } from '../../heap/heap-constants.js';
import { RepOp, type RepTrace } from '../rep-trace.js';

export interface ResidentBound {
  /** Peak of the live requested bytes (as the replay driver counts them). */
  peakPayload: number;
  /** Peak of the live bytes with every request rounded up to the alignment (0 bytes take one granule). */
  peakAlignedBytes: number;
  /** Pages the aligned peak needs, at the least. */
  pages: number;
  /** peakPayload / (pages * PAGE_SIZE): no allocator of that alignment can be resident in fewer. */
  residentUtilization: number;
}

export function residentBound(trace: RepTrace, alignment = 16): ResidentBound {
  const { kinds, ids, sizes } = trace;
  const live = new Float64Array(trace.idCount);
  // A block of a request, as the driver asks for it: malloc(0) still takes a unique address.
  const rounded = (size: number) => Math.ceil(Math.max(size, 1) / alignment) * alignment;
  let payload = 0;
  let aligned = 0;
  let peakPayload = 0;
  let peakAligned = 0;
  for (let i = 0; i < kinds.length; i++) {
    const id = ids[i];
    if (kinds[i] === RepOp.Free) {
      if (id < 0 || live[id] === 0) continue;
      payload -= live[id] - 1;
      aligned -= rounded(live[id] - 1);
      live[id] = 0;
      continue;
    }
    // `live` holds size + 1, so a live 0-byte block is told from an empty id.
    if (live[id] !== 0) {
      payload -= live[id] - 1;
      aligned -= rounded(live[id] - 1);
    }
    live[id] = sizes[i] + 1;
    payload += sizes[i];
    aligned += rounded(sizes[i]);
    if (payload > peakPayload) peakPayload = payload;
    if (aligned > peakAligned) peakAligned = aligned;
  }
  const pages = Math.ceil(peakAligned / PAGE_SIZE);
  return {
    peakPayload,
    peakAlignedBytes: peakAligned,
    pages,
    residentUtilization: pages > 0 ? peakPayload / (pages * PAGE_SIZE) : 1,
  };
}
