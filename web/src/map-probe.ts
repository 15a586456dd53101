/**
 * Reading the map's canvas back: the colours a frame's cell was painted in. For tests (through
 * `window.playground`) and the curious; never on the drawing path.
 */
import { cellOrigin, innerSize, type MapGeometry } from './map-paint.js';

function hexOf(data: Uint8ClampedArray, at: number): string {
  return `#${((data[at] << 16) | (data[at + 1] << 8) | data[at + 2]).toString(16).padStart(6, '0')}`;
}

/** The colour at the centre of a frame's cell ('' when scrolled away). */
export function centerColor(canvas: HTMLCanvasElement, g: MapGeometry, pfn: number): string {
  const at = cellOrigin(g, pfn);
  const context = canvas.getContext('2d');
  if (!at || !context) return '';
  const half = innerSize(g.cellPx) >> 1;
  return hexOf(context.getImageData(at.x + half, at.y + half, 1, 1).data, 0);
}

/** The colour where the change outline is drawn: one pixel in on cells of 6 px or more, else the first. */
export function edgeColor(canvas: HTMLCanvasElement, g: MapGeometry, pfn: number): string {
  const at = cellOrigin(g, pfn);
  const context = canvas.getContext('2d');
  if (!at || !context) return '';
  const x = at.x + (g.cellPx >= 6 ? 1 : 0);
  return hexOf(context.getImageData(x, at.y + (innerSize(g.cellPx) >> 1), 1, 1).data, 0);
}

/** Every colour inside a frame's cell, inner pixels only (no gap, no outline ring), sorted. */
export function cellColors(canvas: HTMLCanvasElement, g: MapGeometry, pfn: number): string[] {
  const at = cellOrigin(g, pfn);
  const context = canvas.getContext('2d');
  if (!at || !context) return [];
  const inner = innerSize(g.cellPx);
  // Two pixels in: the change outline and the cursor are drawn over the edge.
  const margin = inner >= 8 ? 2 : 0;
  const size = inner - 2 * margin;
  const data = context.getImageData(at.x + margin, at.y + margin, size, size).data;
  const colors = new Set<string>();
  for (let i = 0; i < data.length; i += 4) colors.add(hexOf(data, i));
  return [...colors].sort();
}
