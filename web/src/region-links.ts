/**
 * Lines from a region of the address-space drawing to the frames its pages use on the map, drawn
 * on a page-wide SVG layer while the pointer (or the keyboard focus) is on the region. Shows at a
 * glance that a region's pages are scattered over physical memory, and which frames they are.
 */
import type { FrameMap } from './frame-map.js';

const SVG = 'http://www.w3.org/2000/svg';

/** Lines drawn at most (a big region's first pages): more would hide the map. */
export const MAX_LINKS = 128;

export class RegionLinks {
  constructor(private readonly layer: SVGSVGElement) {}

  /**
   * Draws a line from the right edge of `from` to each point (viewport pixels), ends marked with
   * a dot; `frames` names the frame each point is the cell of.
   */
  show(from: DOMRect, points: { pfn: number; x: number; y: number }[], color: string): void {
    const x1 = from.right;
    const y1 = from.top + from.height / 2;
    const nodes: SVGElement[] = [];
    for (const point of points.slice(0, MAX_LINKS)) {
      const line = document.createElementNS(SVG, 'line');
      line.setAttribute('x1', String(x1));
      line.setAttribute('y1', String(y1));
      line.setAttribute('x2', String(point.x));
      line.setAttribute('y2', String(point.y));
      line.setAttribute('stroke', color);
      line.setAttribute('data-pfn', String(point.pfn));
      const dot = document.createElementNS(SVG, 'circle');
      dot.setAttribute('cx', String(point.x));
      dot.setAttribute('cy', String(point.y));
      dot.setAttribute('r', '3');
      dot.setAttribute('fill', color);
      nodes.push(line, dot);
    }
    this.layer.replaceChildren(...nodes);
    this.layer.dataset.frames = String(points.length);
  }

  /** Links `frames` (in address order) to `button`: lines to the cells in view, outlines on the map. */
  link(map: FrameMap, frames: number[], button: HTMLElement, color: string): void {
    // The frames are outlined on the map too: it may be scrolled away from the region's line.
    map.setLinked(
      [...frames].sort((p, q) => p - q),
      color,
    );
    map.render();
    const points: { pfn: number; x: number; y: number }[] = [];
    for (const pfn of frames) {
      const at = map.cellOnPage(pfn);
      if (at) points.push({ pfn, ...at });
    }
    this.show(button.getBoundingClientRect(), points, color);
  }

  /** Takes the lines and the map's outlines away. */
  unlink(map: FrameMap): void {
    this.clear();
    map.setLinked([], '');
    map.render();
  }

  clear(): void {
    this.layer.replaceChildren();
    delete this.layer.dataset.frames;
  }
}
