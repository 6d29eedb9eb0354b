/**
 * Generalised advantage estimation (Schulman et al., 2016) over a `[T,W]` grid: `T` steps of `W`
 * independent streams (environment copies × nodes, each node with its own reward and value).
 *
 * @module
 */

/** Inputs of {@linkcode generalizedAdvantage}, every array `[T,W]` row-major (step-major). */
export interface GaeInput {
  /** Reward received after step `t`. */
  rewards: ArrayLike<number>;
  /** Value of the state step `t` acted in. */
  values: ArrayLike<number>;
  /**
   * Value of the state step `t` led to: the next row's state, or, when the episode was truncated after
   * step `t`, the value of the observation the step returned (the bootstrap of a time limit).
   */
  nextValues: ArrayLike<number>;
  /** 1 where the episode terminated after step `t`: the next value is not used. */
  terminated: ArrayLike<number>;
  /** 1 where the episode ended (terminated or truncated) after step `t`: no advantage flows back from `t+1`. */
  episodeEnd: ArrayLike<number>;
}

/** Options of {@linkcode generalizedAdvantage}. */
export interface GaeOptions {
  /** Number of steps `T`. */
  steps: number;
  /** Number of streams `W`. */
  width: number;
  /** Discount γ (default 0.99). */
  gamma?: number;
  /** GAE λ (default 0.95). */
  lambda?: number;
}

/** Advantages and value targets, `[T,W]`. */
export interface GaeResult {
  /** A_t = Σ_k (γλ)^k δ_{t+k} within the episode. */
  advantages: Float64Array;
  /** Value targets A_t + V(s_t). */
  returns: Float64Array;
}

/**
 * Computes GAE: δ_t = r_t + γ·(1 − terminated_t)·V_next,t − V(s_t) and
 * A_t = δ_t + γλ·(1 − episodeEnd_t)·A_{t+1}, with A_T = 0.
 */
export function generalizedAdvantage(input: GaeInput, options: GaeOptions): GaeResult {
  const { steps: T, width: W } = options;
  const gamma = options.gamma ?? 0.99;
  const lambda = options.lambda ?? 0.95;
  const n = T * W;
  for (const key of ["rewards", "values", "nextValues", "terminated", "episodeEnd"] as const) {
    if (input[key].length !== n) {
      throw new Error(`generalizedAdvantage: ${key} has ${input[key].length} entries, expected ${T}×${W}`);
    }
  }
  const advantages = new Float64Array(n);
  const returns = new Float64Array(n);
  for (let w = 0; w < W; w++) {
    let next = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * W + w;
      const bootstrap = input.terminated[i] ? 0 : gamma * input.nextValues[i];
      const delta = input.rewards[i] + bootstrap - input.values[i];
      next = delta + (input.episodeEnd[i] ? 0 : gamma * lambda * next);
      advantages[i] = next;
      returns[i] = next + input.values[i];
    }
  }
  return { advantages, returns };
}

/** Standardises `x` in place to mean 0 and standard deviation 1 (`epsilon` added to the deviation). */
export function standardize(x: Float64Array, epsilon = 1e-5): Float64Array {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= Math.max(1, x.length);
  let variance = 0;
  for (const v of x) variance += (v - mean) * (v - mean);
  variance /= Math.max(1, x.length);
  const scale = 1 / (Math.sqrt(variance) + epsilon);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - mean) * scale;
  return x;
}
