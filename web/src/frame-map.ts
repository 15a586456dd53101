/**
 * Physical memory as a map on a canvas: one cell per frame, or, zoomed out, one cell per group of
 * frames whose colours are averaged (a 4 GiB machine has a million frames). Rows hold a
 * multiple of 64 cells, so an aligned buddy block is one run in a row, or whole rows.
 *
 * Keyboard: arrows move a frame cursor, +/- zoom, 0 fits, PgUp/PgDn/Home/End scroll.
 */
import { bytes, FrameState, type FrameTable, type MemoryRange } from '../../src/index.js';
import { allocatedKind, Kind, processKind, reservedKind } from './frame-colors.js';
import { describeFrame } from './frame-describe.js';
import { innerSize, type MapGeometry, paintCells, paintCursor, paintOutlines } from './map-paint.js';
import { columnsFor, fitScale, MAX_CELL_PX, scaleFor } from './map-scale.js';

/** What the map draws: the frame table's arrays, the boot map, the buddy's free blocks. */
export interface FrameMapSource {
  frames: FrameTable;
  memoryMap: readonly MemoryRange[];
  /** Calls `visit` for every free block (head frame, order); none for a non-buddy allocator. */
  forEachFreeBlock?: (visit: (pfn: number, order: number) => void) => void;
  /** A process's name for the frame info line. */
  ownerName(owner: number): string;
  /** Where a frame is mapped ("at 0x00030000 in shell"), for the info line; optional. */
  mappingsOf?: (pfn: number) => string;
  /** The pids that map each shared frame (refcount > 1), for its stripes; optional. */
  holdersOfShared?: () => Map<number, number[]>;
}

/** Changed cells outlined at most after one statement. */
const MAX_OUTLINED = 4096;

export class FrameMap {
  private source: FrameMapSource | null = null;
  /** Per frame: the kind (palette index) it is drawn with. */
  private kinds = new Uint16Array(0);
  /** Per frame: the head of the free block it lies in, or -1. */
  private blockHead = new Int32Array(0);
  private blockOrder = new Uint8Array(0);
  private framesPerCell = 1;
  private cellPx = 1;
  private topRow = 0;
  private cursor = 0;
  private fitted = false;
  private image: ImageData | null = null;
  /** Frames the last statement changed, outlined on the map. */
  private highlights: Int32Array = new Int32Array(0);
  /** Frames of the region linked to the map (outlined in its process's colour). */
  private linked: { frames: number[]; color: string } = { frames: [], color: '' };
  /** The frame under the replacement policy's hand (outlined black), or none. */
  private hand: number[] = [];
  /** Whether shared frames' holders are still to be found (after the next classify). */
  private stripesWanted = false;
  /** Shared frames and the palette kinds of their holders (a stripe each). */
  private stripes = new Map<number, number[]>();

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly info: HTMLElement,
    private readonly scaleLabel: HTMLElement,
  ) {
    canvas.addEventListener('keydown', (event) => this.onKey(event));
    canvas.addEventListener('click', (event) => this.onClick(event));
    // Hovering describes the frame under the pointer; leaving goes back to the cursor's frame.
    canvas.addEventListener('mousemove', (event) => {
      const pfn = this.frameAt(event);
      this.info.textContent = this.describe(pfn >= 0 ? pfn : this.cursor);
    });
    canvas.addEventListener('mouseleave', () => {
      this.info.textContent = this.describe(this.cursor);
    });
    canvas.addEventListener(
      'wheel',
      (event) => {
        // The wheel scrolls the map only when it has rows out of view; else the page scrolls.
        if (event.ctrlKey) this.zoom(event.deltaY < 0 ? 1 : -1);
        else if (!this.scrollRows(Math.sign(event.deltaY) * 4)) return;
        event.preventDefault();
      },
      { passive: false },
    );
    new ResizeObserver(() => {
      this.size = null;
      this.render();
    }).observe(canvas);
  }

  get frameCount(): number {
    return this.source?.frames.frameCount ?? 0;
  }

  /** Frames one cell stands for and the cell's size in device pixels. */
  get scale(): { framesPerCell: number; cellPx: number } {
    return { framesPerCell: this.framesPerCell, cellPx: this.cellPx };
  }

  get selectedFrame(): number {
    return this.cursor;
  }

  /** Shows a new machine state. The zoom is kept unless the machine changed size. */
  update(source: FrameMapSource): void {
    const n = source.frames.frameCount;
    if (n !== this.kinds.length) {
      this.kinds = new Uint16Array(n);
      this.blockHead = new Int32Array(n);
      this.blockOrder = new Uint8Array(n);
      this.fitted = false;
      this.cursor = 0;
    }
    this.source = source;
    this.classify();
    if (!this.fitted) this.fit();
    else this.render();
  }

  /** Outlines frames (ascending) until the next call; an empty list outlines none. */
  setHighlights(frames: Int32Array): void {
    this.highlights = frames;
  }

  /** Outlines a region's frames (ascending) in its process's colour until the next call; [] none. */
  setLinked(frames: number[], color: string): void {
    this.linked = { frames, color };
  }

  /** Outlines the frame under the replacement policy's hand until the next call; -1 none. */
  setHand(pfn: number): void {
    this.hand = pfn >= 0 ? [pfn] : [];
  }

  /** Shows no machine. */
  clear(): void {
    this.source = null;
    this.hand = [];
    this.kinds = new Uint16Array(0);
    this.blockHead = new Int32Array(0);
    this.blockOrder = new Uint8Array(0);
    this.fitted = false;
    this.render();
  }

  /** Zooms by `steps` (positive: in). */
  zoom(steps: number): void {
    for (let i = 0; i < Math.abs(steps); i++) {
      if (steps > 0) {
        if (this.framesPerCell > 1) this.framesPerCell /= 2;
        else this.cellPx = Math.min(MAX_CELL_PX, this.cellPx * 2);
      } else if (this.cellPx > 1) this.cellPx = Math.max(1, this.cellPx >> 1);
      else if (this.framesPerCell < this.frameCount) this.framesPerCell *= 2;
    }
    this.fitted = true;
    this.revealCursor();
    this.render();
  }

  /** The largest cells that still show all of RAM. */
  fit(): void {
    const { width, height } = this.devicePixels();
    const scale = fitScale(this.frameCount, width, height);
    if (!scale) return;
    this.framesPerCell = scale.framesPerCell;
    this.cellPx = scale.cellPx;
    this.topRow = 0;
    this.fitted = true;
    this.render();
  }

  /** Puts the cursor on a frame and scrolls it into view. */
  select(pfn: number): void {
    if (this.frameCount === 0) return;
    this.cursor = Math.max(0, Math.min(this.frameCount - 1, pfn));
    this.revealCursor();
    this.render();
  }

  /** Where a frame's cell is drawn on the canvas (device pixels, cell centre); null when scrolled away. */
  cellCenter(pfn: number): { x: number; y: number } | null {
    const { cols, visibleRows } = this.layout();
    const cell = Math.floor(pfn / this.framesPerCell);
    const row = Math.floor(cell / cols) - this.topRow;
    if (row < 0 || row >= visibleRows) return null;
    const inner = this.cellPx >= 4 ? this.cellPx - 1 : this.cellPx;
    return { x: (cell % cols) * this.cellPx + (inner >> 1), y: row * this.cellPx + (inner >> 1) };
  }

  /** Where a frame's cell centre is on the page, in CSS pixels of the viewport; null when scrolled away. */
  cellOnPage(pfn: number): { x: number; y: number } | null {
    const at = this.cellCenter(pfn);
    if (!at) return null;
    const rect = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    return { x: rect.left + (at.x + 0.5) / ratio, y: rect.top + (at.y + 0.5) / ratio };
  }

  /** Describes a frame as the info line does. */
  describe(pfn: number): string {
    return this.source ? describeFrame(this.source, pfn, this.blockHead, this.blockOrder) : '';
  }

  /**
   * Zooms in as far as the frames (ascending) all stay in view, one frame a cell if they allow,
   * and scrolls to them: a 16 KiB IPC move becomes four large cells instead of four dots.
   */
  zoomTo(frames: ArrayLike<number>): void {
    if (frames.length === 0 || this.frameCount === 0) return;
    const { width, height } = this.devicePixels();
    const scale = scaleFor(frames[0], frames[frames.length - 1], this.frameCount, width, height);
    if (!scale) return;
    this.framesPerCell = scale.framesPerCell;
    this.cellPx = scale.cellPx;
    this.fitted = true;
    const { rows, visibleRows } = this.layout();
    this.topRow = Math.max(0, Math.min(scale.firstRow, rows - visibleRows));
    this.render();
  }

  private classify(): void {
    const source = this.source;
    if (!source) return;
    const { frames, memoryMap } = source;
    const { state, use, owner, refCount } = frames;
    const n = frames.frameCount;
    const kinds = this.kinds;
    this.blockHead.fill(-1);
    source.forEachFreeBlock?.((pfn, order) => {
      const end = Math.min(n, pfn + (1 << order));
      this.blockHead.fill(pfn, pfn, end);
      this.blockOrder.fill(order, pfn, end);
    });
    let shared = 0;
    for (let pfn = 0; pfn < n; pfn++) {
      const s = state[pfn];
      if (s === FrameState.Allocated) {
        kinds[pfn] = allocatedKind(use[pfn], owner[pfn], refCount[pfn]);
        if (refCount[pfn] > 1) shared++;
      } else if (s === FrameState.Free) {
        const headFrame = this.blockHead[pfn];
        // Blocks alternate between two tints by their position, so neighbouring blocks differ.
        kinds[pfn] =
          headFrame >= 0 && ((headFrame >> this.blockOrder[pfn]) & 1) === 1 ? Kind.FreeAlt : Kind.Free;
      } else kinds[pfn] = Kind.Firmware; // reserved; the boot map's ranges below say what kind
    }
    for (const range of memoryMap) {
      if (range.type === 'usable') continue;
      const kind = reservedKind(range.type);
      const first = Math.floor(range.base / 4096);
      const end = Math.min(n, first + range.length / 4096);
      for (let pfn = first; pfn < end; pfn++) if (state[pfn] === FrameState.Reserved) kinds[pfn] = kind;
    }
    this.stripes = new Map();
    this.stripesWanted = shared > 0;
  }

  /** The canvas's size in device pixels, measured once per resize (measuring forces a layout). */
  private size: { width: number; height: number } | null = null;

  private devicePixels(): { width: number; height: number } {
    if (this.size === null) {
      const ratio = window.devicePixelRatio || 1;
      this.size = {
        width: Math.max(1, Math.round(this.canvas.clientWidth * ratio)),
        height: Math.max(1, Math.round(this.canvas.clientHeight * ratio)),
      };
    }
    return this.size;
  }

  private layout(): { cols: number; rows: number; visibleRows: number; cells: number } {
    const { width, height } = this.devicePixels();
    const cols = Math.max(1, columnsFor(Math.floor(width / this.cellPx)));
    const cells = Math.ceil(this.frameCount / this.framesPerCell);
    return { cols, cells, rows: Math.ceil(cells / cols), visibleRows: Math.floor(height / this.cellPx) };
  }

  /** Scrolls the map by rows; false when it could not move (nothing out of view that way). */
  private scrollRows(delta: number): boolean {
    const { rows, visibleRows } = this.layout();
    const top = Math.max(0, Math.min(Math.max(0, rows - visibleRows), this.topRow + delta));
    if (top === this.topRow) return false;
    this.topRow = top;
    this.render();
    return true;
  }

  private revealCursor(): void {
    const { cols, rows, visibleRows } = this.layout();
    const row = Math.floor(this.cursor / this.framesPerCell / cols);
    if (row < this.topRow) this.topRow = row;
    else if (row >= this.topRow + visibleRows) this.topRow = row - visibleRows + 1;
    this.topRow = Math.max(0, Math.min(this.topRow, Math.max(0, rows - visibleRows)));
  }

  private onKey(event: KeyboardEvent): void {
    if (this.frameCount === 0) return;
    const { cols, visibleRows } = this.layout();
    const row = this.framesPerCell * cols;
    const page = row * Math.max(1, visibleRows - 1);
    // Cursor moves: a cell, a row, a screen, the ends; then the zoom keys.
    const moves: Record<string, number> = {
      ArrowLeft: this.cursor - this.framesPerCell,
      ArrowRight: this.cursor + this.framesPerCell,
      ArrowUp: this.cursor - row,
      ArrowDown: this.cursor + row,
      PageUp: this.cursor - page,
      PageDown: this.cursor + page,
      Home: 0,
      End: this.frameCount - 1,
    };
    const target = Object.hasOwn(moves, event.key) ? moves[event.key] : undefined;
    if (target !== undefined) this.select(target);
    else if (event.key === '+' || event.key === '=') this.zoom(1);
    else if (event.key === '-') this.zoom(-1);
    else if (event.key === '0') this.fit();
    else return;
    event.preventDefault();
  }

  /** The first frame of the cell under the pointer, or -1. */
  private frameAt(event: MouseEvent): number {
    const rect = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const x = Math.floor(((event.clientX - rect.left) * ratio) / this.cellPx);
    const y = Math.floor(((event.clientY - rect.top) * ratio) / this.cellPx) + this.topRow;
    const { cols } = this.layout();
    if (x < 0 || x >= cols || y < 0) return -1;
    const pfn = (y * cols + x) * this.framesPerCell;
    return pfn < this.frameCount ? pfn : -1;
  }

  private onClick(event: MouseEvent): void {
    const pfn = this.frameAt(event);
    if (pfn >= 0) this.select(pfn);
    this.canvas.focus();
  }

  render(): void {
    const { width, height } = this.devicePixels();
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.image = null;
    }
    const context = this.canvas.getContext('2d');
    if (!context) return;
    if (!this.image) this.image = context.createImageData(width, height);
    const pixels = this.image.data;
    pixels.fill(255);
    const n = this.frameCount;
    const geometry = this.geometry();
    // Holders are found by walking every process's tables: only when cells are large enough to stripe.
    if (this.stripesWanted && this.framesPerCell === 1 && innerSize(this.cellPx) >= 4) this.findHolders();
    if (n > 0)
      paintCells(pixels, width, height, geometry, {
        kinds: this.kinds,
        blockHeads: this.blockHead,
        stripes: this.stripes,
      });
    context.putImageData(this.image, 0, 0);
    if (n > 0) {
      paintOutlines(context, geometry, this.highlights, '#d50000', MAX_OUTLINED);
      paintOutlines(context, geometry, this.linked.frames, this.linked.color, MAX_OUTLINED);
      paintOutlines(context, geometry, this.hand, '#000000', 1);
      paintCursor(context, geometry, this.cursor);
    }
    this.scaleLabel.textContent =
      this.framesPerCell > 1
        ? `1 cell = ${this.framesPerCell} frames (${bytes(this.framesPerCell * 4096)})`
        : `1 cell = 1 frame, ${this.cellPx} px`;
    this.info.textContent = this.describe(this.cursor);
  }

  /**
   * Stripes for the shared frames: one a process that maps the frame, and a magenta one for a
   * holder that is no process's mapping (a message in flight).
   */
  private findHolders(): void {
    this.stripesWanted = false;
    const source = this.source;
    if (!source?.holdersOfShared) return;
    const refCount = source.frames.refCount;
    for (const [pfn, pids] of source.holdersOfShared()) {
      const stripes = pids.map(processKind);
      if (pids.length < refCount[pfn]) stripes.push(Kind.Shared);
      this.stripes.set(pfn, stripes);
    }
  }

  /** The layout as the painters take it (and tests read the canvas by). */
  geometry(): MapGeometry {
    const { cols, visibleRows } = this.layout();
    return {
      cols,
      visibleRows,
      topRow: this.topRow,
      framesPerCell: this.framesPerCell,
      cellPx: this.cellPx,
      frameCount: this.frameCount,
    };
  }
}
