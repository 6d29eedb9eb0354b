/**
 * The reference workload of PERFORMANCE.md: one GR-MAPPO PPO update at 8 nodes × 12 services ×
 * 8 features, hidden 64, 2 heads, 800 joint samples (50 steps × 16 environments), 5 epochs,
 * 1 minibatch; and one batched rollout step for 16 environments × 8 nodes. Prints the peak memory of
 * one update (tf.profile's peak tensor bytes and the wasm heap) before the timings.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../../core/backend.ts";
import { Random } from "../../../core/random.ts";
import { STANDARD_SERVICE_FEATURES } from "../../../core/environment.ts";
import type { EnvSpec, Observation } from "../../../core/environment.ts";
import type { Rollout } from "../../../core/models.ts";
import { dependencyAttentionPlugin } from "../../../plugins/cma/dependency_attention.ts";
import { informationAttentionPlugin } from "../../../plugins/cma/information_attention.ts";
import { GrMappo } from "../../../plugins/cma/gr_mappo.ts";

await useBackend("wasm");
const A = 8, S = 12, T = 50, C = 16, H = 64;
const random = new Random(11);
const spec: EnvSpec = {
  nodes: Array.from(
    { length: A },
    (_, a) => ({ id: `n${a}`, kind: a === A - 1 ? "cloud" : "edge", capacity: 200 }),
  ),
  services: Array.from({ length: S }, (_, s) => `s${s}`),
  serviceFeatures: [...STANDARD_SERVICE_FEATURES, "extra0", "extra1"],
  nodeFeatures: ["capacityUsed"],
  minReplicas: new Int32Array(A * S).fill(1),
  maxReplicas: new Int32Array(A * S).fill(10),
  stepSeconds: 15,
  sloMs: 200,
};

function observation(): Observation {
  const calls = new Float32Array(A * S * S);
  for (let i = 0; i < calls.length; i++) if (random.next() < 0.3) calls[i] = random.next() * 50;
  return {
    services: Float32Array.from({ length: A * S * 8 }, () => random.next() * 10),
    calls,
    nodes: Float32Array.from({ length: A }, () => random.next()),
    links: Float32Array.from({ length: A * A }, (_, i) => i % (A + 1) === 0 ? 0 : 5 + random.next() * 20),
    linkMask: new Uint8Array(A * A).fill(1),
    replicas: Int32Array.from({ length: A * S }, () => 1 + random.int(5)),
  };
}

const context = { seed: 1, baseDir: ".", spec };
const encoder = await dependencyAttentionPlugin.create({ hidden: H, heads: 2 }, context);
const filter = await informationAttentionPlugin.create({ hidden: H, heads: 2 }, {
  ...context,
  inputWidth: H,
});
const policy = new GrMappo({ actorHidden: H, criticHidden: H, ppoEpochs: 5, miniBatches: 1 }, {
  spec,
  seed: 2,
  encoder,
  filter,
});

const pool = Array.from({ length: 64 }, observation);
const rows = (t: number) => Array.from({ length: C }, (_, c) => pool[(t * C + c) % pool.length]);
const rollout: Rollout = {
  observations: [],
  actions: [],
  rewards: [],
  terminated: [],
  truncated: [],
  finalObservations: [],
};
for (let t = 0; t <= T; t++) rollout.observations.push(rows(t));
for (let t = 0; t < T; t++) {
  rollout.actions.push(await policy.act(rollout.observations[t]));
  rollout.rewards.push(
    Array.from({ length: C }, () => Float32Array.from({ length: A }, () => -random.next())),
  );
  rollout.terminated.push(new Array(C).fill(false));
  rollout.truncated.push(new Array(C).fill(t === T - 1));
  rollout.finalObservations.push(t === T - 1 ? rows(T) : new Array(C).fill(undefined));
}

// deno-lint-ignore no-explicit-any
const heap = () => ((tf.backend() as any).wasm?.HEAPU8?.buffer?.byteLength ?? NaN) / 2 ** 20;
const profile = await tf.profile(async () => {
  await policy.update(rollout);
});
console.log(
  `one PPO update: peak tensor memory ${(profile.peakBytes / 2 ** 20).toFixed(0)} MB, ` +
    `wasm heap ${heap().toFixed(0)} MB, ${tf.memory().numTensors} tensors alive`,
);

Deno.bench(
  { name: "PPO update, 8×12×8, hidden 64, 2 heads, 800 samples, 5 epochs", n: 3, warmup: 0 },
  async () => {
    await policy.update(rollout);
  },
);

const batch = rows(0);
Deno.bench({ name: "rollout step, 16 envs × 8 nodes (act, sampling)", n: 50, warmup: 5 }, async () => {
  await policy.act(batch);
});
