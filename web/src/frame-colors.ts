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
/** Distinct colours for the first processes; later ones cycle. */
const PROCESS_COLORS = [
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
  { label: 'page table', color: KIND_COLORS[Kind.PageTable] },
  { label: 'message in flight', color: KIND_COLORS[Kind.Message] },
  { label: 'direct (ppm_alloc)', color: KIND_COLORS[Kind.Direct] },
  { label: 'shared (refcount > 1)', color: KIND_COLORS[Kind.Shared] },
];

function rgb(color: string): [number, number, number] {
  const n = Number.parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Palette entries: PROCESS_BASE kinds, then one per process colour. RGB triples. */
export const PALETTE = new Uint8Array((PROCESS_BASE + PROCESS_COLORS.length) * 3);
for (let i = 0; i < PROCESS_BASE; i++) PALETTE.set(rgb(KIND_COLORS[i]), i * 3);
PROCESS_COLORS.forEach((color, i) => {
  PALETTE.set(rgb(color), (PROCESS_BASE + i) * 3);
});

/** The colour of process `pid` (pid 1 gets the first). */
export function processColor(pid: number): string {
  return PROCESS_COLORS[(pid - 1 + PROCESS_COLORS.length * 64) % PROCESS_COLORS.length];
}

export function processKind(pid: number): number {
  return PROCESS_BASE + ((pid - 1 + PROCESS_COLORS.length * 64) % PROCESS_COLORS.length);
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
      return Kind.PageTable;
    case FrameUse.Message:
      return Kind.Message;
    case FrameUse.User:
      return owner > 0 ? processKind(owner) : Kind.User;
    default:
      return Kind.Direct;
  }
}

export { FrameState };
