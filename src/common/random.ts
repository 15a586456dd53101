/**
 * A small deterministic generator (xoshiro128**), so the same seed gives the same run byte for
 * byte in Node and in the browser. Math.random is never used by the model.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads any seed, including 0, over the four words of state.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** A uniform integer in [0, bound), bound at most 2^32. */
  below(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** A uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** Fills a byte array with random bytes. */
  fill(target: Uint8Array): void {
    let i = 0;
    for (; i + 4 <= target.length; i += 4) {
      const v = this.nextU32();
      target[i] = v;
      target[i + 1] = v >>> 8;
      target[i + 2] = v >>> 16;
      target[i + 3] = v >>> 24;
    }
    for (; i < target.length; i++) target[i] = this.nextU32();
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
