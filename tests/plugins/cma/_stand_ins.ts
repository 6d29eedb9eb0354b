/**
 * Small stand-ins for tests: a linear encoder, a mean-message filter and a toy cluster environment.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { defineEncoder, defineEnvironment, defineFilter } from "../../../core/plugin.ts";
import { PluginRegistry } from "../../../core/registry.ts";
import { Random } from "../../../core/random.ts";
import { STANDARD_SERVICE_FEATURES } from "../../../core/environment.ts";
import type { Environment, EnvSpec, Observation, StepResult } from "../../../core/environment.ts";
import type { DependencyEncoder, MessageFilter, ServiceBatch } from "../../../core/models.ts";
import { grMappoPlugin } from "../../../plugins/cma/gr_mappo.ts";

function weight(random: Random, shape: [number, number]): tf.Variable {
  const values = Float32Array.from({ length: shape[0] * shape[1] }, () => (random.next() * 2 - 1) * 0.5);
  return tf.tidy(() => tf.variable(tf.tensor2d(values, shape)));
}

/** services = tanh(x·W + b), attention = softmax(services·servicesᵀ) with one head. */
export class StandInEncoder implements DependencyEncoder {
  readonly hidden: number;
  readonly variables: tf.Variable[];
  constructor(features: number, hidden: number, seed: number) {
    this.hidden = hidden;
    this.variables = [
      weight(new Random(seed), [features, hidden]),
      tf.tidy(() => tf.variable(tf.zeros([hidden]))),
    ];
  }
  encode(x: ServiceBatch) {
    return tf.tidy(() => {
      const [N, S, F] = x.features.shape;
      const h = tf.reshape(
        tf.tanh(tf.add(tf.matMul(tf.reshape(x.features, [N * S, F]), this.variables[0]), this.variables[1])),
        [N, S, this.hidden],
      ) as tf.Tensor3D;
      const attention = tf.expandDims(tf.softmax(tf.matMul(h, h, false, true)), 1);
      return { services: h, summary: tf.mean(h, 1) as tf.Tensor2D, attention };
    });
  }
  dispose() {
    for (const v of this.variables) v.dispose();
  }
}

/** messages = tanh(nodes·U + mean_j(mask_ij · nodes_j)·W), attention = the row-normalised mask. */
export class StandInFilter implements MessageFilter {
  readonly hidden: number;
  readonly variables: tf.Variable[];
  constructor(input: number, hidden: number, seed: number) {
    this.hidden = hidden;
    const r = new Random(seed);
    this.variables = [weight(r, [input, hidden]), weight(r, [input, hidden])];
  }
  filter(x: { nodes: tf.Tensor3D; links: tf.Tensor3D; linkMask: tf.Tensor3D }) {
    return tf.tidy(() => {
      const [B, A, H] = x.nodes.shape;
      const attention = tf.div(x.linkMask, tf.sum(x.linkMask, 2, true)) as tf.Tensor3D;
      const heard = tf.matMul(attention, x.nodes);
      const flat = (t: tf.Tensor) => tf.reshape(t, [B * A, H]) as tf.Tensor2D;
      const m = tf.tanh(
        tf.add(tf.matMul(flat(x.nodes), this.variables[0]), tf.matMul(flat(heard), this.variables[1])),
      );
      return {
        messages: tf.reshape(m, [B, A, this.hidden]) as tf.Tensor3D,
        attention: tf.expandDims(attention, 1),
      };
    });
  }
  dispose() {
    for (const v of this.variables) v.dispose();
  }
}

/** Options of the toy environment. */
export interface ToyOptions {
  /** Reset number (1-based, per copy) from which rewards are NaN. */
  nanFromReset?: number;
}

/** A toy cluster: 2 edge nodes + 1 cloud, 3 services, load that rises and falls, latency from utilisation. */
export class ToyCluster implements Environment {
  readonly spec: EnvSpec = {
    nodes: [
      { id: "edge-0", kind: "edge", capacity: 6 },
      { id: "edge-1", kind: "edge", capacity: 6 },
      { id: "cloud", kind: "cloud", capacity: 30 },
    ],
    services: ["front", "cart", "db"],
    serviceFeatures: [...STANDARD_SERVICE_FEATURES],
    nodeFeatures: ["capacityUsed"],
    minReplicas: new Int32Array(9).fill(1),
    maxReplicas: new Int32Array(9).fill(5),
    stepSeconds: 15,
    sloMs: 100,
  };
  #random: Random;
  #replicas = new Int32Array(9);
  #t = 0;
  #resets = 0;
  #closed = false;
  constructor(readonly seed: number, readonly episodeLength: number, readonly options: ToyOptions = {}) {
    this.#random = new Random(seed);
  }
  reset(options: { seed?: number } = {}): Promise<Observation> {
    this.#random = new Random(options.seed ?? this.seed);
    this.#replicas.fill(2);
    this.#t = 0;
    this.#resets++;
    return Promise.resolve(this.#observe().observation);
  }
  #observe(): { observation: Observation; violations: number; load: Float64Array } {
    const A = 3, S = 3, F = 6;
    const services = new Float32Array(A * S * F), load = new Float64Array(A * S);
    let violations = 0;
    for (let i = 0; i < A * S; i++) {
      const rate = 8 * (1 + Math.sin((this.#t + i) / 4)) + this.#random.next() * 4;
      const util = rate / (this.#replicas[i] * 10);
      const latency = 10 + 60 * util * util;
      if (latency > this.spec.sloMs) violations++;
      load[i] = rate;
      services.set([this.#replicas[i], this.#replicas[i], util, rate, latency, 0], i * F);
    }
    const nodes = Float32Array.from(
      [0, 1, 2],
      (a) =>
        (this.#replicas[a * 3] + this.#replicas[a * 3 + 1] + this.#replicas[a * 3 + 2]) /
        this.spec.nodes[a].capacity,
    );
    const calls = new Float32Array(A * S * S);
    for (let a = 0; a < A; a++) calls.set([0, load[a * 3], 0, 0, 0, load[a * 3 + 1], 0, 0, 0], a * S * S);
    const observation: Observation = {
      services,
      calls,
      nodes,
      links: Float32Array.from([0, 5, 20, 5, 0, 20, 20, 20, 0]),
      linkMask: new Uint8Array(9).fill(1),
      replicas: this.#replicas.slice(),
    };
    return { observation, violations, load };
  }
  step(replicas: Int32Array): Promise<StepResult> {
    if (this.#closed) throw new Error("closed");
    for (let i = 0; i < 9; i++) this.#replicas[i] = Math.min(5, Math.max(1, replicas[i]));
    this.#t++;
    const { observation, violations } = this.#observe();
    const nan = this.options.nanFromReset !== undefined && this.#resets >= this.options.nanFromReset;
    const rewards = Float32Array.from([0, 1, 2], (a) => {
      let r = 0;
      for (let s = 0; s < 3; s++) {
        const util = observation.services[(a * 3 + s) * 6 + 2];
        r -= (util > 1 ? 1 : 0) + 0.05 * this.#replicas[a * 3 + s];
      }
      return nan ? NaN : r;
    });
    let total = 0;
    for (const r of this.#replicas) total += r;
    return Promise.resolve({
      observation,
      rewards,
      terminated: false,
      truncated: this.#t >= this.episodeLength,
      metrics: {
        p50LatencyMs: 20,
        p95LatencyMs: 40 + violations,
        p99LatencyMs: 60 + violations,
        sloViolationRate: violations / 9,
        droppedRate: 0,
        replicas: total,
        cpuSeconds: total * 15,
        refusedScaleUps: 0,
      },
    });
  }
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

/** The stand-in plugins: `toy` environment, `stand-in` encoder and filter, and `cma/gr-mappo`. */
export function standInRegistry(): PluginRegistry {
  return new PluginRegistry().register(
    defineEnvironment<ToyOptions>({
      name: "toy",
      description: "Toy cluster for tests.",
      options: {
        type: "object",
        additionalProperties: false,
        properties: { nanFromReset: { type: "integer" } },
      },
      create: (options, context) => new ToyCluster(context.seed, context.episodeLength, options),
    }),
    defineEncoder<{ hidden: number }>({
      name: "stand-in",
      description: "Linear encoder for tests.",
      options: { type: "object", properties: { hidden: { type: "integer", default: 8 } } },
      create: (options, context) =>
        new StandInEncoder(context.spec.serviceFeatures.length, options.hidden, context.seed),
    }),
    defineFilter<{ hidden: number }>({
      name: "stand-in",
      description: "Mean-message filter for tests.",
      options: { type: "object", properties: { hidden: { type: "integer", default: 8 } } },
      create: (options, context) => new StandInFilter(context.inputWidth, options.hidden, context.seed),
    }),
    grMappoPlugin,
  );
}

/** A tiny pipeline on the toy cluster; `overrides` are merged at the top level. */
export function tinyPipeline(out: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "tiny",
    seed: 3,
    backend: "wasm",
    env: { plugin: "toy" },
    encoder: { plugin: "stand-in", options: { hidden: 8 } },
    filter: { plugin: "stand-in", options: { hidden: 8 } },
    policy: { plugin: "cma/gr-mappo", options: { actorHidden: 8, criticHidden: 8, ppoEpochs: 2 } },
    train: { episodes: 4, episodeLength: 6, envs: 2, out, checkpointEvery: 1 },
    ...overrides,
  };
}
