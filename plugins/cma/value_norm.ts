/**
 * MAPPO's value normalisation (Yu et al., 2022): a running, debiased mean and variance of the value
 * targets; the critic learns normalised targets and its outputs are denormalised for GAE.
 *
 * @module
 */

/** Options of {@linkcode ValueNorm}. */
export interface ValueNormOptions {
  /** Decay of the running moments (default 0.99999, as in MAPPO). */
  beta?: number;
  /** Lower clamp of the debiasing term (default 1e-5). */
  epsilon?: number;
  /** Lower clamp of the variance (default 1e-2). */
  minVariance?: number;
}

/** The saved state of a {@linkcode ValueNorm}. */
export interface ValueNormState {
  /** Running mean of the targets (biased towards 0). */
  runningMean: number;
  /** Running mean of the squared targets (biased towards 0). */
  runningMeanSq: number;
  /** Running weight that removes the bias. */
  debiasingTerm: number;
}

/** Running debiased mean and variance of scalar targets. */
export class ValueNorm {
  #beta: number;
  #epsilon: number;
  #minVariance: number;
  #mean = 0;
  #meanSq = 0;
  #debias = 0;

  /** Makes an empty normaliser (mean 0, variance clamped to `minVariance` until the first update). */
  constructor(options: ValueNormOptions = {}) {
    this.#beta = options.beta ?? 0.99999;
    this.#epsilon = options.epsilon ?? 1e-5;
    this.#minVariance = options.minVariance ?? 1e-2;
  }

  /** Folds one batch into the running moments (one step of decay per batch, like MAPPO). */
  update(x: ArrayLike<number>): void {
    if (x.length === 0) return;
    let sum = 0, sumSq = 0;
    for (let i = 0; i < x.length; i++) {
      sum += x[i];
      sumSq += x[i] * x[i];
    }
    const b = this.#beta;
    this.#mean = this.#mean * b + (sum / x.length) * (1 - b);
    this.#meanSq = this.#meanSq * b + (sumSq / x.length) * (1 - b);
    this.#debias = this.#debias * b + (1 - b);
  }

  /** The debiased mean. */
  get mean(): number {
    return this.#mean / Math.max(this.#debias, this.#epsilon);
  }

  /** The debiased variance, at least `minVariance`. */
  get variance(): number {
    const meanSq = this.#meanSq / Math.max(this.#debias, this.#epsilon);
    const mean = this.mean;
    return Math.max(meanSq - mean * mean, this.#minVariance);
  }

  /** (x − mean) / √variance, element-wise into a new array. */
  normalize(x: ArrayLike<number>): Float64Array {
    const mean = this.mean, std = Math.sqrt(this.variance);
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = (x[i] - mean) / std;
    return out;
  }

  /** x·√variance + mean, element-wise into a new array. */
  denormalize(x: ArrayLike<number>): Float64Array {
    const mean = this.mean, std = Math.sqrt(this.variance);
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i] * std + mean;
    return out;
  }

  /** The state, for a checkpoint (plain JSON numbers, restored exactly). */
  getState(): ValueNormState {
    return { runningMean: this.#mean, runningMeanSq: this.#meanSq, debiasingTerm: this.#debias };
  }

  /** Restores {@linkcode getState}. */
  setState(state: ValueNormState): void {
    this.#mean = state.runningMean;
    this.#meanSq = state.runningMeanSq;
    this.#debias = state.debiasingTerm;
  }
}
