/**
 * The reference model of the system model test: plain arrays and maps of bytes saying what each
 * process must see in its window, which heap blocks it holds and what messages wait for it, and
 * which operations must fail with which error. The runner (system-model.ts) keeps it beside a Kernel.
 */
import { Protection } from '../../src/vm/region-types.js';

export const PAGE = 4096;
/**
 * The window every mmap, IPC area and PHYS mapping of the test lies in: above the heaps (which
 * grow from the bottom), near enough to share their upper page tables, so the checker has fewer
 * tables to walk.
 */
export const WINDOW = 0x800000;
export const WINDOW_PAGES = 24;

export type PageKind = 'anon' | 'shared' | 'phys';

export interface PageModel {
  protection: number;
  /** The page's bytes. Shared and PHYS pages share one array among every mapping of them. */
  data: Uint8Array;
  kind: PageKind;
  sealed: boolean;
  /** The direct frame a PHYS page maps. */
  direct: DirectFrameModel | null;
}

export interface DirectFrameModel {
  pa: number;
  data: Uint8Array;
}

export interface BlockModel {
  size: number;
  /** Null while the contents are unspecified (fresh from malloc). */
  data: Uint8Array | null;
}

export interface MessageModel {
  id: number;
  kind: 'copy' | 'move' | 'share';
  from: number;
  length: number;
  /** Offset of the payload in its first page. */
  offset: number;
  pages: number;
  /** The whole pages' bytes at the time of the send. */
  data: Uint8Array;
}

export type Window = Array<PageModel | null>;

export function emptyWindow(): Window {
  return new Array<PageModel | null>(WINDOW_PAGES).fill(null);
}

/** A child's window after fork: private pages copied, shared and PHYS pages shared. */
export function forkWindow(window: Window): Window {
  return window.map((p) => (p ? { ...p, data: p.kind === 'anon' ? p.data.slice() : p.data } : null));
}

export function forkBlocks(blocks: Map<number, BlockModel>): Map<number, BlockModel> {
  const out = new Map<number, BlockModel>();
  for (const [va, b] of blocks) out.set(va, { size: b.size, data: b.data ? b.data.slice() : null });
  return out;
}

function allows(page: PageModel | null, write: boolean): boolean {
  if (!page) return false;
  const p = page.protection;
  return write ? (p & Protection.Write) !== 0 : (p & (Protection.Read | Protection.Write)) !== 0;
}

/** The segmentation fault an access of window bytes [offset, offset + length) must raise, or null. */
export function expectedFault(
  window: Window,
  offset: number,
  length: number,
  write: boolean,
): { address: number; cause: string } | null {
  for (let p = Math.floor(offset / PAGE); p * PAGE < offset + length; p++) {
    if (p >= WINDOW_PAGES) return { address: WINDOW + Math.max(offset, p * PAGE), cause: 'unmapped' };
    if (!allows(window[p], write)) {
      return { address: WINDOW + Math.max(offset, p * PAGE), cause: window[p] ? 'protection' : 'unmapped' };
    }
  }
  return null;
}

export function writeWindow(window: Window, offset: number, bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) {
    const at = offset + i;
    (window[Math.floor(at / PAGE)] as PageModel).data[at % PAGE] = bytes[i];
  }
}

export function readWindow(window: Window, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const at = offset + i;
    out[i] = (window[Math.floor(at / PAGE)] as PageModel).data[at % PAGE];
  }
  return out;
}

/** Error names the model predicts (class names of src/common/errors.ts and the layers'). */
export type Refusal =
  | 'BusyError'
  | 'NotAllocatedError'
  | 'ProtectionError'
  | 'InvalidArgumentError'
  | 'MailboxFullError'
  | 'AlignmentError';

/** How mprotect must end: each page in order, a hole first, then a sealed page asked for Write. */
export function protectRefusal(
  window: Window,
  first: number,
  count: number,
  protection: number,
): Refusal | null {
  for (let p = first; p < first + count; p++) {
    const page = window[p];
    if (!page) return 'NotAllocatedError';
    if (page.sealed && protection & Protection.Write) return 'ProtectionError';
  }
  return null;
}

export function rangeFree(window: Window, first: number, count: number): boolean {
  for (let p = first; p < first + count; p++) if (window[p]) return false;
  return true;
}

/** How a send's source check must end, page by page in order (post office's checkSource). */
export function sourceRefusal(
  window: Window,
  first: number,
  count: number,
  kind: 'copy' | 'move' | 'share',
): Refusal | null {
  for (let p = first; p < first + count; p++) {
    const page = window[p];
    if (!page) return 'NotAllocatedError';
    if (page.kind !== 'anon') return 'InvalidArgumentError';
    if (!(page.protection & (Protection.Read | Protection.Write))) return 'ProtectionError';
    if (kind === 'move' && !(page.protection & Protection.Write)) return 'ProtectionError';
  }
  return null;
}

/** How a copy's delivery into an existing buffer must end (checkDestination). */
export function destinationRefusal(window: Window, offset: number, length: number): Refusal | null {
  for (let p = Math.floor(offset / PAGE); p * PAGE < offset + length; p++) {
    const page = window[p];
    if (!page) return 'NotAllocatedError';
    if (!(page.protection & Protection.Write)) return 'ProtectionError';
  }
  return null;
}

/** The bytes whole pages [first, first + count) hold now. */
export function pagesBytes(window: Window, first: number, count: number): Uint8Array {
  const out = new Uint8Array(count * PAGE);
  for (let k = 0; k < count; k++) out.set((window[first + k] as PageModel).data, k * PAGE);
  return out;
}

export function anonPage(protection: number, data: Uint8Array, sealed = false): PageModel {
  return { protection, data, kind: 'anon', sealed, direct: null };
}
