/**
 * Painting the frame map: cells into an ImageData from the per-frame kinds (typed arrays, no
 * object per frame), stripes for shared frames, outlines for changed frames and the cursor.
 * Used by FrameMap, which owns the layout and the input.
 */
import { Kind, PALETTE } from './frame-colors.js';

/** Where cells are: the map's layout at the moment of painting. */
export interface MapGeometry {
  cols: number;
  visibleRows: number;
  topRow: number;
  framesPerCell: number;
  /** A cell's side in device pixels. */
  cellPx: number;
  frameCount: number;
}

/** What to paint: a palette kind per frame, free-block heads, and holders of shared frames. */
export interface MapPaint {
  kinds: Uint16Array;
  /** Per frame: the head of its free block, or -1. */
  blockHeads: Int32Array;
  /** Shared frames and the palette kinds of their holders, one stripe each. */
  stripes: Map<number, number[]>;
}

/** Pixels of a cell inside the one-pixel gap that separates cells of 4 px or more. */
export function innerSize(cellPx: number): number {
  return cellPx >= 4 ? cellPx - 1 : cellPx;
}

/** The cell of `pfn` on the canvas (top-left, device pixels), or null when scrolled away. */
export function cellOrigin(g: MapGeometry, pfn: number): { x: number; y: number } | null {
  const cell = Math.floor(pfn / g.framesPerCell);
  const row = Math.floor(cell / g.cols) - g.topRow;
  if (row < 0 || row >= g.visibleRows) return null;
  return { x: (cell % g.cols) * g.cellPx, y: row * g.cellPx };
}

const FREE_KINDS = [Kind.Free, Kind.FreeAlt];

/**
 * Paints every visible cell. A cell of one frame has the frame's colour (a shared one striped
 * with its holders' colours); a cell of many frames the average of the frames in use, weighted at
 * least half against the free ones, so that one used frame among 256 still shows at 4 GiB.
 */
export function paintCells(
  pixels: Uint8ClampedArray,
  width: number,
  height: number,
  g: MapGeometry,
  paint: MapPaint,
): void {
  const { kinds, blockHeads, stripes } = paint;
  const n = g.frameCount;
  const f = g.framesPerCell;
  const c = g.cellPx;
  const inner = innerSize(c);
  const firstCell = g.topRow * g.cols;
  const lastCell = Math.min(Math.ceil(n / f), firstCell + g.visibleRows * g.cols);
  const stripeWidth = Math.max(2, c >> 2);
  for (let cell = firstCell; cell < lastCell; cell++) {
    const start = cell * f;
    const end = Math.min(n, start + f);
    let usedR = 0;
    let usedG = 0;
    let usedB = 0;
    let freeR = 0;
    let freeG = 0;
    let freeB = 0;
    let used = 0;
    for (let pfn = start; pfn < end; pfn++) {
      const kind = kinds[pfn];
      const k = kind * 3;
      if (kind === FREE_KINDS[0] || kind === FREE_KINDS[1]) {
        freeR += PALETTE[k];
        freeG += PALETTE[k + 1];
        freeB += PALETTE[k + 2];
      } else {
        usedR += PALETTE[k];
        usedG += PALETTE[k + 1];
        usedB += PALETTE[k + 2];
        used++;
      }
    }
    const count = end - start;
    const free = count - used;
    let r: number;
    let gr: number;
    let b: number;
    if (used === 0) {
      r = freeR / free;
      gr = freeG / free;
      b = freeB / free;
    } else if (free === 0) {
      r = usedR / used;
      gr = usedG / used;
      b = usedB / used;
    } else {
      const weight = 0.5 + (0.5 * used) / count;
      r = (usedR / used) * weight + (freeR / free) * (1 - weight);
      gr = (usedG / used) * weight + (freeG / free) * (1 - weight);
      b = (usedB / used) * weight + (freeB / free) * (1 - weight);
    }
    const x0 = ((cell - firstCell) % g.cols) * c;
    const y0 = Math.floor((cell - firstCell) / g.cols) * c;
    const holders = f === 1 && inner >= 4 ? stripes.get(start) : undefined;
    for (let y = y0; y < y0 + inner && y < height; y++) {
      let p = (y * width + x0) * 4;
      for (let x = 0; x < inner; x++, p += 4) {
        if (holders) {
          // Diagonal stripes, one colour a holder.
          const k = holders[Math.floor((x + y - y0) / stripeWidth) % holders.length] * 3;
          pixels[p] = PALETTE[k];
          pixels[p + 1] = PALETTE[k + 1];
          pixels[p + 2] = PALETTE[k + 2];
        } else {
          pixels[p] = r;
          pixels[p + 1] = gr;
          pixels[p + 2] = b;
        }
      }
    }
    // The first frame of a free buddy block gets a dark left edge: block boundaries show.
    if (f === 1 && c >= 3 && blockHeads[start] === start) {
      for (let y = y0; y < y0 + inner && y < height; y++) {
        const p = (y * width + x0) * 4;
        pixels[p] = 40;
        pixels[p + 1] = 70;
        pixels[p + 2] = 120;
      }
    }
  }
}

/** Outlines the cells of `frames` (ascending) in `color`, at most `max` cells. */
export function paintOutlines(
  context: CanvasRenderingContext2D,
  g: MapGeometry,
  frames: ArrayLike<number>,
  color: string,
  max: number,
): void {
  if (frames.length === 0) return;
  const c = g.cellPx;
  const inset = c >= 6 ? 1 : 0;
  context.lineWidth = c >= 6 ? 2 : 1;
  context.strokeStyle = color;
  let lastCell = -1;
  let outlined = 0;
  const size = Math.max(c, 3);
  for (let i = 0; i < frames.length; i++) {
    const cell = Math.floor(frames[i] / g.framesPerCell);
    if (cell === lastCell) continue;
    lastCell = cell;
    const at = cellOrigin(g, frames[i]);
    if (!at) continue;
    context.strokeRect(at.x + inset + 0.5, at.y + inset + 0.5, size - 2 * inset - 1, size - 2 * inset - 1);
    if (++outlined >= max) break;
  }
}

/** The frame cursor: a black and yellow square round its cell. */
export function paintCursor(context: CanvasRenderingContext2D, g: MapGeometry, cursor: number): void {
  const at = cellOrigin(g, cursor);
  if (!at) return;
  const c = g.cellPx;
  const size = Math.max(c, 6);
  const x = at.x + c / 2 - size / 2;
  const y = at.y + c / 2 - size / 2;
  context.lineWidth = 2;
  context.strokeStyle = '#000';
  context.strokeRect(x - 1, y - 1, size + 2, size + 2);
  context.strokeStyle = '#ffeb3b';
  context.strokeRect(x - 3, y - 3, size + 6, size + 6);
}
