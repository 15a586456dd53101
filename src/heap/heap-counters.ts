/**
 * The heap's footprint: bytes it holds mapped now and the most it ever held. Shared by the area
 * pool and the large blocks (the two parts that map and release), read by stats() and the checker.
 */

export class HeapCounters {
  /** Bytes mapped now: areas, large blocks and cached large ranges. */
  footprint = 0;
  /** Largest footprint since the heap was made or resetPeak (counted at every reserve). */
  peakFootprint = 0;

  addFootprint(bytes: number): void {
    this.footprint += bytes;
    if (this.footprint > this.peakFootprint) this.peakFootprint = this.footprint;
  }

  copyFrom(other: HeapCounters): void {
    this.footprint = other.footprint;
    this.peakFootprint = other.peakFootprint;
  }
}
