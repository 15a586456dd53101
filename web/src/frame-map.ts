/**
 * Physical memory as a map on a canvas: one cell per frame, or, zoomed out, one cell per group of
 * frames whose colours are averaged (a 4 GiB machine has a million frames). Rows hold a
 * multiple of 64 cells, so an aligned buddy block is one run in a row, or whole rows.
 *
 * Keyboard: arrows move a frame cursor, +/- zoom, 0 fits, PgUp/PgDn/Home/End scroll.
 */
import { bytes, FrameState, type FrameTable, FrameUse, hex, type MemoryRange } from '../../src/index.js';
import { allocatedKind, Kind, processKind, reservedKind } from './frame-colors.js';
import { type MapGeometry, paintCells, paintCursor, paintOutlines } from './map-paint.js';

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

const USE_NAMES: string[] = [];
for (const [name, value] of Object.entries(FrameUse)) USE_NAMES[value] = name;

const MAX_CELL_PX = 32;
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

  /** Shows no machine. */
  clear(): void {
    this.source = null;
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
    const n = Math.max(1, this.frameCount);
    for (let f = 1; f <= n * 2; f *= 2) {
      const cells = Math.ceil(n / f);
      for (let c = MAX_CELL_PX; c >= 1; c--) {
        const cols = columnsFor(Math.floor(width / c));
        if (cols < 1) continue;
        if (Math.ceil(cells / cols) * c <= height) {
          this.framesPerCell = f;
          this.cellPx = c;
          this.topRow = 0;
          this.fitted = true;
          this.render();
          return;
        }
      }
    }
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

  /** Describes a frame as the info line does. */
  describe(pfn: number): string {
    const source = this.source;
    if (!source || pfn >= source.frames.frameCount) return '';
    const { state, use, owner, refCount } = source.frames;
    const head = `frame ${pfn} (${hex(pfn * 4096)})`;
    if (state[pfn] === FrameState.Free) {
      const b = this.blockHead[pfn];
      if (b < 0) return `${head}: free (single-frame cache)`;
      const order = this.blockOrder[pfn];
      return `${head}: free, in a buddy block of order ${order} (${bytes(4096 << order)}) at ${hex(b * 4096)}`;
    }
    if (state[pfn] === FrameState.Reserved) {
      const range = source.memoryMap.find((r) => r.base <= pfn * 4096 && pfn * 4096 < r.base + r.length);
      return `${head}: reserved, ${range?.type ?? 'hole'}${range?.label ? ` (${range.label})` : ''}`;
    }
    const who = owner[pfn] === 0 ? 'kernel' : source.ownerName(owner[pfn]);
    const where = use[pfn] === FrameUse.User ? (source.mappingsOf?.(pfn) ?? '') : '';
    return `${head}: allocated, ${USE_NAMES[use[pfn]] ?? use[pfn]}, owner ${who}, refcount ${refCount[pfn]}${
      where ? `; mapped ${where}` : ''
    }`;
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
    if (shared === 0 || !source.holdersOfShared) return;
    // One stripe a process that maps the frame, and a magenta one for holders that are no
    // process's mapping (a message in flight).
    for (const [pfn, pids] of source.holdersOfShared()) {
      const stripes = pids.map(processKind);
      if (pids.length < refCount[pfn]) stripes.push(Kind.Shared);
      this.stripes.set(pfn, stripes);
    }
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
    const f = this.framesPerCell;
    let handled = true;
    switch (event.key) {
      case 'ArrowLeft':
        this.select(this.cursor - f);
        break;
      case 'ArrowRight':
        this.select(this.cursor + f);
        break;
      case 'ArrowUp':
        this.select(this.cursor - f * cols);
        break;
      case 'ArrowDown':
        this.select(this.cursor + f * cols);
        break;
      case 'PageUp':
        this.select(this.cursor - f * cols * Math.max(1, visibleRows - 1));
        break;
      case 'PageDown':
        this.select(this.cursor + f * cols * Math.max(1, visibleRows - 1));
        break;
      case 'Home':
        this.select(0);
        break;
      case 'End':
        this.select(this.frameCount - 1);
        break;
      case '+':
      case '=':
        this.zoom(1);
        break;
      case '-':
        this.zoom(-1);
        break;
      case '0':
        this.fit();
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
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
    if (n > 0)
      paintCells(pixels, width, height, geometry, {
        kinds: this.kinds,
        blockHeads: this.blockHead,
        stripes: this.stripes,
      });
    context.putImageData(this.image, 0, 0);
    if (n > 0) {
      paintOutlines(context, geometry, this.highlights, '#d50000', MAX_OUTLINED);
      paintCursor(context, geometry, this.cursor);
    }
    this.scaleLabel.textContent =
      this.framesPerCell > 1
        ? `1 cell = ${this.framesPerCell} frames (${bytes(this.framesPerCell * 4096)})`
        : `1 cell = 1 frame, ${this.cellPx} px`;
    this.info.textContent = this.describe(this.cursor);
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

/**
 * Cells in a row: a multiple of 64 (a power of two below that), so buddy blocks up to 64 frames
 * never straddle rows and larger ones cover whole rows, without leaving half the width empty.
 */
function columnsFor(available: number): number {
  if (available < 1) return 0;
  if (available < 128) return 2 ** Math.floor(Math.log2(available));
  return available - (available % 64);
}
