/**
 * Pre-drawn random variates for the latency sampler: one shared, read-only pool of Exp(1) numbers drawn
 * once from a fixed seed. Each step reads it in order from a start drawn from the episode's stream, so
 * the sampler's inner loop costs an array read per variate instead of a generator call and a logarithm,
 * and the episode seed still fixes every sample. An exponential `E` also gives every coin the sampler
 * needs: `E > −ln p` has probability `p`, and given `E > L`, `E − L` is again Exp(1) (memorylessness).
 */
import { Random } from "../../core/random.ts";

/** Pool size (a power of two). */
export const POOL_SIZE = 1 << 16;
/** `POOL_SIZE − 1`, to wrap indices. */
export const POOL_MASK = POOL_SIZE - 1;
/** Entries past `POOL_SIZE` (copies of the first ones), so a run of up to this many reads needs no wrap. */
export const POOL_PAD = 1024;

let exponentials: Float64Array | undefined;

/** The shared pool of Exp(1) variates, `POOL_SIZE + POOL_PAD` long (drawn on first use). */
export function exponentialPool(): Float64Array {
  if (!exponentials) {
    const rng = new Random(0x5eed_cafe);
    exponentials = new Float64Array(POOL_SIZE + POOL_PAD);
    for (let i = 0; i < POOL_SIZE; i++) exponentials[i] = rng.exponential(1);
    exponentials.copyWithin(POOL_SIZE, 0, POOL_PAD);
  }
  return exponentials;
}
