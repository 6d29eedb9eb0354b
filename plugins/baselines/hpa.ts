/**
 * The `hpa` policy: one Kubernetes Horizontal Pod Autoscaler per (node, service), with Kubernetes'
 * replica calculation ({@link ./replica_calculator.ts}) and scaling behaviour
 * ({@link ./scaling_behavior.ts}), reading its metric from the observation by feature name.
 *
 * Per target and step, in Kubernetes' order:
 * 1. current replicas below the minimum or above the maximum → set the bound;
 * 2. no metric → keep the current replicas (nothing is recorded);
 * 3. otherwise `ceil(readyReplicas × value / target)` (current replicas inside the tolerance band), then
 *    the stabilisation windows, then the behaviour rate limits and the bounds.
 *
 * @module
 */
import { featureIndex } from "../../core/environment.ts";
import type { EnvSpec, Observation } from "../../core/environment.ts";
import { InputError } from "../../core/errors.ts";
import type { Policy } from "../../core/models.ts";
import { definePolicy } from "../../core/plugin.ts";
import type { JsonSchema, PolicyPlugin } from "../../core/plugin.ts";
import { metricDesiredReplicas } from "./replica_calculator.ts";
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, ScalingHistory } from "./scaling_behavior.ts";
import type { ScalingBehavior, ScalingRules } from "./scaling_behavior.ts";

/** Options of the `hpa` policy (Kubernetes names; defaults are Kubernetes'). */
export interface HpaOptions {
  /** Per-service feature the HPA scales on (default `cpuUtilization`). */
  metric?: string;
  /** Target average value of the metric (default 0.6, i.e. 60% CPU). */
  target?: number;
  /** Tolerance band around the target (default 0.1). */
  tolerance?: number;
  /** Lower bound per target (default 1 as in Kubernetes); the higher of it and the environment's wins. */
  minReplicas?: number;
  /** Narrows the environment's upper bounds (the lower of the two wins). */
  maxReplicas?: number;
  /** Scale-up and scale-down rules; omitted parts take Kubernetes' defaults. */
  behavior?: { scaleUp?: Partial<ScalingRules>; scaleDown?: Partial<ScalingRules> };
}

const policySchema = {
  type: "object",
  additionalProperties: false,
  required: ["type", "value", "periodSeconds"],
  properties: {
    type: { enum: ["Pods", "Percent"], description: "Pods: a number of replicas; Percent: a percentage." },
    value: { type: "number", exclusiveMinimum: 0, description: "How many pods, or what percentage." },
    periodSeconds: {
      type: "number",
      exclusiveMinimum: 0,
      maximum: 1800,
      description: "Seconds the change is counted over.",
    },
  },
};

function rulesSchema(defaults: ScalingRules, what: string): JsonSchema {
  return {
    type: "object",
    additionalProperties: false,
    default: {},
    description: `Rules when scaling ${what} (Kubernetes' HPAScalingRules).`,
    properties: {
      stabilizationWindowSeconds: {
        type: "number",
        minimum: 0,
        maximum: 3600,
        default: defaults.stabilizationWindowSeconds,
        description:
          `Seconds of past recommendations considered (default ${defaults.stabilizationWindowSeconds}).`,
      },
      selectPolicy: {
        enum: ["Max", "Min", "Disabled"],
        default: defaults.selectPolicy,
        description: "Max: the largest change the policies allow; Min: the smallest; Disabled: no scaling.",
      },
      policies: {
        type: "array",
        items: policySchema,
        default: structuredClone(defaults.policies),
        description: "Rate limits: at most `value` Pods or Percent per `periodSeconds`.",
      },
    },
  };
}

/** JSON Schema of {@linkcode HpaOptions}. */
export const HPA_OPTIONS_SCHEMA: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    metric: {
      type: "string",
      minLength: 1,
      default: "cpuUtilization",
      description: "Per-service feature to scale on, by name (e.g. cpuUtilization).",
    },
    target: {
      type: "number",
      exclusiveMinimum: 0,
      default: 0.6,
      description: "Target average value of the metric per ready replica (0.6 = 60% CPU).",
    },
    tolerance: {
      type: "number",
      minimum: 0,
      default: 0.1,
      description: "No scaling while |value/target − 1| ≤ tolerance.",
    },
    minReplicas: {
      type: "integer",
      minimum: 0,
      default: 1,
      description: "Lower bound per service (Kubernetes' default 1, so a service never scales to zero); " +
        "the environment's own bounds still apply.",
    },
    maxReplicas: {
      type: "integer",
      minimum: 1,
      description: "Upper bound per service; the environment's own bound still applies.",
    },
    behavior: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "Scaling behaviour; defaults are Kubernetes' (scale-down stabilised over 300 s).",
      properties: {
        scaleUp: rulesSchema(DEFAULT_SCALE_UP, "up"),
        scaleDown: rulesSchema(DEFAULT_SCALE_DOWN, "down"),
      },
    },
  },
};

interface ResolvedHpa {
  metric: string;
  target: number;
  tolerance: number;
  min: Int32Array;
  max: Int32Array;
  behavior: ScalingBehavior;
}

function _resolve(options: HpaOptions, spec: EnvSpec): ResolvedHpa {
  const target = options.target ?? 0.6;
  const tolerance = options.tolerance ?? 0.1;
  if (!(target > 0)) throw new InputError(`hpa: options.target must be > 0 (got ${target})`);
  if (!(tolerance >= 0)) throw new InputError(`hpa: options.tolerance must be ≥ 0 (got ${tolerance})`);
  // Kubernetes' HPA never goes below minReplicas (default 1); a target the environment caps lower (e.g. a
  // service a node does not host, max 0) keeps the environment's cap.
  const min = spec.minReplicas.map((m, i) =>
    Math.min(spec.maxReplicas[i], Math.max(m, options.minReplicas ?? 1))
  );
  const max = spec.maxReplicas.map((m, i) => Math.max(min[i], Math.min(m, options.maxReplicas ?? m)));
  const rules = (given: Partial<ScalingRules> | undefined, defaults: ScalingRules): ScalingRules => ({
    stabilizationWindowSeconds: given?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: given?.selectPolicy ?? defaults.selectPolicy,
    policies: structuredClone(given?.policies ?? defaults.policies),
  });
  return {
    metric: options.metric ?? "cpuUtilization",
    target,
    tolerance,
    min,
    max,
    behavior: {
      scaleUp: rules(options.behavior?.scaleUp, DEFAULT_SCALE_UP),
      scaleDown: rules(options.behavior?.scaleDown, DEFAULT_SCALE_DOWN),
    },
  };
}

/** One HPA per (node, service), with a separate history per environment copy. */
export class HpaPolicy implements Policy {
  #spec: EnvSpec;
  #config: ResolvedHpa;
  #metricIndex: number;
  #readyIndex: number;
  #copies = new Map<number, { step: number; histories: ScalingHistory[] }>();

  /** Makes the policy for an environment's spec; bad options are an {@linkcode InputError}. */
  constructor(options: HpaOptions, spec: EnvSpec) {
    this.#spec = spec;
    this.#config = _resolve(options, spec);
    this.#metricIndex = featureIndex(spec, this.#config.metric);
    this.#readyIndex = featureIndex(spec, "readyReplicas");
  }

  /** Forgets the history (recommendations, scale events, clock) of environment copy `copy`. */
  reset(copy: number): void {
    this.#copies.delete(copy);
  }

  /** Desired replicas for every copy; each copy advances its own clock by one step. */
  act(batch: Observation[]): Promise<Int32Array[]> {
    return Promise.resolve(batch.map((observation, copy) => this.#actOne(observation, copy)));
  }

  #actOne(observation: Observation, copy: number): Int32Array {
    const spec = this.#spec;
    const { min, max, behavior, target, tolerance } = this.#config;
    const S = spec.services.length, F = spec.serviceFeatures.length;
    const n = spec.nodes.length * S;
    let state = this.#copies.get(copy);
    if (!state) {
      state = { step: 0, histories: Array.from({ length: n }, () => new ScalingHistory(behavior)) };
      this.#copies.set(copy, state);
    }
    const now = state.step * spec.stepSeconds;
    state.step++;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const current = observation.replicas[i];
      if (current < min[i] || current > max[i]) {
        out[i] = current < min[i] ? min[i] : max[i];
        continue;
      }
      const ready = this.#readyIndex >= 0 ? observation.services[i * F + this.#readyIndex] : current;
      const value = this.#metricIndex >= 0 ? observation.services[i * F + this.#metricIndex] : NaN;
      const desired = metricDesiredReplicas({ replicas: current, readyReplicas: ready, value }, {
        target,
        tolerance,
      });
      if (desired === undefined) {
        out[i] = current;
        continue;
      }
      out[i] = state.histories[i].normalize(desired, {
        current,
        minReplicas: min[i],
        maxReplicas: max[i],
        now,
      });
    }
    return out;
  }
}

/** The `hpa` policy plugin: Kubernetes' Horizontal Pod Autoscaler per (node, service). */
export const hpaPlugin: PolicyPlugin<HpaOptions> = definePolicy<HpaOptions>({
  name: "hpa",
  description: "Kubernetes' Horizontal Pod Autoscaler per (node, service): ceil(ready × metric / target) " +
    "with tolerance, min/max, behaviour policies and stabilisation windows.",
  options: HPA_OPTIONS_SCHEMA,
  create: (options, context) => new HpaPolicy(options ?? {}, context.spec),
});
