/**
 * The invariants of one address space, checked against its regions, its page tables and the
 * frame table; the kernel's check and the tests run it after every step.
 */
import { InvariantError } from '../common/errors.js';
import { hex } from '../common/format.js';
import { Mode } from '../mmu/flags.js';
import type { PageTables } from '../mmu/page-tables.js';
import { FrameState, FrameUse } from '../phys/frame-table.js';
import type { AddressSpace } from './address-space.js';
import { LeafScan, type LeafTableVisitor } from './leaf-scan.js';
import { PAGE_SIZE } from './region-map.js';
import { Protection, RegionFlag, RegionType } from './region-types.js';

/**
 * Throws InvariantError unless the regions are consistent and every present page lies in a
 * region that allows it: ANON pages map allocated frames of the space's use, PHYS pages the
 * frame their region names, no page grants more than its region, a writable private page's
 * frame has one holder; every frame a PHYS region names is reserved or allocated Direct.
 * `count` (when given) receives one per ANON mapping of each frame and one per PHYS region page
 * naming an allocated frame (the reference the region holds).
 */
export function checkSpace(space: AddressSpace, count?: Uint32Array): void {
  space.regions.check();
  const pageTables = space.machine.pageTables;
  let scan = scans.get(pageTables);
  if (scan === undefined) {
    scan = new LeafScan(pageTables);
    scans.set(pageTables, scan);
  }
  scan.scan(space.root, space.start, space.end, new SpaceChecker(space, scan, count ?? null));
  checkPhysRegions(space, count);
}

/** One LeafScan per machine's page tables (its bits are found once). */
const scans = new WeakMap<PageTables, LeafScan>();

/** checkSpace's pass over each leaf table: decodes the entries from RAM words, in address order. */
class SpaceChecker implements LeafTableVisitor {
  /** The region of the last page checked: pages come in ascending order. */
  private region = 0;

  constructor(
    private readonly space: AddressSpace,
    private readonly scan: LeafScan,
    private readonly count: Uint32Array | null,
  ) {}

  leafTable(words: Uint32Array, at: number, first: number, end: number, va: number): void {
    const scan = this.scan;
    const step = scan.wordsPerEntry;
    const { writeBit, userBit } = scan;
    const space = this.space;
    const regions = space.regions;
    const { state, use, refCount } = space.machine.frameTable;
    const frameUse = space.frameUse;
    const userSpace = space.mode === Mode.User;
    const count = this.count;
    for (let i = first, w = at + first * step; i < end; i++, w += step) {
      const low = words[w];
      if ((low & LeafScan.PRESENT) === 0) continue;
      const page = va + i * PAGE_SIZE;
      const pa = scan.frameOf(low, step === 2 ? words[w + 1] : 0);
      let r = this.region;
      while (regions.ceiling(r) <= page) r++;
      this.region = r;
      const type = regions.type(r);
      if (type === RegionType.Free) this.fail(page, 'is mapped inside a FREE region');
      const protection = regions.protection(r);
      const writable = (low & writeBit) !== 0;
      if (writable && !(protection & Protection.Write)) this.fail(page, 'is writable in a read-only region');
      if ((low & userBit) !== 0) {
        if (!userSpace) this.fail(page, 'is a kernel page reachable from user mode');
        if (protection === Protection.None)
          this.fail(page, 'is reachable from user mode in a PROT_NONE region');
      }
      const pfn = pa / PAGE_SIZE;
      if (type === RegionType.Phys) {
        this.checkPhys(page, pa, r);
        continue;
      }
      if (state[pfn] !== FrameState.Allocated) this.fail(page, `maps frame ${hex(pa)} that is not allocated`);
      if (use[pfn] !== frameUse) this.fail(page, `maps frame ${hex(pa)} of use ${use[pfn]}`);
      if (writable && refCount[pfn] !== 1 && !(regions.flags(r) & RegionFlag.Shared)) {
        this.fail(
          page,
          `is writable but its frame ${hex(pa)} has ${refCount[pfn]} holders (copy-on-write broken)`,
        );
      }
      if (count !== null) count[pfn]++;
    }
  }

  largePage(va: number, _pa: number, size: number): void {
    this.fail(va, `is a ${size}-byte page; address spaces map 4 KiB pages`);
  }

  private checkPhys(page: number, pa: number, r: number): void {
    const regions = this.space.regions;
    const frameTable = this.space.machine.frameTable;
    const pfn = pa / PAGE_SIZE;
    if (pa !== regions.physBase(r) + (page - regions.base(r)))
      this.fail(page, `maps ${hex(pa)}, not the frame its PHYS region names`);
    const state = frameTable.state[pfn];
    if (state === FrameState.Free) this.fail(page, `maps frame ${hex(pa)} of a PHYS region, which is free`);
    if (state === FrameState.Allocated && frameTable.use[pfn] !== FrameUse.Direct)
      this.fail(
        page,
        `maps frame ${hex(pa)} of a PHYS region, which has use ${frameTable.use[pfn]}, not Direct`,
      );
  }

  private fail(va: number, why: string): never {
    throw new InvariantError(`${this.space.name}: page ${hex(va)} ${why}`);
  }
}

/** Every frame a PHYS region names is reserved or allocated Direct; counts the region's references. */
function checkPhysRegions(space: AddressSpace, count?: Uint32Array): void {
  const regions = space.regions;
  const frameTable = space.machine.frameTable;
  for (let k = 0; k < regions.count; k++) {
    if (regions.type(k) !== RegionType.Phys) continue;
    const first = regions.physBase(k) / PAGE_SIZE;
    const last = first + (regions.ceiling(k) - regions.base(k)) / PAGE_SIZE;
    for (let pfn = first; pfn < last; pfn++) {
      const state = frameTable.state[pfn];
      if (state === FrameState.Reserved) continue;
      if (state !== FrameState.Allocated || frameTable.use[pfn] !== FrameUse.Direct) {
        throw new InvariantError(
          `${space.name}: the PHYS region at ${hex(regions.base(k))} names frame ${hex(pfn * PAGE_SIZE)}, which is ${state === FrameState.Free ? 'free' : `in use ${frameTable.use[pfn]}`}`,
        );
      }
      if (count) count[pfn]++;
    }
  }
}
