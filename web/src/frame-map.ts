/**
 * Physical memory as a map on a canvas: one cell per frame, or, zoomed out, one cell per group of
 * frames whose colours are averaged (a 4 GiB machine has a million frames). Rows hold a
 * multiple of 64 cells, so an aligned buddy block is one run in a row, or whole rows.
 *
 * Keyboard: arrows move a frame cursor, +/- zoom, 0 fits, PgUp/PgDn/Home/End scroll.
 */
import { bytes, FrameState, type FrameTable, FrameUse, hex, type MemoryRange } from '../../src/index.js';
import { allocatedKind, Kind, PALETTE, reservedKind } from './frame-colors.js';

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
    for (let pfn = 0; pfn < n; pfn++) {
      const s = state[pfn];
      if (s === FrameState.Allocated) kinds[pfn] = allocatedKind(use[pfn], owner[pfn], refCount[pfn]);
      else if (s === FrameState.Free) {
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
    if (n > 0) this.paint(pixels, width, height);
    context.putImageData(this.image, 0, 0);
    if (n > 0) this.paintHighlights(context);
    if (n > 0) this.paintCursor(context);
    this.scaleLabel.textContent =
      this.framesPerCell > 1
        ? `1 cell = ${this.framesPerCell} frames (${bytes(this.framesPerCell * 4096)})`
        : `1 cell = 1 frame, ${this.cellPx} px`;
    this.info.textContent = this.describe(this.cursor);
  }

  private paint(pixels: Uint8ClampedArray, width: number, height: number): void {
    const { cols, visibleRows } = this.layout();
    const kinds = this.kinds;
    const heads = this.blockHead;
    const n = this.frameCount;
    const f = this.framesPerCell;
    const c = this.cellPx;
    // A gap between cells once they are big enough to tell apart.
    const inner = c >= 4 ? c - 1 : c;
    const firstCell = this.topRow * cols;
    const lastCell = Math.min(Math.ceil(n / f), firstCell + visibleRows * cols);
    for (let cell = firstCell; cell < lastCell; cell++) {
      const start = cell * f;
      const end = Math.min(n, start + f);
      let r = 0;
      let g = 0;
      let b = 0;
      for (let pfn = start; pfn < end; pfn++) {
        const k = kinds[pfn] * 3;
        r += PALETTE[k];
        g += PALETTE[k + 1];
        b += PALETTE[k + 2];
      }
      const count = end - start;
      r = (r / count) | 0;
      g = (g / count) | 0;
      b = (b / count) | 0;
      const x0 = ((cell - firstCell) % cols) * c;
      const y0 = Math.floor((cell - firstCell) / cols) * c;
      for (let y = y0; y < y0 + inner && y < height; y++) {
        let p = (y * width + x0) * 4;
        for (let x = 0; x < inner; x++, p += 4) {
          pixels[p] = r;
          pixels[p + 1] = g;
          pixels[p + 2] = b;
        }
      }
      // The first frame of a free buddy block gets a dark left edge: block boundaries show.
      if (f === 1 && c >= 3 && heads[start] === start) {
        for (let y = y0; y < y0 + inner && y < height; y++) {
          const p = (y * width + x0) * 4;
          pixels[p] = 40;
          pixels[p + 1] = 70;
          pixels[p + 2] = 120;
        }
      }
    }
  }

  /** Outlines the cells of the changed frames (at most MAX_OUTLINED cells: beyond, the map is busy enough). */
  private paintHighlights(context: CanvasRenderingContext2D): void {
    if (this.highlights.length === 0) return;
    const { cols, visibleRows } = this.layout();
    const c = this.cellPx;
    const inset = c >= 6 ? 1 : 0;
    context.lineWidth = c >= 6 ? 2 : 1;
    context.strokeStyle = '#d50000';
    let lastCell = -1;
    let outlined = 0;
    for (const pfn of this.highlights) {
      const cell = Math.floor(pfn / this.framesPerCell);
      if (cell === lastCell) continue;
      lastCell = cell;
      const row = Math.floor(cell / cols) - this.topRow;
      if (row < 0 || row >= visibleRows) continue;
      const size = Math.max(c, 3);
      context.strokeRect(
        (cell % cols) * c + inset + 0.5,
        row * c + inset + 0.5,
        size - 2 * inset - 1,
        size - 2 * inset - 1,
      );
      if (++outlined >= MAX_OUTLINED) break;
    }
  }

  private paintCursor(context: CanvasRenderingContext2D): void {
    const { cols, visibleRows } = this.layout();
    const cell = Math.floor(this.cursor / this.framesPerCell);
    const row = Math.floor(cell / cols) - this.topRow;
    if (row < 0 || row >= visibleRows) return;
    const c = this.cellPx;
    const size = Math.max(c, 6);
    const x = (cell % cols) * c + c / 2 - size / 2;
    const y = row * c + c / 2 - size / 2;
    context.lineWidth = 2;
    context.strokeStyle = '#000';
    context.strokeRect(x - 1, y - 1, size + 2, size + 2);
    context.strokeStyle = '#ffeb3b';
    context.strokeRect(x - 3, y - 3, size + 6, size + 6);
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
