/**
 * The Kubernetes Horizontal Pod Autoscaler's replica calculation for one scaled target (here: one service
 * on one node), as the Kubernetes documentation and its `replica_calculator.go` define it:
 *
 * ```
 * desiredReplicas = ceil(readyReplicas × currentMetricValue / targetMetricValue)
 * ```
 *
 * - The metric is averaged over the pods that report it. Kubernetes only counts ready pods, so the
 *   multiplier is `readyReplicas`, not the spec's `replicas`.
 * - No change (the current spec replicas are kept) while `|ratio − 1| ≤ tolerance`.
 * - When scaling up while some replicas are not ready yet, Kubernetes assumes those use 0% of the target
 *   and recomputes the ratio over all of them; if that dampened ratio is within tolerance or no longer
 *   calls for a scale-up, the replicas stay as they are.
 * - No metric (NaN, not finite, or no ready replica reporting one) gives no recommendation at all.
 * - Observations are float32 (0.3 is stored as 0.30000001), so ratios and products are rounded to 6
 *   significant digits before comparing and taking the ceiling: 4 replicas at 30% of a 60% target ask
 *   for 2, not 3. (Kubernetes avoids the same noise by using whole percent and milli-units.)
 *
 * @module
 */

/** What the calculator needs about one scaled target at one control step. */
export interface MetricSample {
  /** Current replicas (the scale subresource's spec replicas). */
  replicas: number;
  /** Replicas that are ready and report the metric. */
  readyReplicas: number;
  /** The metric averaged over the ready replicas (e.g. CPU utilisation 0–1). */
  value: number;
}

/** The target and tolerance of the metric. */
export interface MetricTarget {
  /** Target average value (e.g. 0.6 for 60% CPU utilisation); must be > 0. */
  target: number;
  /** Relative band around the target in which nothing changes (Kubernetes: 0.1). */
  tolerance: number;
}

/**
 * The replicas the metric asks for, before bounds, behaviour policies and stabilisation; `undefined` when
 * there is no usable metric (the HPA then leaves the target alone).
 */
export function metricDesiredReplicas(sample: MetricSample, target: MetricTarget): number | undefined {
  const { replicas, value } = sample;
  const ready = Math.min(Math.max(0, Math.floor(sample.readyReplicas)), Math.max(0, replicas));
  if (!Number.isFinite(value) || ready <= 0 || !(target.target > 0)) return undefined;
  const ratio = _round(value / target.target);
  const unready = Math.max(0, replicas - ready);
  if (unready === 0 || ratio <= 1) {
    if (Math.abs(ratio - 1) <= target.tolerance) return replicas;
    return Math.ceil(_round(ratio * ready));
  }
  // Scale-up with replicas still starting: count them at 0% usage (Kubernetes' dampening).
  const dampened = _round((value * ready) / (target.target * (ready + unready)));
  if (Math.abs(dampened - 1) <= target.tolerance || dampened < 1) return replicas;
  const proposed = Math.ceil(_round(dampened * (ready + unready)));
  return proposed < replicas ? replicas : proposed;
}

/** Rounds to 6 significant digits: removes float32 noise before a comparison or a ceil. */
function _round(x: number): number {
  return Number(x.toPrecision(6));
}
