/**
 * The boot memory map: which physical ranges are RAM the allocator may hand out and which are
 * not (firmware, the kernel image, device memory), as a PC's BIOS reports it through e820 or a
 * board through its device tree. Ranges the map does not name are usable.
 */
import { AddressRangeError, AlignmentError, InvalidArgumentError } from '../common/errors.js';
import { bytes, hex } from '../common/format.js';
import { FRAME_SIZE, MAX_PHYSICAL_BYTES } from './physical-memory.js';
import type { MemoryRange, MemoryRangeType } from './types.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Start of the PC's legacy hole (VGA memory, then option and BIOS ROMs) up to 1 MiB. */
export const LEGACY_HOLE_BASE = 640 * KiB;
export const LEGACY_HOLE_END = 1 * MiB;
/** Where the default map loads the kernel image (1 MiB, as multiboot kernels are linked). */
export const KERNEL_IMAGE_BASE = 1 * MiB;
/** Size of the kernel image in the default map: text, data and its boot-time tables. */
export const KERNEL_IMAGE_BYTES = 1 * MiB;
/** A linear frame buffer of a PCI display card, where QEMU's VGA puts it (16 MiB). */
export const FRAME_BUFFER_BASE = 0xfd000000;
export const FRAME_BUFFER_BYTES = 16 * MiB;
/** The top 256 KiB below 4 GiB: the firmware flash the CPU starts executing from. */
export const FIRMWARE_FLASH_BASE = MAX_PHYSICAL_BYTES - 256 * KiB;

const TYPES: readonly MemoryRangeType[] = ['usable', 'reserved', 'firmware', 'kernel', 'device'];

/**
 * The default map of a PC-like machine with `ramBytes` of physical address space:
 * - frame 0: the real-mode interrupt vector table and BIOS data area (firmware);
 * - 4 KiB to 640 KiB: usable conventional memory;
 * - 640 KiB to 1 MiB: the VGA window and the BIOS ROMs (firmware);
 * - 1 MiB to 2 MiB: the kernel image;
 * - the rest usable, but for a machine whose address space reaches the top of 4 GiB: a 16 MiB
 *   frame buffer at 0xfd000000 (device) and the firmware flash in the last 256 KiB.
 * A small machine gets the same map cut at its end (ranges past RAM are dropped or shortened).
 */
export function defaultMemoryMap(ramBytes: number): MemoryRange[] {
  const ranges: MemoryRange[] = [
    { base: 0, length: FRAME_SIZE, type: 'firmware', label: 'real-mode IVT and BIOS data' },
    { base: FRAME_SIZE, length: LEGACY_HOLE_BASE - FRAME_SIZE, type: 'usable', label: 'conventional memory' },
    {
      base: LEGACY_HOLE_BASE,
      length: LEGACY_HOLE_END - LEGACY_HOLE_BASE,
      type: 'firmware',
      label: 'VGA window and BIOS ROMs',
    },
    { base: KERNEL_IMAGE_BASE, length: KERNEL_IMAGE_BYTES, type: 'kernel', label: 'kernel image' },
  ];
  const highBase = KERNEL_IMAGE_BASE + KERNEL_IMAGE_BYTES;
  let highEnd = ramBytes;
  const top: MemoryRange[] = [];
  if (ramBytes > FRAME_BUFFER_BASE) {
    highEnd = FRAME_BUFFER_BASE;
    top.push({
      base: FRAME_BUFFER_BASE,
      length: FRAME_BUFFER_BYTES,
      type: 'device',
      label: 'PCI frame buffer',
    });
    const gapBase = FRAME_BUFFER_BASE + FRAME_BUFFER_BYTES;
    if (ramBytes > gapBase) {
      const flashBase = Math.min(FIRMWARE_FLASH_BASE, ramBytes);
      if (flashBase > gapBase) {
        top.push({ base: gapBase, length: flashBase - gapBase, type: 'usable', label: 'extended memory' });
      }
      if (ramBytes > FIRMWARE_FLASH_BASE) {
        top.push({
          base: FIRMWARE_FLASH_BASE,
          length: MAX_PHYSICAL_BYTES - FIRMWARE_FLASH_BASE,
          type: 'firmware',
          label: 'firmware flash',
        });
      }
    }
  }
  if (highEnd > highBase)
    ranges.push({ base: highBase, length: highEnd - highBase, type: 'usable', label: 'extended memory' });
  ranges.push(...top);
  const clipped: MemoryRange[] = [];
  for (const range of ranges) {
    if (range.base >= ramBytes) continue;
    const length = Math.min(range.length, ramBytes - range.base);
    clipped.push({ ...range, length });
  }
  return clipped;
}

/**
 * Checks a memory map against a RAM size: every range frame-aligned, non-empty, of a known type,
 * inside the physical address space and not overlapping another. Throws AlignmentError,
 * AddressRangeError or InvalidArgumentError naming the range.
 */
export function validateMemoryMap(map: readonly MemoryRange[], ramBytes: number): void {
  for (const range of map) {
    const name = describeRange(range);
    if (!TYPES.includes(range.type)) {
      throw new InvalidArgumentError(`memory map range ${name} has unknown type '${String(range.type)}'`);
    }
    if (!Number.isInteger(range.base) || !Number.isInteger(range.length) || range.length <= 0) {
      throw new InvalidArgumentError(
        `memory map range ${name} must have an integer base and a positive length`,
      );
    }
    if (range.base % FRAME_SIZE !== 0 || range.length % FRAME_SIZE !== 0) {
      throw new AlignmentError(`memory map range ${name} is not aligned to 4 KiB frames`);
    }
    if (range.base < 0 || range.base + range.length > ramBytes) {
      throw new AddressRangeError(`memory map range ${name} lies outside RAM (0 to ${hex(ramBytes)})`);
    }
  }
  const sorted = [...map].sort((a, b) => a.base - b.base);
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1];
    if (sorted[i].base < before.base + before.length) {
      throw new InvalidArgumentError(
        `memory map ranges ${describeRange(before)} and ${describeRange(sorted[i])} overlap`,
      );
    }
  }
}

/**
 * The map as the machine sees it: validated, sorted by address, and covering all of RAM, the
 * gaps the configuration left out filled with usable ranges.
 */
export function resolveMemoryMap(map: readonly MemoryRange[], ramBytes: number): MemoryRange[] {
  validateMemoryMap(map, ramBytes);
  const sorted = [...map].sort((a, b) => a.base - b.base);
  const out: MemoryRange[] = [];
  let at = 0;
  for (const range of sorted) {
    if (range.base > at) out.push({ base: at, length: range.base - at, type: 'usable' });
    out.push({ ...range });
    at = range.base + range.length;
  }
  if (at < ramBytes) out.push({ base: at, length: ramBytes - at, type: 'usable' });
  return out;
}

/** The range of a resolved map that holds physical address `pa`, or undefined past RAM. */
export function rangeAt(map: readonly MemoryRange[], pa: number): MemoryRange | undefined {
  for (const range of map) {
    if (pa >= range.base && pa < range.base + range.length) return range;
  }
  return undefined;
}

/** "0x000a0000-0x00100000 firmware (VGA window and BIOS ROMs)". */
export function describeRange(range: MemoryRange): string {
  const end = range.base + range.length;
  const label = range.label ? ` (${range.label})` : '';
  return `${hex(range.base)}-${hex(end)} ${range.type}${label}`;
}

/** One line a range, e820 style, for reports. */
export function formatMemoryMap(map: readonly MemoryRange[]): string {
  return map.map((range) => `${describeRange(range).padEnd(64)} ${bytes(range.length)}`).join('\n');
}
