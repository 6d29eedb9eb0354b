/**
 * Running observation normalisation: a mean and variance per feature (Chan et al.'s parallel update),
 * applied as clip((x − mean) / √(var + ε), ±clip).
 *
 * @module
 */

/** The saved state of a {@linkcode RunningNorm}. */
export interface RunningNormState {
  /** Values seen per feature. */
  count: number;
  /** Mean per feature. */
  mean: number[];
  /** Variance per feature. */
  variance: number[];
}

/** Options of {@linkcode RunningNorm}. */
export interface RunningNormOptions {
  /** Normalised values are clipped to ±clip (default 10). */
  clip?: number;
  /** Added to the variance (default 1e-8). */
  epsilon?: number;
}

/**
 * Per-feature running mean and variance over rows whose last axis holds `features` values (e.g. the
 * `[A,S,F]` service features: every node and service is one row of `F`).
 */
export class RunningNorm {
  /** Number of features (the last axis). */
  readonly features: number;
  #count = 0;
  #mean: Float64Array;
  #variance: Float64Array;
  #clip: number;
  #epsilon: number;

  /** Makes an empty normaliser (identity until the first update). */
  constructor(features: number, options: RunningNormOptions = {}) {
    this.features = features;
    this.#mean = new Float64Array(features);
    this.#variance = new Float64Array(features).fill(1);
    this.#clip = options.clip ?? 10;
    this.#epsilon = options.epsilon ?? 1e-8;
  }

  /** Folds every row of every array in `batch` into the statistics. */
  update(batch: ArrayLike<number>[]): void {
    const F = this.features;
    if (F === 0) return;
    let n = 0;
    const sum = new Float64Array(F);
    for (const x of batch) {
      for (let i = 0; i < x.length; i++) sum[i % F] += x[i];
      n += x.length / F;
    }
    if (n === 0) return;
    const mean = sum.map((s) => s / n);
    const m2 = new Float64Array(F);
    for (const x of batch) {
      for (let i = 0; i < x.length; i++) {
        const d = x[i] - mean[i % F];
        m2[i % F] += d * d;
      }
    }
    const total = this.#count + n;
    for (let f = 0; f < F; f++) {
      const delta = mean[f] - this.#mean[f];
      const oldM2 = this.#variance[f] * this.#count;
      const newM2 = oldM2 + m2[f] + delta * delta * this.#count * n / total;
      this.#mean[f] += delta * n / total;
      this.#variance[f] = newM2 / total;
    }
    this.#count = total;
  }

  /** Normalises `x` (rows of `features`) into `out` (a new Float32Array by default). */
  normalize(x: ArrayLike<number>, out: Float32Array = new Float32Array(x.length)): Float32Array {
    const F = this.features;
    if (this.#count === 0) {
      for (let i = 0; i < x.length; i++) out[i] = x[i];
      return out;
    }
    const scale = Array.from(this.#variance, (v) => 1 / Math.sqrt(v + this.#epsilon));
    const c = this.#clip;
    for (let i = 0; i < x.length; i++) {
      const f = i % F;
      const v = (x[i] - this.#mean[f]) * scale[f];
      out[i] = v > c ? c : v < -c ? -c : v;
    }
    return out;
  }

  /** The state, for a checkpoint. */
  getState(): RunningNormState {
    return { count: this.#count, mean: [...this.#mean], variance: [...this.#variance] };
  }

  /** Restores {@linkcode getState}. */
  setState(state: RunningNormState): void {
    if (state.mean.length !== this.features || state.variance.length !== this.features) {
      throw new Error(`normaliser state has ${state.mean.length} features, expected ${this.features}`);
    }
    this.#count = state.count;
    this.#mean = Float64Array.from(state.mean);
    this.#variance = Float64Array.from(state.variance);
  }
}
