/**
 * Maps an ELF image into a fresh address space: each PT_LOAD segment becomes an ANON region with
 * the segment's protection, its file bytes copied in and the rest (.bss) demand-zero; the program
 * break starts on the page after the highest segment. Used by the Linux process loader (exec).
 */
import { AddressRangeError } from '../../common/errors.js';
import { hex } from '../../common/format.js';
import type { AddressSpace } from '../../vm/address-space.js';
import { PAGE_SIZE } from '../../vm/region-map.js';
import { Protection } from '../../vm/region-types.js';
import { type ElfImage, type ElfSegment, ET_DYN, PF_R, PF_W, PF_X, PT_LOAD, PT_PHDR } from './elf.js';
import { ElfError } from './errors.js';

/**
 * Where a static-pie (ET_DYN) program is loaded: two thirds of the Sv39 user half, as Linux's
 * ELF_ET_DYN_BASE (TASK_SIZE / 3 * 2) puts it, rounded down to a page.
 */
export const PIE_BASE = 0x2a_aaaa_a000;

export interface LoadedProgram {
  /** Added to every address of the file (0 for ET_EXEC). */
  base: number;
  entry: number;
  /** Where the program headers are in memory (AT_PHDR), or 0 when no segment holds them. */
  programHeaders: number;
  programHeaderCount: number;
  /** First address past the highest segment, page-aligned: the initial program break. */
  breakStart: number;
  /** The highest address any segment reaches (end of .bss). */
  end: number;
}

/** The segment's p_flags as region protection. */
export function segmentProtection(flags: number): number {
  return (
    (flags & PF_R ? Protection.Read : 0) |
    (flags & PF_W ? Protection.Write : 0) |
    (flags & PF_X ? Protection.Execute : 0)
  );
}

/**
 * Maps `image` into `space` (which must be empty where the program goes). Throws ElfError when a
 * segment falls outside the user half; any other failure (OutOfMemoryError) leaves regions
 * behind that the caller removes by destroying the space, as exec does with the whole process.
 */
export function loadProgram(space: AddressSpace, image: ElfImage, name: string): LoadedProgram {
  const base = image.type === ET_DYN ? PIE_BASE : 0;
  const pages = image.loads.map((s) => pageRange(s, base));
  for (const [i, [start, end]] of pages.entries()) {
    if (start < space.start || end > space.end || start === 0) {
      throw new ElfError(
        'bad-segment',
        `${name}: segment ${i} (${hex(start)}..${hex(end)}) is outside the user address range ${hex(PAGE_SIZE)}..${hex(space.end)}`,
      );
    }
  }
  // Segments may share a page at their boundary: that page is mapped once, with both protections.
  let mappedEnd = 0;
  for (const [start, end] of pages) {
    const from = Math.max(start, mappedEnd);
    if (from < end) space.mapAnon(end - from, { at: from, protection: Protection.ReadWrite, name });
    mappedEnd = Math.max(mappedEnd, end);
  }
  for (const s of image.loads) {
    if (s.fileBytes > 0) {
      space.write(base + s.vaddr, image.bytes, s.offset, s.fileBytes);
    }
  }
  for (const [i, s] of image.loads.entries()) {
    const [start, end] = pages[i];
    if (end > start) space.protect(start, end - start, segmentProtection(s.flags));
  }
  for (let i = 1; i < pages.length; i++) {
    if (pages[i - 1][1] > pages[i][0]) {
      const both = segmentProtection(image.loads[i - 1].flags) | segmentProtection(image.loads[i].flags);
      space.protect(pages[i][0], PAGE_SIZE, both);
    }
  }
  const end = Math.max(...image.loads.map((s) => base + s.vaddr + s.memoryBytes));
  return {
    base,
    entry: base + image.entry,
    programHeaders: programHeaderAddress(image, base),
    programHeaderCount: image.programHeaderCount,
    breakStart: alignUp(end),
    end,
  };
}

/** The page-aligned range [start, end) a loadable segment covers once loaded at `base`. */
function pageRange(s: ElfSegment, base: number): [number, number] {
  const start = base + s.vaddr;
  if (s.memoryBytes === 0) return [alignDown(start), alignDown(start)];
  const end = start + s.memoryBytes;
  if (!Number.isSafeInteger(end)) throw new AddressRangeError(`segment at ${hex(start)} is too large`);
  return [alignDown(start), alignUp(end)];
}

/** AT_PHDR: PT_PHDR's address, else the address of the loaded bytes that hold the headers. */
function programHeaderAddress(image: ElfImage, base: number): number {
  const phdr = image.segments.find((s) => s.type === PT_PHDR);
  if (phdr) return base + phdr.vaddr;
  const offset = image.programHeaderOffset;
  for (const s of image.segments) {
    if (s.type === PT_LOAD && offset >= s.offset && offset < s.offset + s.fileBytes) {
      return base + s.vaddr + (offset - s.offset);
    }
  }
  return 0;
}

function alignDown(value: number): number {
  return Math.floor(value / PAGE_SIZE) * PAGE_SIZE;
}

function alignUp(value: number): number {
  return Math.ceil(value / PAGE_SIZE) * PAGE_SIZE;
}
