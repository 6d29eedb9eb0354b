/**
 * The simulator's per-node reward. Node `a` is charged for the requests that enter the cluster at it
 * (their latency, SLO violations and failures, wherever they were served) and for its own replicas:
 *
 * ```
 * r_a = −scale · ( latency · ℓ_a + violations · v_a + drops · d_a + cost · c_a + churn · h_a )
 *
 * ℓ_a = mean over the sampled requests entering at a of min(max(L / SLO − 1, 0), 1)   (failed = 1)
 * v_a = fraction of those requests over the SLO or failed
 * d_a = expected fraction of the external requests entering at a that fail (dropped somewhere)
 * c_a = Σ_s replicas[a,s] / capacity_a                       (share of the node in use)
 * h_a = Σ_s |replicas[a,s] − previous[a,s]| / capacity_a     (replica changes this step)
 * ```
 *
 * Every term lies in [0, 1] (churn in [0, 2]), so with the default weights a step's reward is of order
 * −1. A node no request enters at (the cloud) pays only for its replicas. With `team = β > 0` each node
 * gets `(1 − β) · r_a + β · mean_b r_b`, sharing the cluster's outcome.
 *
 * @module
 */

/** Weights of the reward terms (see the module doc for the formula). */
export interface RewardWeights {
  /** Weight of the mean latency overshoot beyond the SLO (default 1). */
  latency: number;
  /** Weight of the fraction of requests violating the SLO (default 1). */
  violations: number;
  /** Weight of the fraction of requests that fail (default 1). */
  drops: number;
  /** Weight of the share of the node's capacity in use (default 0.5). */
  cost: number;
  /** Weight of the replica changes relative to the node's capacity (default 0.1). */
  churn: number;
  /** Share β of the cluster mean mixed into each node's reward (default 0: purely local). */
  team: number;
  /** Overall multiplier (default 1). */
  scale: number;
}

/** The default weights. */
export const DEFAULT_REWARD_WEIGHTS: Readonly<RewardWeights> = {
  latency: 1,
  violations: 1,
  drops: 1,
  cost: 0.5,
  churn: 0.1,
  team: 0,
  scale: 1,
};

/** The terms of one node's reward, each normalised as in the module doc. */
export interface RewardTerms {
  /** ℓ_a, latency overshoot. */
  latency: number;
  /** v_a, SLO violations. */
  violations: number;
  /** d_a, failed requests. */
  drops: number;
  /** c_a, capacity in use. */
  cost: number;
  /** h_a, replica changes. */
  churn: number;
}

/** One node's reward before team mixing: `−scale · Σ weight · term`. */
export function nodeReward(terms: RewardTerms, weights: RewardWeights): number {
  return -weights.scale * (
    weights.latency * terms.latency +
    weights.violations * terms.violations +
    weights.drops * terms.drops +
    weights.cost * terms.cost +
    weights.churn * terms.churn
  );
}
