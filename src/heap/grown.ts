/**
 * Growing the heap's typed tables: its bookkeeping is parallel typed arrays indexed by id, which
 * double when ids run out. Used by every table of the heap.
 */

export type GrowableArray = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

/** A copy of `array` of `length` entries, the new ones set to `fill`. */
export function grown<T extends GrowableArray>(array: T, length: number, fill = 0): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}

/** A copy of `array` with `length` entries: cut short, or grown with the new ones set to `fill`. */
export function resized<T extends GrowableArray>(array: T, length: number, fill = 0): T {
  return length < array.length ? (array.slice(0, length) as T) : grown(array, length, fill);
}

export function roundUp(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
