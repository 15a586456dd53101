/**
 * A FrameSource that passes everything to another one but can be told to refuse the k-th
 * allocation from now on: fault injection for tests and scenarios ("what if RAM runs out in the
 * middle of this fork?").
 */
import { OutOfMemoryError } from '../common/errors.js';
import { ForwardingFrameSource } from '../phys/forwarding-frame-source.js';
import type { FrameUse } from '../phys/frame-table.js';

export class FailingFrameSource extends ForwardingFrameSource {
  /** Allocations left before the failing one; -1 when no failure is armed. */
  private countdown = -1;
  /** Allocations made through this source. */
  allocations = 0;

  /** The allocation after `k` more successful ones fails (k = 0: the next one). */
  failAfter(k: number): void {
    this.countdown = k;
  }

  disarm(): void {
    this.countdown = -1;
  }

  /** Whether the armed failure has not happened yet. */
  get armed(): boolean {
    return this.countdown >= 0;
  }

  override allocFrame(use: FrameUse, owner: number): number {
    if (this.countdown === 0) {
      this.countdown = -1;
      throw new OutOfMemoryError('out of physical memory: injected failure of a frame allocation');
    }
    if (this.countdown > 0) this.countdown--;
    this.allocations++;
    return this.inner.allocFrame(use, owner);
  }
}
