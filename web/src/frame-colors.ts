/**
 * How the map colours a frame: one palette entry per kind of frame, one per process. Kinds are
 * decided from the frame table's typed arrays alone, so colouring a million frames allocates
 * nothing.
 */
import { FrameState, FrameUse } from '../../src/index.js';

/** Palette indexes of the kinds of frames. Processes follow from PROCESS_BASE. */
export const Kind = {
  /** Free, in a buddy block of even rank; FreeAlt is the next block, so neighbours differ. */
  Free: 0,
  FreeAlt: 1,
  Firmware: 2,
  KernelImage: 3,
  Device: 4,
  Kernel: 5,
  PageTable: 6,
  Message: 7,
  Direct: 8,
  Shared: 9,
  /** A process's frame with no process colour (owner unknown). */
  User: 10,
} as const;

export const PROCESS_BASE = 11;
/** Processes with a colour of their own; later ones share (pid modulo this). */
export const PROCESS_COLOR_COUNT = 128;
/** Palette index of the first process's page-table colour (one per process colour). */
export const TABLE_BASE = PROCESS_BASE + PROCESS_COLOR_COUNT;

/** The first dozen hand-picked; the rest spread round the hue circle by the golden angle. */
const FIRST_COLORS = [
  '#2e7d32',
  '#1565c0',
  '#c62828',
  '#6a1b9a',
  '#00838f',
  '#ef6c00',
  '#4e342e',
  '#ad1457',
  '#558b2f',
  '#283593',
  '#00695c',
  '#9e9d24',
];

function hslHex(hue: number, saturation: number, lightness: number): string {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number) => {
    const k = (n + hue / 30) % 12;
    return Math.round(255 * (lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return `#${((channel(0) << 16) | (channel(8) << 8) | channel(4)).toString(16).padStart(6, '0')}`;
}

const PROCESS_COLORS: string[] = [...FIRST_COLORS];
for (let i = FIRST_COLORS.length; i < PROCESS_COLOR_COUNT; i++) {
  // Three lightness bands, so that two hues that come close still differ in brightness.
  PROCESS_COLORS.push(hslHex((i * 137.508) % 360, 0.65, [0.32, 0.45, 0.58][i % 3]));
}

const KIND_COLORS: Record<number, string> = {
  [Kind.Free]: '#d6e6f7',
  [Kind.FreeAlt]: '#e3f1d6',
  [Kind.Firmware]: '#616161',
  [Kind.KernelImage]: '#37474f',
  [Kind.Device]: '#8d8d8d',
  [Kind.Kernel]: '#8d6e63',
  [Kind.PageTable]: '#f9a825',
  [Kind.Message]: '#ec407a',
  [Kind.Direct]: '#78909c',
  [Kind.Shared]: '#d500f9',
  [Kind.User]: '#43a047',
};

export const LEGEND: { label: string; color: string }[] = [
  { label: 'free (buddy blocks alternate)', color: KIND_COLORS[Kind.Free] },
  { label: 'firmware / hole', color: KIND_COLORS[Kind.Firmware] },
  { label: 'kernel image', color: KIND_COLORS[Kind.KernelImage] },
  { label: 'device', color: KIND_COLORS[Kind.Device] },
  { label: 'kernel data', color: KIND_COLORS[Kind.Kernel] },
  { label: 'page table (tinted by owner)', color: KIND_COLORS[Kind.PageTable] },
  { label: 'message in flight', color: KIND_COLORS[Kind.Message] },
  { label: 'direct (ppm_alloc)', color: KIND_COLORS[Kind.Direct] },
  { label: 'shared (refcount > 1), striped by its holders', color: KIND_COLORS[Kind.Shared] },
];

function rgb(color: string): [number, number, number] {
  const n = Number.parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Page tables of a process: the page-table amber mixed with the owner's colour. */
function tableTint(color: string): [number, number, number] {
  const own = rgb(color);
  const amber = rgb(KIND_COLORS[Kind.PageTable]);
  return [0, 1, 2].map((i) => Math.round(amber[i] * 0.55 + own[i] * 0.45)) as [number, number, number];
}

/** Palette entries: PROCESS_BASE kinds, one per process colour, one per process's page tables. */
export const PALETTE = new Uint8Array((TABLE_BASE + PROCESS_COLOR_COUNT) * 3);
for (let i = 0; i < PROCESS_BASE; i++) PALETTE.set(rgb(KIND_COLORS[i]), i * 3);
PROCESS_COLORS.forEach((color, i) => {
  PALETTE.set(rgb(color), (PROCESS_BASE + i) * 3);
  PALETTE.set(tableTint(color), (TABLE_BASE + i) * 3);
});

function colorSlot(pid: number): number {
  return (((pid - 1) % PROCESS_COLOR_COUNT) + PROCESS_COLOR_COUNT) % PROCESS_COLOR_COUNT;
}

function paletteHex(kind: number): string {
  const n = (PALETTE[kind * 3] << 16) | (PALETTE[kind * 3 + 1] << 8) | PALETTE[kind * 3 + 2];
  return `#${n.toString(16).padStart(6, '0')}`;
}

/** The colour of process `pid` (pid 1 gets the first). */
export function processColor(pid: number): string {
  return PROCESS_COLORS[colorSlot(pid)];
}

/** The colour of the page-table frames of process `pid`. */
export function tableColor(pid: number): string {
  return paletteHex(TABLE_BASE + colorSlot(pid));
}

export function processKind(pid: number): number {
  return PROCESS_BASE + colorSlot(pid);
}

/** Kinds of the reserved frames, from the boot memory map's range types. */
export function reservedKind(type: string): number {
  if (type === 'kernel') return Kind.KernelImage;
  if (type === 'device') return Kind.Device;
  return Kind.Firmware;
}

/** The kind of an allocated frame from its use, owner and reference count. */
export function allocatedKind(use: number, owner: number, refCount: number): number {
  if (refCount > 1) return Kind.Shared;
  switch (use) {
    case FrameUse.Kernel:
      return Kind.Kernel;
    case FrameUse.PageTable:
      // The kernel's own tables (owner 0) in plain amber; a process's tinted with its colour.
      return owner > 0 ? TABLE_BASE + colorSlot(owner) : Kind.PageTable;
    case FrameUse.Message:
      return Kind.Message;
    case FrameUse.User:
      return owner > 0 ? processKind(owner) : Kind.User;
    default:
      return Kind.Direct;
  }
}

export { FrameState };
