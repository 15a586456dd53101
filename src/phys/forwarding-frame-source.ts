/**
 * A FrameSource that passes every call to another one: the base of the wrappers that change
 * only some of them (fault injection, reclaim under memory pressure).
 */
import type { FrameUse } from './frame-table.js';
import type { FrameSource } from './types.js';

export class ForwardingFrameSource implements FrameSource {
  protected readonly inner: FrameSource;

  constructor(inner: FrameSource) {
    this.inner = inner;
  }

  allocFrame(use: FrameUse, owner: number): number {
    return this.inner.allocFrame(use, owner);
  }

  retain(pa: number): void {
    this.inner.retain(pa);
  }

  release(pa: number): boolean {
    return this.inner.release(pa);
  }

  setOwner(pa: number, use: FrameUse, owner: number): void {
    this.inner.setOwner(pa, use, owner);
  }
}
