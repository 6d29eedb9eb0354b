/**
 * Pre-drawn random variates for the latency sampler: one shared, read-only pool of Exp(1) numbers and
 * one of U(0,1) numbers, drawn once from a fixed seed. Each step reads them along a seeded random start
 * and odd stride ({@linkcode VariateCursor}), so the sampler's inner loop costs an array read per variate
 * instead of a generator call and a logarithm, and the episode seed still fixes every sample.
 */
import { Random } from "../../core/random.ts";

/** Pool size (a power of two). */
export const POOL_SIZE = 1 << 16;
/** `POOL_SIZE − 1`, to wrap indices. */
export const POOL_MASK = POOL_SIZE - 1;

let exponentials: Float64Array | undefined;
let uniforms: Float64Array | undefined;

/** The shared pools `{ exponential, uniform }` (drawn on first use). */
export function variatePools(): { exponential: Float64Array; uniform: Float64Array } {
  if (!exponentials || !uniforms) {
    const rng = new Random(0x5eed_cafe);
    exponentials = new Float64Array(POOL_SIZE);
    uniforms = new Float64Array(POOL_SIZE);
    for (let i = 0; i < POOL_SIZE; i++) {
      exponentials[i] = rng.exponential(1);
      uniforms[i] = rng.next();
    }
  }
  return { exponential: exponentials, uniform: uniforms };
}

/** Where a step reads the pools: a start and an odd stride for each, drawn from the episode's stream. */
export class VariateCursor {
  /** Current index into the exponential pool. */
  e = 0;
  /** Stride through the exponential pool (odd, so a full cycle visits every entry). */
  eStride = 1;
  /** Current index into the uniform pool. */
  u = 0;
  /** Stride through the uniform pool (odd). */
  uStride = 1;

  /** Draws new starts and strides. */
  shuffle(rng: Random): void {
    this.e = rng.nextUint32() & POOL_MASK;
    this.eStride = (rng.nextUint32() & POOL_MASK) | 1;
    this.u = rng.nextUint32() & POOL_MASK;
    this.uStride = (rng.nextUint32() & POOL_MASK) | 1;
  }
}
