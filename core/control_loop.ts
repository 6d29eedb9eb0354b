/**
 * The generic control loop behind `deno task run`: resets an environment, then repeatedly asks a policy for
 * desired replicas and steps, logging one JSON line per decision, until `maxSteps` or the abort signal.
 * On abort the step in flight finishes, then the environment is closed and the loop returns.
 *
 * @example Run a policy that keeps the replicas as they are
 * ```ts
 * import { runControlLoop } from "./control_loop.ts";
 * import type { Environment, Observation } from "./environment.ts";
 * const observation: Observation = {
 *   services: new Float32Array(6), calls: new Float32Array(1), nodes: new Float32Array(1),
 *   links: new Float32Array(1), linkMask: new Uint8Array([1]), replicas: new Int32Array([2]),
 * };
 * const env: Environment = {
 *   spec: {
 *     nodes: [{ id: "n", kind: "cloud", capacity: 4 }], services: ["web"],
 *     serviceFeatures: ["replicas"], nodeFeatures: [], minReplicas: new Int32Array([1]),
 *     maxReplicas: new Int32Array([4]), stepSeconds: 1, sloMs: 100,
 *   },
 *   reset: () => Promise.resolve(observation),
 *   step: (replicas) => Promise.resolve({
 *     observation: { ...observation, replicas }, rewards: new Float32Array(1), terminated: false,
 *     truncated: false, metrics: { p50LatencyMs: 0, p95LatencyMs: 0, p99LatencyMs: 0, sloViolationRate: 0,
 *       droppedRate: 0, replicas: replicas[0], cpuSeconds: 0, refusedScaleUps: 0 },
 *   }),
 *   close: () => Promise.resolve(),
 * };
 * const lines: string[] = [];
 * const summary = await runControlLoop(env, {
 *   policy: { reset() {}, act: (batch) => Promise.resolve(batch.map((o) => o.replicas.slice())) },
 *   log: (line) => lines.push(line),
 *   maxSteps: 3,
 * });
 * console.assert(summary.steps === 3 && lines.length === 3);
 * ```
 *
 * @module
 */
import type { Environment, Observation, StepMetrics } from "./environment.ts";
import type { Policy } from "./models.ts";

/** Options of {@linkcode runControlLoop}. */
export interface ControlLoopOptions {
  /** Chooses the desired replicas (asked with a batch of one copy, copy 0). */
  policy: Policy;
  /** Receives one JSON line per step (see {@linkcode ControlLoopRecord}). */
  log: (line: string) => void;
  /** Stops the loop after the step in flight (the CLI wires SIGINT and SIGTERM to it). */
  signal?: AbortSignal;
  /** Stops after this many steps (default: run until aborted). */
  maxSteps?: number;
  /** Take the policy's most likely action instead of sampling (default true). */
  deterministic?: boolean;
  /** Seed of the first reset. */
  seed?: number;
}

/** One logged decision. */
export interface ControlLoopRecord {
  /** Step number, from 1. */
  step: number;
  /** Wall-clock time the step finished (ISO 8601). */
  time: string;
  /** Desired replicas per node id and service, as the policy asked. */
  desired: Record<string, Record<string, number>>;
  /** Replicas per node id and service after the step. */
  replicas: Record<string, Record<string, number>>;
  /** Reward per node id. */
  rewards: Record<string, number>;
  /** The step's metrics. */
  metrics: StepMetrics;
  /** Present when the episode ended after this step and the environment was reset. */
  reset?: "terminated" | "truncated";
}

/** What {@linkcode runControlLoop} returns. */
export interface ControlLoopSummary {
  /** Steps taken. */
  steps: number;
  /** Why the loop stopped. */
  stoppedBy: "signal" | "maxSteps";
}

/**
 * Resets `env`, then loops: the policy chooses desired replicas, the environment steps, one JSON line is
 * logged. Stops when `signal` aborts (after the step in flight) or after `maxSteps`, and always closes
 * `env` (also when a step throws, which is rethrown). The policy is left to its owner.
 */
export async function runControlLoop(
  env: Environment,
  options: ControlLoopOptions,
): Promise<ControlLoopSummary> {
  const { policy, log, signal } = options;
  const maxSteps = options.maxSteps ?? Infinity;
  const deterministic = options.deterministic ?? true;
  const { nodes, services } = env.spec;
  const perNode = (values: ArrayLike<number>) =>
    Object.fromEntries(
      nodes.map((
        n,
        a,
      ) => [n.id, Object.fromEntries(services.map((s, i) => [s, values[a * services.length + i]]))]),
    );
  let steps = 0;
  try {
    if (signal?.aborted) return { steps, stoppedBy: "signal" };
    let observation: Observation = await env.reset({ seed: options.seed });
    policy.reset(0);
    while (steps < maxSteps && !signal?.aborted) {
      const [desired] = await policy.act([observation], { deterministic });
      const result = await env.step(desired);
      steps++;
      const ended = result.terminated ? "terminated" : result.truncated ? "truncated" : undefined;
      const record: ControlLoopRecord = {
        step: steps,
        time: new Date().toISOString(),
        desired: perNode(desired),
        replicas: perNode(result.observation.replicas),
        rewards: Object.fromEntries(nodes.map((n, a) => [n.id, result.rewards[a]])),
        metrics: result.metrics,
        ...(ended ? { reset: ended } : {}),
      };
      log(JSON.stringify(record));
      // Let timers and signal listeners run even when the environment answers without real waiting.
      await new Promise((resolve) => setTimeout(resolve, 0));
      observation = result.observation;
      if (ended && steps < maxSteps && !signal?.aborted) {
        observation = await env.reset();
        policy.reset(0);
      }
    }
    return { steps, stoppedBy: signal?.aborted ? "signal" : "maxSteps" };
  } finally {
    await env.close();
  }
}
