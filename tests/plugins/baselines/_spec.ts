// Helpers for the baseline tests: a small spec and observations with chosen per-service features.
import { STANDARD_SERVICE_FEATURES } from "../../../core/environment.ts";
import type { EnvSpec, Observation } from "../../../core/environment.ts";

/** A spec of `nodes` nodes × `services` services, 15 s steps, bounds [min, max] everywhere. */
export function makeSpec(
  shape: { nodes?: number; services?: string[] } = {},
  bounds: { min?: number; max?: number; features?: string[] } = {},
): EnvSpec {
  const A = shape.nodes ?? 1;
  const services = shape.services ?? ["api"];
  const n = A * services.length;
  return {
    nodes: Array.from({ length: A }, (_, i) => ({ id: `n${i}`, kind: "edge" as const, capacity: 1000 })),
    services,
    serviceFeatures: bounds.features ?? [...STANDARD_SERVICE_FEATURES],
    nodeFeatures: [],
    minReplicas: new Int32Array(n).fill(bounds.min ?? 1),
    maxReplicas: new Int32Array(n).fill(bounds.max ?? 100),
    stepSeconds: 15,
    sloMs: 200,
  };
}

/** One (node, service) target's state in an observation. */
export interface TargetState {
  /** Spec replicas. */
  replicas: number;
  /** Ready replicas (default: all). */
  ready?: number;
  /** Per-service feature values by name (e.g. cpuUtilization). */
  [feature: string]: number | undefined;
}

/** An observation for `spec` where target `i` (row-major node, service) has `targets[i]`. */
export function observe(spec: EnvSpec, targets: TargetState[]): Observation {
  const A = spec.nodes.length, S = spec.services.length, F = spec.serviceFeatures.length;
  const services = new Float32Array(A * S * F);
  const replicas = new Int32Array(A * S);
  targets.forEach((t, i) => {
    replicas[i] = t.replicas;
    spec.serviceFeatures.forEach((name, f) => {
      const value = name === "replicas"
        ? t.replicas
        : name === "readyReplicas"
        ? (t.ready ?? t.replicas)
        : t[name];
      services[i * F + f] = value ?? 0;
    });
  });
  return {
    services,
    calls: new Float32Array(A * S * S),
    nodes: new Float32Array(0),
    links: new Float32Array(A * A),
    linkMask: new Uint8Array(A * A).fill(1),
    replicas,
  };
}
