/**
 * Time buckets of a trace: bucket `b` covers `[b·bucketMs, (b+1)·bucketMs)`. The checks and the span
 * computation every reader and counter of a trace shares.
 *
 * @module
 */
import { InputError } from "../../core/errors.ts";

/** Returns `bucketMs`, or throws an {@linkcode InputError} naming it when it is not a number > 0. */
export function _checkBucketMs(bucketMs: number): number {
  if (!(bucketMs > 0)) throw new InputError(`bucketMs must be > 0 (got ${bucketMs})`);
  return bucketMs;
}

/** The lowest bucket index and the number of buckets from it to the highest (`[0, 0]` when empty). */
export function _bucketSpan(buckets: Iterable<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const b of buckets) {
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  return lo <= hi ? [lo, hi - lo + 1] : [0, 0];
}
