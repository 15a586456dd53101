/**
 * The heap's footprint and resident pages, now and at their peaks. Shared by the area pool and the
 * large blocks (the two parts that map, touch and release), read by stats() and the checker.
 */

export class HeapCounters {
  /** Bytes mapped now: areas, large blocks and cached large ranges. */
  footprint = 0;
  /** Largest footprint since the heap was made or resetPeak (counted at every reserve). */
  peakFootprint = 0;

  /** Pages handed out to a block since they were mapped (the frames a program that writes its blocks holds). */
  residentPages = 0;
  peakResidentPages = 0;

  addResident(pages: number): void {
    this.residentPages += pages;
    if (this.residentPages > this.peakResidentPages) this.peakResidentPages = this.residentPages;
  }

  addFootprint(bytes: number): void {
    this.footprint += bytes;
    if (this.footprint > this.peakFootprint) this.peakFootprint = this.footprint;
  }

  copyFrom(other: HeapCounters): void {
    this.footprint = other.footprint;
    this.peakFootprint = other.peakFootprint;
    this.residentPages = other.residentPages;
    this.peakResidentPages = other.peakResidentPages;
  }
}
