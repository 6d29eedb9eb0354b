/**
 * The Kubernetes HPA's scaling behaviour (`spec.behavior` of `autoscaling/v2`) for one scaled target:
 * stabilisation windows over past recommendations, and rate limits (policies of `Pods` or `Percent` per
 * `periodSeconds`, combined by `selectPolicy` `Max`, `Min` or `Disabled`) over past scale events — the
 * logic of `normalizeDesiredReplicasWithBehaviors` in Kubernetes' horizontal controller.
 *
 * Time is the control step times the environment's `stepSeconds`. A recommendation or scale event counts
 * in a window of `w` seconds when it is strictly younger than `w` seconds, as in Kubernetes
 * (`timestamp.After(now − w)`); with 15 s steps a 300 s window holds the current and the 19 previous
 * recommendations, and a 15 s policy period holds only the current step's events (none yet).
 *
 * @module
 */

/** One rate-limit policy: at most `value` pods (or percent) of change per `periodSeconds`. */
export interface ScalingPolicy {
  /** `Pods`: an absolute number of replicas; `Percent`: a percentage of the replicas at the period start. */
  type: "Pods" | "Percent";
  /** How many pods, or what percentage; > 0. */
  value: number;
  /** Length of the period the change is counted over, in seconds. */
  periodSeconds: number;
}

/** Scaling rules for one direction (`HPAScalingRules`). */
export interface ScalingRules {
  /** Seconds of past recommendations considered (scale-up: the lowest wins; scale-down: the highest). */
  stabilizationWindowSeconds: number;
  /** `Max` allows the largest change of the policies, `Min` the smallest, `Disabled` none. */
  selectPolicy: "Max" | "Min" | "Disabled";
  /** The rate limits. */
  policies: ScalingPolicy[];
}

/** Both directions (`HorizontalPodAutoscalerBehavior`). */
export interface ScalingBehavior {
  /** Rules when the recommendation is above the current replicas. */
  scaleUp: ScalingRules;
  /** Rules when the recommendation is below the current replicas. */
  scaleDown: ScalingRules;
}

/** Kubernetes' default scale-up rules: no stabilisation; +100% or +4 pods per 15 s, whichever is more. */
export const DEFAULT_SCALE_UP: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [
    { type: "Percent", value: 100, periodSeconds: 15 },
    { type: "Pods", value: 4, periodSeconds: 15 },
  ],
};

/** Kubernetes' default scale-down rules: 300 s stabilisation; down to the minimum (−100%) per 15 s. */
export const DEFAULT_SCALE_DOWN: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: "Max",
  policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
};

/** Inputs of {@linkcode ScalingHistory.normalize} besides the recommendation. */
export interface NormalizeOptions {
  /** Current (spec) replicas. */
  current: number;
  /** Lowest replicas allowed. */
  minReplicas: number;
  /** Highest replicas allowed. */
  maxReplicas: number;
  /** Time of this step in seconds. */
  now: number;
}

interface Timed {
  time: number;
  value: number;
}

/**
 * The memory of one HPA (one scaled target): past recommendations and scale events. Call
 * {@linkcode normalize} once per control step with the metric's recommendation.
 */
export class ScalingHistory {
  #behavior: ScalingBehavior;
  #recommendations: Timed[] = [];
  #upEvents: Timed[] = [];
  #downEvents: Timed[] = [];

  /** A fresh history under `behavior`. */
  constructor(behavior: ScalingBehavior) {
    this.#behavior = behavior;
  }

  /**
   * Stabilises `desired` over the windows, limits it by the behaviour policies and the bounds, records
   * the recommendation and the resulting scale event, and returns the replicas to set.
   */
  normalize(desired: number, options: NormalizeOptions): number {
    const { current, now } = options;
    const stabilized = this.#stabilize(desired, options);
    const limited = this.#limitRate(stabilized, options);
    if (limited > current) this.#store(this.#upEvents, { time: now, value: limited - current }, "scaleUp");
    if (limited < current) {
      this.#store(this.#downEvents, { time: now, value: current - limited }, "scaleDown");
    }
    return limited;
  }

  /** Records an event, dropping those older than the direction's longest policy period. */
  #store(events: Timed[], event: Timed, direction: "scaleUp" | "scaleDown"): void {
    const longest = Math.max(0, ...this.#behavior[direction].policies.map((p) => p.periodSeconds));
    const kept = events.filter((e) => e.time > event.time - longest);
    events.length = 0;
    events.push(...kept, event);
  }

  #stabilize(desired: number, options: NormalizeOptions): number {
    const { now, current } = options;
    const upWindow = this.#behavior.scaleUp.stabilizationWindowSeconds;
    const downWindow = this.#behavior.scaleDown.stabilizationWindowSeconds;
    let up = desired, down = desired;
    for (const r of this.#recommendations) {
      if (r.time > now - upWindow) up = Math.min(up, r.value);
      if (r.time > now - downWindow) down = Math.max(down, r.value);
    }
    const keepAfter = now - Math.max(upWindow, downWindow);
    this.#recommendations = this.#recommendations.filter((r) => r.time > keepAfter);
    this.#recommendations.push({ time: now, value: desired });
    let recommendation = current;
    if (recommendation < up) recommendation = up;
    if (recommendation > down) recommendation = down;
    return recommendation;
  }

  #limitRate(desired: number, options: NormalizeOptions): number {
    const { current, minReplicas, maxReplicas, now } = options;
    if (desired > current) {
      const limit = Math.max(current, this.#scaleUpLimit(current, now));
      return Math.min(desired, maxReplicas, limit);
    }
    if (desired < current) {
      const limit = Math.min(current, this.#scaleDownLimit(current, now));
      return Math.max(desired, minReplicas, limit);
    }
    return desired;
  }

  #scaleUpLimit(current: number, now: number): number {
    const rules = this.#behavior.scaleUp;
    if (rules.selectPolicy === "Disabled") return current;
    const pick = rules.selectPolicy === "Min" ? Math.min : Math.max;
    let result = rules.selectPolicy === "Min" ? Infinity : -Infinity;
    for (const p of rules.policies) {
      const start = current - _changeWithin(this.#upEvents, p.periodSeconds, now) +
        _changeWithin(this.#downEvents, p.periodSeconds, now);
      const proposed = p.type === "Pods" ? start + p.value : Math.ceil(_round(start * (1 + p.value / 100)));
      result = pick(result, proposed);
    }
    return Number.isFinite(result) ? result : current;
  }

  #scaleDownLimit(current: number, now: number): number {
    const rules = this.#behavior.scaleDown;
    if (rules.selectPolicy === "Disabled") return current;
    const pick = rules.selectPolicy === "Min" ? Math.max : Math.min;
    let result = rules.selectPolicy === "Min" ? -Infinity : Infinity;
    for (const p of rules.policies) {
      const start = current + _changeWithin(this.#downEvents, p.periodSeconds, now) -
        _changeWithin(this.#upEvents, p.periodSeconds, now);
      const proposed = p.type === "Pods" ? start - p.value : Math.trunc(_round(start * (1 - p.value / 100)));
      result = pick(result, proposed);
    }
    return Number.isFinite(result) ? result : current;
  }
}

function _changeWithin(events: Timed[], periodSeconds: number, now: number): number {
  let sum = 0;
  for (const e of events) if (e.time > now - periodSeconds) sum += e.value;
  return sum;
}

function _round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
