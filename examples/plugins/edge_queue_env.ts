/**
 * A third-party environment plugin written only against cma's public API: a deliberately small model
 * where every node runs a chain of services `s0 → s1 → …`, each (node, service) a pool of replicas
 * serving an M/M/1-like queue. Copy it as the starting point of your own environment plugin, then run
 * `checkEnvironment` on it (see `tests/examples/edge_queue_env_test.ts`).
 *
 * Load it from a pipeline by path: `"env": { "plugin": "../plugins/edge_queue_env.ts" }`.
 *
 * @module
 */
import {
  defineEnvironment,
  InputError,
  Random,
  STANDARD_METRICS,
  STANDARD_SERVICE_FEATURES,
} from "../../mod.ts";
import type { Environment, EnvSpec, Observation, StepMetrics, StepResult } from "../../mod.ts";

/** Options of the edge-queue environment. */
export interface EdgeQueueOptions {
  /** Number of edge nodes (plus one cloud node). */
  edgeNodes: number;
  /** Number of chained services. */
  services: number;
  /** Mean requests per second arriving at each edge node. */
  arrivalRate: number;
  /** Requests per second one replica serves. */
  serviceRate: number;
  /** End-to-end latency objective in milliseconds. */
  sloMs: number;
  /** Steps per episode (default: the pipeline's). */
  episodeLength?: number;
}

/** The edge-queue model. */
export class EdgeQueueEnvironment implements Environment {
  /** The fixed description of the cluster. */
  readonly spec: EnvSpec;
  #options: EdgeQueueOptions;
  #episodeLength: number;
  #rng = new Random(0);
  #replicas: Int32Array;
  #t = 0;
  #closed = false;

  /** Makes the environment; `episodeLength` truncates episodes. */
  constructor(options: EdgeQueueOptions, episodeLength: number) {
    this.#options = options;
    this.#episodeLength = options.episodeLength ?? episodeLength;
    const a = options.edgeNodes + 1, s = options.services;
    this.spec = {
      nodes: [
        ...Array.from(
          { length: options.edgeNodes },
          (_, i) => ({ id: `edge-${i}`, kind: "edge" as const, capacity: 4 * s }),
        ),
        { id: "cloud", kind: "cloud", capacity: 20 * s },
      ],
      services: Array.from({ length: s }, (_, i) => `s${i}`),
      serviceFeatures: [...STANDARD_SERVICE_FEATURES],
      nodeFeatures: ["capacityUsed"],
      minReplicas: new Int32Array(a * s).fill(1),
      maxReplicas: new Int32Array(a * s).fill(8),
      stepSeconds: 15,
      sloMs: options.sloMs,
    };
    this.#replicas = new Int32Array(a * s).fill(1);
  }

  /** Starts an episode with one replica everywhere. */
  reset(options: { seed?: number } = {}): Promise<Observation> {
    this.#assertOpen();
    this.#rng = new Random(options.seed ?? 0);
    this.#replicas.fill(1);
    this.#t = 0;
    return Promise.resolve(this.#observe().observation);
  }

  /** Applies desired replicas (clamped to bounds and capacity) and advances one step. */
  step(replicas: Int32Array): Promise<StepResult> {
    this.#assertOpen();
    const { spec } = this;
    const s = spec.services.length;
    if (replicas?.length !== this.#replicas.length) {
      throw new InputError(
        `edge-queue: action must have ${this.#replicas.length} values (got ${replicas?.length})`,
      );
    }
    for (let i = 0; i < replicas.length; i++) {
      if (!Number.isInteger(replicas[i]) || replicas[i] < 0) {
        throw new InputError(`edge-queue: action[${i}] must be a non-negative integer (got ${replicas[i]})`);
      }
    }
    let refused = 0;
    spec.nodes.forEach((node, a) => {
      let used = 0;
      for (let j = 0; j < s; j++) {
        const i = a * s + j;
        const want = Math.min(spec.maxReplicas[i], Math.max(spec.minReplicas[i], replicas[i]));
        const got = Math.min(want, node.capacity - used - (s - j - 1) * spec.minReplicas[i]);
        refused += Math.max(0, replicas[i] - Math.max(got, spec.minReplicas[i]));
        this.#replicas[i] = Math.max(got, spec.minReplicas[i]);
        used += this.#replicas[i];
      }
    });
    this.#t++;
    const result = this.#observe();
    result.metrics.refusedScaleUps = refused;
    return Promise.resolve({
      observation: result.observation,
      rewards: result.rewards,
      terminated: false,
      truncated: this.#t >= this.#episodeLength,
      metrics: result.metrics,
    });
  }

  /** Closes the environment; later steps throw. */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("edge-queue: the environment is closed");
  }

  #observe(): { observation: Observation; rewards: Float32Array; metrics: StepMetrics } {
    const { spec } = this;
    const a = spec.nodes.length, s = spec.services.length, f = spec.serviceFeatures.length;
    const { serviceRate, arrivalRate, sloMs } = this.#options;
    const services = new Float32Array(a * s * f);
    const calls = new Float32Array(a * s * s);
    const rewards = new Float32Array(a);
    let latencySum = 0, violations = 0, total = 0, dropped = 0;
    for (let n = 0; n < a; n++) {
      const wave = 1 + 0.5 * Math.sin((2 * Math.PI * this.#t) / 40);
      const load = spec.nodes[n].kind === "edge"
        ? Math.max(0, arrivalRate * wave * (1 + 0.1 * this.#rng.normal()))
        : 0;
      let latency = 0, lost = 0;
      for (let j = 0; j < s; j++) {
        const c = this.#replicas[n * s + j];
        const capacity = c * serviceRate;
        const served = Math.min(load, capacity * 0.98);
        lost = Math.max(lost, load - served);
        const rho = capacity > 0 ? served / capacity : 0;
        const ms = 1000 / (serviceRate * (1 - rho) + 1e-9) / 10;
        latency += ms;
        const o = (n * s + j) * f;
        services.set([c, c, rho, load, ms * 3, load - served], o);
        if (j + 1 < s) calls[n * s * s + j * s + j + 1] = served;
      }
      const violated = latency > sloMs ? load : lost;
      latencySum += latency * load;
      violations += violated;
      total += load;
      dropped += lost;
      let own = 0;
      for (let j = 0; j < s; j++) own += this.#replicas[n * s + j];
      rewards[n] = -(load > 0 ? violated / load : 0) - 0.02 * own;
    }
    const mean = total > 0 ? latencySum / total : 0;
    const metrics = Object.fromEntries(STANDARD_METRICS.map((m) => [m, 0])) as StepMetrics;
    Object.assign(metrics, {
      p50LatencyMs: mean,
      p95LatencyMs: mean * 2,
      p99LatencyMs: mean * 3,
      sloViolationRate: total > 0 ? violations / total : 0,
      droppedRate: dropped,
      replicas: this.#replicas.reduce((x, y) => x + y, 0),
      cpuSeconds: this.#replicas.reduce((x, y) => x + y, 0) * spec.stepSeconds,
      load: total,
    });
    const nodes = new Float32Array(a);
    spec.nodes.forEach((node, n) => {
      let used = 0;
      for (let j = 0; j < s; j++) used += this.#replicas[n * s + j];
      nodes[n] = used / node.capacity;
    });
    const links = new Float32Array(a * a);
    const linkMask = new Uint8Array(a * a).fill(1);
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < a; j++) {
        if (i !== j) links[i * a + j] = spec.nodes[i].kind === spec.nodes[j].kind ? 5 : 25;
      }
    }
    return {
      observation: { services, calls, nodes, links, linkMask, replicas: this.#replicas.slice() },
      rewards,
      metrics,
    };
  }
}

/** The plugin a pipeline loads by path. */
export default defineEnvironment<EdgeQueueOptions>({
  name: "edge-queue",
  description: "Example third-party environment: chained services on edge nodes and a cloud, simple queues.",
  options: {
    type: "object",
    additionalProperties: false,
    properties: {
      edgeNodes: {
        type: "integer",
        minimum: 1,
        maximum: 64,
        default: 2,
        description: "Edge nodes (plus one cloud).",
      },
      services: { type: "integer", minimum: 1, maximum: 32, default: 3, description: "Chained services." },
      arrivalRate: {
        type: "number",
        exclusiveMinimum: 0,
        default: 150,
        description: "Mean req/s per edge node.",
      },
      serviceRate: {
        type: "number",
        exclusiveMinimum: 0,
        default: 100,
        description: "req/s one replica serves.",
      },
      sloMs: { type: "number", exclusiveMinimum: 0, default: 50, description: "Latency objective in ms." },
      episodeLength: {
        type: "integer",
        minimum: 1,
        description: "Steps per episode (default: the pipeline's).",
      },
    },
  },
  create(options, context) {
    return new EdgeQueueEnvironment(options, context.episodeLength);
  },
});
