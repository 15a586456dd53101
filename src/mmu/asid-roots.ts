/**
 * Which page-table root each address-space id was last installed with (the root its TLB entries
 * belong to), and which roots may be installed at all. Used by Mmu.setRoot (an ASID installed
 * with another root is flushed: recycling) and by the TLB checker.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { hex } from '../common/format.js';
import type { PhysicalMemoryAccess } from './memory-access.js';
import type { PageTables } from './page-tables.js';

const PAGE_SIZE = 4096;

export class AsidRoots {
  private readonly roots = new Map<number, number>();

  /** Roots of `pageTables` when given, else any 4 KiB-aligned table page inside `memory`. */
  constructor(
    private readonly pageTables: PageTables | null,
    private readonly memory: PhysicalMemoryAccess,
  ) {}

  /** Whether `root` can be installed: a live root of the PageTables, or any table page in RAM without them. */
  isRoot(root: number): boolean {
    if (this.pageTables !== null) return this.pageTables.isRoot(root);
    return (
      Number.isInteger(root) && root >= 0 && root % PAGE_SIZE === 0 && root + PAGE_SIZE <= this.memory.size
    );
  }

  /** Throws InvalidArgumentError unless `root` can be installed. */
  check(root: number): void {
    if (this.isRoot(root)) return;
    throw new InvalidArgumentError(
      this.pageTables !== null
        ? `${hex(root)} is not a live page-table root`
        : `root ${hex(root)} is not a 4 KiB-aligned table page inside RAM (${hex(this.memory.size)} bytes)`,
    );
  }

  /** Records `root` as `asid`'s; returns whether the ASID was last installed with another root. */
  install(asid: number, root: number): boolean {
    const last = this.roots.get(asid);
    this.roots.set(asid, root);
    return last !== undefined && last !== root;
  }

  /** The root last installed with `asid`. */
  rootOf(asid: number): number | undefined {
    return this.roots.get(asid);
  }
}
