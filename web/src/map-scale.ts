/**
 * Choosing the map's scale: how many frames a cell stands for and how many pixels it is, to fit
 * all of RAM or to fit a set of frames (the change of one statement) as large as it can be.
 * Pure functions of the frame count and the canvas's size; used by FrameMap.
 */

export const MAX_CELL_PX = 32;

export interface Scale {
  framesPerCell: number;
  cellPx: number;
}

/**
 * Cells in a row: a multiple of 64 (a power of two below that), so buddy blocks up to 64 frames
 * never straddle rows and larger ones cover whole rows, without leaving half the width empty.
 */
export function columnsFor(available: number): number {
  if (available < 1) return 0;
  if (available < 128) return 2 ** Math.floor(Math.log2(available));
  return available - (available % 64);
}

/** The largest cells that still show all `frameCount` frames in width x height device pixels. */
export function fitScale(frameCount: number, width: number, height: number): Scale | null {
  const n = Math.max(1, frameCount);
  for (let f = 1; f <= n * 2; f *= 2) {
    const cells = Math.ceil(n / f);
    for (let c = MAX_CELL_PX; c >= 1; c--) {
      const cols = columnsFor(Math.floor(width / c));
      if (cols < 1) continue;
      if (Math.ceil(cells / cols) * c <= height) return { framesPerCell: f, cellPx: c };
    }
  }
  return null;
}

/**
 * The largest cells (one frame a cell if possible, sides a power of two) at which frames `first`
 * to `last` fit in the rows of the canvas; with the row of `first`.
 */
export function scaleFor(
  first: number,
  last: number,
  frameCount: number,
  width: number,
  height: number,
): (Scale & { firstRow: number }) | null {
  for (let f = 1; f <= frameCount; f *= 2) {
    for (let c = MAX_CELL_PX; c >= 1; c >>= 1) {
      const cols = columnsFor(Math.floor(width / c));
      if (cols < 1) continue;
      const firstRow = Math.floor(first / f / cols);
      if ((Math.floor(last / f / cols) - firstRow + 1) * c <= height)
        return { framesPerCell: f, cellPx: c, firstRow };
    }
  }
  return null;
}
