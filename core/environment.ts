/**
 * The environment contract: what an edge-cloud cluster (simulated, replayed or real) shows the agents and
 * how it takes their decisions. Every array is a flat, row-major typed array; `A` is the number of nodes
 * (agents), `S` the number of services, `F` the number of per-service features and `Fn` the number of
 * node features.
 *
 * @module
 */

/** The kind of a node: a small edge server near the users, or the large cloud. */
export type NodeKind = "edge" | "cloud";

/** One node of the cluster, i.e. one agent. */
export interface NodeInfo {
  /** Unique identifier of the node (e.g. `edge-0`, `cloud`). */
  id: string;
  /** Whether the node is an edge server or the cloud. */
  kind: NodeKind;
  /** The most replicas, summed over all services, the node can host. */
  capacity: number;
}

/**
 * The standard per-service feature names, in the order environments put them first in
 * {@linkcode EnvSpec.serviceFeatures}. Environments may add more after these.
 *
 * - `replicas`: current (desired, possibly not yet ready) replicas.
 * - `readyReplicas`: replicas that serve requests.
 * - `cpuUtilization`: fraction (0–1, may exceed 1 when overloaded) of the requested CPU in use, averaged
 *   over ready replicas.
 * - `arrivalRate`: requests per second arriving at the service on this node.
 * - `p95LatencyMs`: the service's own 95th-percentile response time in milliseconds.
 * - `droppedRate`: requests per second dropped at the service on this node.
 */
export const STANDARD_SERVICE_FEATURES = [
  "replicas",
  "readyReplicas",
  "cpuUtilization",
  "arrivalRate",
  "p95LatencyMs",
  "droppedRate",
] as const;

/** One of {@linkcode STANDARD_SERVICE_FEATURES}. */
export type StandardServiceFeature = typeof STANDARD_SERVICE_FEATURES[number];

/**
 * The standard metric names every environment reports in {@linkcode StepResult.metrics} at every step.
 *
 * - `p50LatencyMs`, `p95LatencyMs`, `p99LatencyMs`: end-to-end latency percentiles in milliseconds.
 * - `sloViolationRate`: fraction (0–1) of requests whose end-to-end latency exceeded {@linkcode EnvSpec.sloMs}
 *   (dropped requests count as violations).
 * - `droppedRate`: requests per second dropped in the whole cluster.
 * - `replicas`: total replicas over all nodes and services.
 * - `cpuSeconds`: CPU-seconds reserved by all replicas during the step (the cost).
 * - `refusedScaleUps`: replicas asked for but refused (bounds or node capacity) this step.
 */
export const STANDARD_METRICS = [
  "p50LatencyMs",
  "p95LatencyMs",
  "p99LatencyMs",
  "sloViolationRate",
  "droppedRate",
  "replicas",
  "cpuSeconds",
  "refusedScaleUps",
] as const;

/** One of {@linkcode STANDARD_METRICS}. */
export type StandardMetric = typeof STANDARD_METRICS[number];

/** Metrics of one step: the standard ones plus any an environment adds (all plain numbers). */
export type StepMetrics = Record<StandardMetric, number> & Record<string, number>;

/** What stays fixed for the life of an environment. */
export interface EnvSpec {
  /** The agents, `A = nodes.length`. */
  nodes: NodeInfo[];
  /** The `S` service names; the same list on every node. */
  services: string[];
  /** Names of the `F` per-service features; {@linkcode STANDARD_SERVICE_FEATURES} first, in that order. */
  serviceFeatures: string[];
  /** Names of the `Fn` per-node features (e.g. `capacityUsed`). */
  nodeFeatures: string[];
  /** Lowest replicas allowed per (node, service), `[A,S]` row-major. */
  minReplicas: Int32Array;
  /** Highest replicas allowed per (node, service), `[A,S]` row-major. */
  maxReplicas: Int32Array;
  /** Seconds of (simulated or real) time one control step lasts. */
  stepSeconds: number;
  /** The end-to-end latency objective in milliseconds. */
  sloMs: number;
}

/** What every agent sees after a reset or a step. All arrays are flat and row-major. */
export interface Observation {
  /** Per-service features `[A,S,F]`, in the order of {@linkcode EnvSpec.serviceFeatures}. */
  services: Float32Array;
  /** Observed call rate caller→callee on each node, requests per second, `[A,S,S]` (index `a*S*S + caller*S + callee`). */
  calls: Float32Array;
  /** Per-node features `[A,Fn]`, in the order of {@linkcode EnvSpec.nodeFeatures}. */
  nodes: Float32Array;
  /** One-way latency between nodes in milliseconds, `[A,A]`; the diagonal is 0. */
  links: Float32Array;
  /** 1 where two nodes can talk, else 0, `[A,A]`; the diagonal is 1. */
  linkMask: Uint8Array;
  /** Current replicas per (node, service), `[A,S]`. */
  replicas: Int32Array;
}

/** The outcome of one control step. */
export interface StepResult {
  /** The observation after the step. */
  observation: Observation;
  /** One reward per node `[A]`: each node is charged for the requests entering at it and its own replicas. */
  rewards: Float32Array;
  /** The episode reached a terminal state (rare for autoscaling). */
  terminated: boolean;
  /** The episode was cut (time limit); bootstrapping from the next value is still valid. */
  truncated: boolean;
  /** Metrics of the step, the {@linkcode STANDARD_METRICS} included. */
  metrics: StepMetrics;
}

/** Options of {@linkcode Environment.reset}. */
export interface ResetOptions {
  /** Seed of the episode; the same seed gives the same trajectory for the same actions. */
  seed?: number;
}

/**
 * A cluster the agents scale. Implementations: the simulator, trace replay, Kubernetes, or your own
 * (see `examples/`).
 */
export interface Environment {
  /** The fixed description of nodes, services and features. */
  readonly spec: EnvSpec;
  /** Starts a new episode and returns its first observation. */
  reset(options?: ResetOptions): Promise<Observation>;
  /**
   * Applies desired replicas `[A,S]` (non-negative integers), advances one control step and returns the
   * outcome. The environment clamps to min/max and node capacity and counts what it refused
   * (`refusedScaleUps`). Throws a clear error on a malformed action or after {@linkcode close}.
   */
  step(replicas: Int32Array): Promise<StepResult>;
  /** Releases resources; `step` afterwards throws. */
  close(): Promise<void>;
}

/** Index of a feature in an environment's feature list, or -1 when absent. */
export function featureIndex(spec: EnvSpec, name: string): number {
  return spec.serviceFeatures.indexOf(name);
}
