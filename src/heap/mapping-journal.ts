/**
 * What the area pool mapped since an allocation began, so an allocation whose memory step fails
 * can unmap it newest first. Used by the area pool.
 */
import { grown } from './grown.js';

export class MappingJournal {
  /** Per entry: the area. */
  area = new Int32Array(8);
  /** Per entry: the bytes the area had mapped before (-1: the area is new). */
  bytesBefore = new Float64Array(8);
  /**
   * Per entry: whether the mapping joined the area to the open list (for a new area: whether its
   * id was a reused one).
   */
  flag = new Uint8Array(8);
  length = 0;

  record(a: number, bytesBefore: number, flag: boolean): void {
    const n = this.length;
    if (n === this.area.length) {
      this.area = grown(this.area, n * 2);
      this.bytesBefore = grown(this.bytesBefore, n * 2);
      this.flag = grown(this.flag, n * 2);
    }
    this.area[n] = a;
    this.bytesBefore[n] = bytesBefore;
    this.flag[n] = flag ? 1 : 0;
    this.length = n + 1;
  }
}
