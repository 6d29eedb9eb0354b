/**
 * The simulator: a seeded, fast model of microservices on edge and cloud nodes that implements the
 * {@linkcode Environment} contract. Give it a {@linkcode Topology} (see `loadTopology`), optionally a
 * cluster layout (see `buildCluster`) and any {@linkcode Workload}; the trace-replay environment builds
 * one from a recorded trace this way.
 *
 * One control step: replicas that finished starting become ready; the action is clamped and applied
 * (new replicas start, surplus ones stop at once); the workload gives the external load; the load model
 * routes and propagates it and solves every (node, service) M/M/c queue; the sampler draws the
 * end-to-end latencies; the observation, metrics and per-node rewards are assembled.
 *
 * @module
 */
import { STANDARD_SERVICE_FEATURES } from "../../core/environment.ts";
import type { Environment, EnvSpec, Observation, ResetOptions, StepResult } from "../../core/environment.ts";
import { InputError, RuntimeError } from "../../core/errors.ts";
import { Random } from "../../core/random.ts";
import { buildCallTrees } from "./_call_trees.ts";
import { LatencySampler } from "./_latency_sampler.ts";
import { LoadModel } from "./_load_model.ts";
import { ReplicaPool, validateAction } from "./_replica_pool.ts";
import { buildCluster } from "./cluster.ts";
import type { ClusterLayout } from "./cluster.ts";
import { DEFAULT_REWARD_WEIGHTS, nodeReward } from "./reward.ts";
import type { RewardTerms, RewardWeights } from "./reward.ts";
import type { Topology } from "./topology.ts";
import type { Workload } from "./workload.ts";

/** Per-service features: the standard ones, then the simulator's extras. */
export const SIMULATOR_SERVICE_FEATURES: readonly string[] = [
  ...STANDARD_SERVICE_FEATURES,
  "demandRate", // req/s of the service requested on this node (before routing)
  "forwardedRate", // part of that demand sent to another node (no ready replica here)
  "meanLatencyMs", // the service's M/M/c mean response time on this node
  "serviceRate", // req/s one replica serves
];

/** Per-node features. */
export const SIMULATOR_NODE_FEATURES: readonly string[] = [
  "capacityUsed", // replicas / capacity
  "isCloud", // 1 for the cloud, 0 for an edge node
  "externalRate", // external req/s entering at this node
  "sloViolationRate", // sampled fraction of those requests over the SLO or failed
  "meanLatencyMs", // sampled mean end-to-end latency of those served
  "failedRate", // expected req/s of those that fail
];

/** Settings of a {@linkcode Simulator}; everything but `topology` and `workload` has a default. */
export interface SimulatorConfig {
  /** The application. */
  topology: Topology;
  /** The external load (the built-in ones come from `createWorkload`). */
  workload: Workload;
  /** The cluster (default `buildCluster(topology)`: the topology's own, or 3 edge nodes + a cloud). */
  cluster?: ClusterLayout;
  /** Seed of the episodes reset without one (default 0). */
  seed?: number;
  /** Steps after which an episode is truncated (default 100). */
  episodeLength?: number;
  /** Seconds per control step (default the topology's, else 15). */
  stepSeconds?: number;
  /** End-to-end latency objective in ms (default the topology's, else 200). */
  sloMs?: number;
  /** Latency in ms a failed request counts with, and the cap of any latency (default 10 × sloMs). */
  timeoutMs?: number;
  /** Control steps a new replica takes to become ready (default 1). */
  startupDelaySteps?: number;
  /** Lowest replicas per (node, service) it may host (default 0). */
  minReplicas?: number;
  /** Highest replicas per (node, service) (default 20; never above the node's capacity). */
  maxReplicas?: number;
  /** Replicas per (node, service) at reset, clamped like an action (default 1). */
  initialReplicas?: number;
  /** End-to-end requests sampled per step (default 64). */
  samples?: number;
  /** Reward weights (defaults in `DEFAULT_REWARD_WEIGHTS`). */
  rewardWeights?: Partial<RewardWeights>;
}

/** The simulated edge-cloud cluster (see the module doc). */
export class Simulator implements Environment {
  /** The fixed description of nodes, services and features. */
  readonly spec: EnvSpec;
  /** The topology it simulates. */
  readonly topology: Topology;
  /** The cluster layout. */
  readonly cluster: ClusterLayout;
  /** Steps after which an episode is truncated. */
  readonly episodeLength: number;
  readonly #workload: Workload;
  readonly #pool: ReplicaPool;
  readonly #load: LoadModel;
  readonly #sampler: LatencySampler;
  readonly #weights: RewardWeights;
  readonly #initial: Int32Array;
  readonly #external: Float64Array;
  readonly #seeder: Random;
  readonly #actionCheck: { size: number; name: (i: number) => string };
  readonly #terms: RewardTerms = { latency: 0, violations: 0, drops: 0, cost: 0, churn: 0 };
  readonly #samplerCtx: { external: Float64Array; rng: Random };
  #rng = new Random(0);
  #t = 0;
  #started = false;
  #closed = false;
  #refused = 0;

  /** Builds the simulator; bad settings are {@linkcode InputError}s naming the option. */
  constructor(config: SimulatorConfig) {
    const topology = config.topology;
    const cluster = config.cluster ?? buildCluster(topology);
    this.topology = topology;
    this.cluster = cluster;
    const a = cluster.nodes.length, s = topology.services.length;
    const int = (name: string, value: number, min: number) => {
      if (!Number.isInteger(value) || value < min) {
        throw new InputError(`simulator: options.${name} must be an integer ≥ ${min} (got ${value})`);
      }
      return value;
    };
    const stepSeconds = config.stepSeconds ?? topology.spec.stepSeconds ?? 15;
    const sloMs = config.sloMs ?? topology.spec.sloMs ?? 200;
    if (!(stepSeconds > 0)) {
      throw new InputError(`simulator: options.stepSeconds must be > 0 (got ${stepSeconds})`);
    }
    if (!(sloMs > 0)) throw new InputError(`simulator: options.sloMs must be > 0 (got ${sloMs})`);
    const timeoutMs = config.timeoutMs ?? 10 * sloMs;
    if (!(timeoutMs >= sloMs)) {
      throw new InputError(`simulator: options.timeoutMs must be ≥ sloMs (got ${timeoutMs})`);
    }
    this.episodeLength = int("episodeLength", config.episodeLength ?? 100, 1);
    const minR = int("minReplicas", config.minReplicas ?? 0, 0);
    const maxR = int("maxReplicas", config.maxReplicas ?? 20, minR);
    const initial = int("initialReplicas", config.initialReplicas ?? 1, 0);
    const delay = int("startupDelaySteps", config.startupDelaySteps ?? 1, 0);
    const samples = int("samples", config.samples ?? 64, 1);
    this.#weights = { ...DEFAULT_REWARD_WEIGHTS, ...config.rewardWeights };
    for (const [k, v] of Object.entries(this.#weights)) {
      if (!Number.isFinite(v)) throw new InputError(`simulator: options.rewardWeights.${k} must be a number`);
    }
    const min = new Int32Array(a * s), max = new Int32Array(a * s), capacity = new Int32Array(a);
    cluster.nodes.forEach((node, i) => {
      capacity[i] = node.capacity;
      let hosted = 0;
      for (let j = 0; j < s; j++) {
        if (!cluster.hosts[i * s + j]) continue;
        min[i * s + j] = minR;
        max[i * s + j] = Math.min(maxR, node.capacity);
        hosted++;
      }
      if (hosted * minR > node.capacity) {
        throw new InputError(
          `simulator: options.minReplicas = ${minR} on each of the ${hosted} services node ${node.id} hosts ` +
            `exceeds its capacity ${node.capacity}`,
        );
      }
    });
    this.spec = {
      nodes: cluster.nodes.map((n) => ({ ...n })),
      services: [...topology.services],
      serviceFeatures: [...SIMULATOR_SERVICE_FEATURES],
      nodeFeatures: [...SIMULATOR_NODE_FEATURES],
      minReplicas: min,
      maxReplicas: max,
      stepSeconds,
      sloMs,
    };
    this.#workload = config.workload;
    this.#pool = new ReplicaPool({ nodes: a, services: s, min, max, capacity, startupSteps: delay });
    this.#load = new LoadModel(topology, cluster);
    this.#sampler = new LatencySampler({ topology, cluster, trees: buildCallTrees(topology) }, {
      samples,
      sloMs,
      timeoutMs,
    });
    this.#initial = new Int32Array(a * s).fill(initial);
    this.#external = new Float64Array(s);
    this.#seeder = new Random(config.seed ?? 0);
    const names = this.spec.services;
    this.#actionCheck = {
      size: a * s,
      name: (i) => `node ${cluster.nodes[Math.floor(i / s)].id}, service ${names[i % s]}`,
    };
    this.#samplerCtx = { external: this.#external, rng: this.#rng };
  }

  /** Starts an episode: initial replicas (all ready), the workload at step 0, and its observation. */
  reset(options: ResetOptions = {}): Promise<Observation> {
    if (this.#closed) return Promise.reject(new RuntimeError("simulator: reset() after close()"));
    const seed = options.seed ?? this.#seeder.nextUint32();
    this.#rng = new Random(seed);
    this.#samplerCtx.rng = this.#rng;
    this.#workload.reset(this.#rng.fork());
    this.#pool.resetTo(this.#initial);
    this.#t = 0;
    this.#refused = 0;
    this.#started = true;
    this.#evaluate();
    return Promise.resolve(this.#observation());
  }

  /** Applies desired replicas `[A,S]` and advances one control step (see the module doc). */
  step(replicas: Int32Array): Promise<StepResult> {
    try {
      return Promise.resolve(this.stepSync(replicas));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** {@linkcode step} without the promise, for tight loops (benchmarks, the trace environment). */
  stepSync(replicas: Int32Array): StepResult {
    if (this.#closed) throw new RuntimeError("simulator: step() after close(); create a new environment");
    if (!this.#started) throw new RuntimeError("simulator: step() before reset(); call reset() first");
    validateAction(replicas, this.#actionCheck);
    this.#t++;
    this.#pool.tick();
    this.#refused = this.#pool.apply(replicas);
    this.#evaluate();
    const rewards = this.#rewards();
    let mean = 0;
    for (let i = 0; i < rewards.length; i++) mean += rewards[i];
    return {
      observation: this.#observation(),
      rewards,
      terminated: false,
      truncated: this.#t >= this.episodeLength,
      metrics: this.#metrics(mean / rewards.length),
    };
  }

  /** Closes the simulator; `step` and `reset` throw afterwards. */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** Control steps taken in this episode. */
  get stepCount(): number {
    return this.#t;
  }

  #evaluate(): void {
    this.#workload.externalRates(this.#t, this.#external);
    for (let j = 0; j < this.#external.length; j++) {
      const v = this.#external[j];
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new RuntimeError(`simulator: the workload gave rate ${v} for service ${this.spec.services[j]}`);
      }
    }
    this.#load.run(this.#pool.ready, this.#external);
    this.#sampler.run(this.#load, this.#samplerCtx);
  }

  #rewards(): Float32Array {
    const a = this.spec.nodes.length, s = this.spec.services.length;
    const pool = this.#pool, sm = this.#sampler, w = this.#weights, terms = this.#terms;
    const out = new Float32Array(a);
    let total = 0;
    for (let x = 0; x < a; x++) {
      const n = sm.nodeSamples[x];
      terms.latency = n > 0 ? sm.nodeOvershoot[x] / n : 0;
      terms.violations = n > 0 ? sm.nodeViolations[x] / n : 0;
      terms.drops = sm.nodeExternal[x] > 0 ? sm.nodeFailed[x] / sm.nodeExternal[x] : 0;
      let used = 0, changed = 0;
      for (let j = 0; j < s; j++) {
        const i = x * s + j;
        used += pool.replicas[i];
        changed += Math.abs(pool.replicas[i] - pool.previous[i]);
      }
      const cap = this.spec.nodes[x].capacity;
      terms.cost = cap > 0 ? used / cap : 0;
      terms.churn = cap > 0 ? changed / cap : 0;
      out[x] = nodeReward(terms, w);
      total += out[x];
    }
    if (w.team !== 0) {
      const mean = total / a;
      for (let x = 0; x < a; x++) out[x] = (1 - w.team) * out[x] + w.team * mean;
    }
    return out;
  }

  /**
   * A new observation. Its arrays are fresh (nothing is reused across steps) but are views into one
   * shared ArrayBuffer, so use the arrays, not their `.buffer`.
   */
  #observation(): Observation {
    const a = this.spec.nodes.length, s = this.spec.services.length;
    const f = SIMULATOR_SERVICE_FEATURES.length, fn = SIMULATOR_NODE_FEATURES.length;
    const pool = this.#pool, load = this.#load, sm = this.#sampler, rates = this.topology.rates;
    // Fresh arrays every time, as views into one new ArrayBuffer (one allocation instead of six).
    const nS = a * s * f, nC = a * s * s, nN = a * fn, nL = a * a, nR = a * s;
    const buffer = new ArrayBuffer(4 * (nS + nC + nN + nL + nR) + nL);
    const services = new Float32Array(buffer, 0, nS);
    const calls = new Float32Array(buffer, 4 * nS, nC);
    const nodes = new Float32Array(buffer, 4 * (nS + nC), nN);
    const links = new Float32Array(buffer, 4 * (nS + nC + nN), nL);
    const replicas = new Int32Array(buffer, 4 * (nS + nC + nN + nL), nR);
    const linkMask = new Uint8Array(buffer, 4 * (nS + nC + nN + nL + nR), nL);
    links.set(this.cluster.links);
    linkMask.set(this.cluster.linkMask);
    replicas.set(pool.replicas);
    for (let x = 0; x < a; x++) {
      let used = 0;
      for (let j = 0; j < s; j++) {
        const i = x * s + j, o = i * f, ready = pool.ready[i];
        used += pool.replicas[i];
        services[o] = pool.replicas[i];
        services[o + 1] = ready;
        services[o + 2] = ready > 0 ? load.arrival[i] / (ready * rates[j]) : 0;
        services[o + 3] = load.arrival[i];
        services[o + 4] = load.p95Ms[i];
        services[o + 5] = load.dropped[i];
        services[o + 6] = load.demand[i];
        services[o + 7] = load.forwarded[i];
        services[o + 8] = load.meanMs[i];
        services[o + 9] = rates[j];
      }
      const cap = this.spec.nodes[x].capacity, o = x * fn, n = sm.nodeSamples[x];
      nodes[o] = cap > 0 ? used / cap : 0;
      nodes[o + 1] = this.spec.nodes[x].kind === "cloud" ? 1 : 0;
      nodes[o + 2] = sm.nodeExternal[x];
      nodes[o + 3] = n > 0 ? sm.nodeViolations[x] / n : 0;
      nodes[o + 4] = sm.nodeServed[x] > 0 ? sm.nodeLatencySum[x] / sm.nodeServed[x] : 0;
      nodes[o + 5] = sm.nodeFailed[x];
    }
    for (const e of this.topology.edges) {
      if (e.calls <= 0) continue;
      for (let x = 0; x < a; x++) {
        calls[(x * s + e.from) * s + e.to] = load.admitted[x * s + e.from] * e.calls;
      }
    }
    return {
      services,
      calls,
      nodes,
      links,
      linkMask,
      replicas,
    };
  }

  #metrics(meanReward: number): StepResult["metrics"] {
    const pool = this.#pool, load = this.#load, sm = this.#sampler, rates = this.topology.rates;
    const cpu = this.topology.cpu, s = this.spec.services.length;
    let replicas = 0, ready = 0, cpuCores = 0, busy = 0, droppedCalls = 0, remote = 0, failed = 0, ext = 0;
    let violations = 0, servedSum = 0, served = 0;
    for (let i = 0; i < pool.replicas.length; i++) {
      const j = i % s;
      replicas += pool.replicas[i];
      ready += pool.ready[i];
      cpuCores += pool.replicas[i] * cpu[j];
      busy += (load.admitted[i] / rates[j]) * cpu[j];
      droppedCalls += load.dropped[i];
      remote += load.forwarded[i];
    }
    let readyCores = 0;
    for (let i = 0; i < pool.ready.length; i++) readyCores += pool.ready[i] * cpu[i % s];
    for (let x = 0; x < this.spec.nodes.length; x++) {
      failed += sm.nodeFailed[x];
      ext += sm.nodeExternal[x];
      violations += sm.nodeViolations[x];
      servedSum += sm.nodeLatencySum[x];
      served += sm.nodeServed[x];
    }
    return {
      p50LatencyMs: sm.percentiles[0],
      p95LatencyMs: sm.percentiles[1],
      p99LatencyMs: sm.percentiles[2],
      sloViolationRate: sm.count > 0 ? violations / sm.count : 0,
      droppedRate: failed,
      replicas,
      cpuSeconds: cpuCores * this.spec.stepSeconds,
      refusedScaleUps: this.#refused,
      load: ext,
      arrivalRate: ext,
      meanLatencyMs: served > 0 ? servedSum / served : 0,
      readyReplicas: ready,
      pendingReplicas: replicas - ready,
      cpuUtilization: readyCores > 0 ? busy / readyCores : 0,
      droppedCallRate: droppedCalls,
      remoteCallRate: remote,
      reward: meanReward,
      step: this.#t,
    };
  }
}
