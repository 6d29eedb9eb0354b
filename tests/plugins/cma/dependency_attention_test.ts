import { deepStrictEqual, notDeepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import type { Scalar, Tensor2D, Tensor3D } from "@tensorflow/tfjs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { useBackend } from "../../../core/backend.ts";
import type { EnvSpec } from "../../../core/environment.ts";
import { InputError } from "../../../core/errors.ts";
import type { EncoderContext } from "../../../core/plugin.ts";
import { Random } from "../../../core/random.ts";
import {
  type DependencyAttention,
  type DependencyAttentionOptions,
  dependencyAttentionPlugin,
  dependencyAttentionSchema,
} from "../../../plugins/cma/dependency_attention.ts";
import { assertNonZeroGradients } from "./_gradients.ts";
import { assertClose } from "./_near.ts";

const tf = await useBackend("wasm");

const S = 4;
const spec: EnvSpec = {
  nodes: [{ id: "edge-0", kind: "edge", capacity: 10 }, { id: "cloud", kind: "cloud", capacity: 100 }],
  services: ["frontend", "cart", "catalog", "db"],
  serviceFeatures: ["replicas", "readyReplicas", "cpuUtilization"],
  nodeFeatures: [],
  minReplicas: new Int32Array(2 * S).fill(1),
  maxReplicas: new Int32Array(2 * S).fill(5),
  stepSeconds: 15,
  sloMs: 200,
};
const context = (seed = 3): EncoderContext => ({ seed, baseDir: ".", spec });

function create(options: Record<string, unknown>, seed = 3): DependencyAttention {
  return dependencyAttentionPlugin.create(
    options as Partial<DependencyAttentionOptions>,
    context(seed),
  ) as DependencyAttention;
}

// Two nodes: frontend calls cart (3 req/s) and catalog (10 req/s), cart calls db (2 req/s) on node 0.
const CALLS0 = [[0, 3, 10, 0], [0, 0, 0, 2], [0, 0, 0, 0], [0, 0, 0, 0]];
const CALLS1 = [[0, 0, 5, 0], [0, 0, 0, 0], [0, 0, 0, 7], [0, 0, 0, 0]];
const FEATURES = [
  [[1, 0.5, -0.2], [0.3, -1, 0.8], [-0.6, 0.1, 0.4], [0.9, 0.7, -1.1]],
  [[-0.4, 0.2, 1.0], [0.5, 0.5, 0.5], [1.2, -0.3, 0.0], [-0.8, 0.6, 0.3]],
];
const batch = (calls = [CALLS0, CALLS1]) => ({
  features: tf.tensor3d(FEATURES),
  calls: tf.tensor3d(calls),
});

Deno.test("dependency-attention options: defaults, and nonsense rejected with the option named", () => {
  const enc = create({});
  strictEqual(enc.hidden, 64);
  strictEqual(enc.layers.length, 1);
  strictEqual(enc.layers[0].heads, 2);
  strictEqual(enc.layers[0].channels, 32);
  enc.dispose();
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ hidden: 0 }, /"hidden" must be an integer ≥ 1/],
    [{ heads: 0 }, /"heads"/],
    [{ hidden: 10, heads: 4 }, /"hidden" \(10\) must be divisible by "heads" \(4\)/],
    [{ dropout: 1 }, /"dropout" must be a number ≥ 0 < 1/],
    [{ dropout: -0.1 }, /"dropout"/],
    [{ layers: 0 }, /"layers"/],
    [{ hidden: 2.5 }, /"hidden"/],
    [{ pooling: "max" }, /"pooling" must be one of "mean", "topk"/],
    [{ pooling: "topk", topK: 5 }, /"topK" \(5\) must be at most the number of services \(4\)/],
    [{ hiden: 8 }, /unknown option "hiden"/],
  ];
  for (const [options, message] of bad) {
    throws(() => create(options), (e: Error) => e instanceof InputError && message.test(e.message));
  }
  const averaged = create({ hidden: 10, heads: 4, concat: false });
  strictEqual(averaged.layers[0].channels, 10);
  strictEqual(averaged.layers[0].outputWidth, 10);
  averaged.dispose();
});

Deno.test("dependency-attention schema is valid JSON Schema 2020-12 with the same defaults", () => {
  const ajv = new Ajv2020({ useDefaults: true, strict: true });
  const validate = ajv.compile(dependencyAttentionSchema);
  const options: Record<string, unknown> = {};
  ok(validate(options));
  deepStrictEqual(options, {
    hidden: 64,
    heads: 2,
    layers: 1,
    concat: true,
    dropout: 0,
    activation: "elu",
    pooling: "mean",
    topK: 4,
  });
  ok(!validate({ hidden: 0 }));
  ok(!validate({ dropout: 1 }));
  ok(!validate({ extra: 1 }));
});

Deno.test("dependency-attention builds the graph from the call rates (callers attend to callees, log1p edge features)", () => {
  const enc = create({ hidden: 4, heads: 2 });
  const x = batch();
  const { services, summary, attention } = enc.encode(x);
  deepStrictEqual(services.shape, [2, S, 4]);
  deepStrictEqual(summary.shape, [2, 4]);
  deepStrictEqual(attention.shape, [2, 2, S, S]);
  // The same layer run directly on the mask and edges worked out by hand gives the same result.
  const mask = [CALLS0, CALLS1].map((m) => m.map((r) => r.map((v) => (v > 0 ? 1 : 0))));
  const edges = [CALLS0, CALLS1].map((m) => m.map((r) => r.map((v) => [Math.log(1 + v)])));
  const direct = enc.layers[0].apply({ x: x.features, mask: tf.tensor3d(mask), edges: tf.tensor4d(edges) });
  assertClose(services.dataSync(), direct.out.dataSync(), { tol: 1e-6, what: "services" });
  assertClose(attention.dataSync(), direct.attention.dataSync(), { tol: 1e-6, what: "attention" });
  // summary = mean of the service embeddings
  const sv = services.arraySync();
  const mean = sv.map((node) => [0, 1, 2, 3].map((k) => node.reduce((acc, row) => acc + row[k], 0) / S));
  assertClose(summary.dataSync(), mean.flat(), { tol: 1e-6, what: "summary" });
  // frontend (row 0) attends to cart, catalog and itself only; catalog (row 2, node 0) only to itself
  const a = attention.arraySync() as number[][][][];
  for (let h = 0; h < 2; h++) {
    strictEqual(a[0][h][0][3], 0);
    ok(a[0][h][0][1] > 0 && a[0][h][0][2] > 0);
    deepStrictEqual(a[0][h][2], [0, 0, 1, 0]);
    ok(Math.abs(a[1][h][2].reduce((p, q) => p + q, 0) - 1) < 1e-6);
  }
  enc.dispose();
});

Deno.test("dependency-attention output changes with the call rates", () => {
  const enc = create({ hidden: 8, heads: 2, layers: 2 });
  const base = enc.encode(batch()).services.dataSync();
  const heavier = CALLS0.map((r) => r.slice());
  heavier[0][1] = 30; // same edge, heavier rate
  const rate = enc.encode(batch([heavier, CALLS1])).services.dataSync();
  ok(Math.abs(rate[0] - base[0]) > 1e-4, "a different call rate moves the frontend embedding");
  assertClose(rate.slice(S * 8), base.slice(S * 8), { tol: 1e-7, what: "the other node is untouched" });
  const rewired = CALLS0.map((r) => r.slice());
  rewired[2][3] = 4; // catalog now calls db
  const wired = enc.encode(batch([rewired, CALLS1])).services.dataSync();
  ok(Math.abs(wired[2 * 8] - base[2 * 8]) > 1e-4, "a new call edge moves the caller");
  enc.dispose();
});

Deno.test("dependency-attention top-k pooling averages the k best services gated by their score", () => {
  const enc = create({ hidden: 4, heads: 2, pooling: "topk", topK: 2 });
  const { services, summary } = enc.encode(batch());
  const p = Array.from(enc.pool!.dataSync());
  const norm = Math.hypot(...p);
  const expected = services.arraySync().map((node) => {
    const scores = node.map((row) => Math.tanh(row.reduce((acc, v, k) => acc + v * p[k], 0) / norm));
    const best = scores.map((s, i) => [s, i]).sort((u, v) => v[0] - u[0]).slice(0, 2).map(([, i]) => i);
    return [0, 1, 2, 3].map((k) => best.reduce((acc, i) => acc + node[i][k] * scores[i], 0) / 2);
  });
  assertClose(summary.dataSync(), expected.flat(), { tol: 1e-5, what: "summary" });
  enc.dispose();
});

Deno.test("dependency-attention: every variable, W_e included, gets a non-zero gradient", () => {
  const enc = create({ hidden: 8, heads: 2, layers: 2, pooling: "topk", topK: 3 });
  const x = batch();
  const random = new Random(9);
  const w = tf.tensor2d(Array.from({ length: 2 * 8 }, () => random.normal()), [2, 8]);
  const { grads } = tf.variableGrads(() => {
    const { services, summary } = enc.encode(x, { training: true });
    return tf.add(tf.sum(tf.mul(summary, w)), tf.sum(tf.square(services))) as Scalar;
  }, enc.variables);
  strictEqual(enc.variables.length, 2 * 7 + 1);
  ok(
    enc.variables.some((v) => v.name.endsWith("gatv2_0/W_e")) &&
      enc.variables.some((v) => v.name.endsWith("gatv2_1/W_e")),
  );
  assertNonZeroGradients(enc.variables, grads);
  enc.dispose();
});

Deno.test("dependency-attention is seeded, leaks no tensor over 100 calls, and dispose frees its variables", () => {
  const before0 = tf.memory().numTensors;
  const enc = create({ hidden: 8, heads: 2, dropout: 0.2, pooling: "topk", topK: 2 });
  const same = create({ hidden: 8, heads: 2, dropout: 0.2, pooling: "topk", topK: 2 });
  const other = create({ hidden: 8, heads: 2, dropout: 0.2, pooling: "topk", topK: 2 }, 4);
  const x = batch();
  const out = (e: DependencyAttention) => {
    const r = e.encode(x);
    const values = r.services.dataSync();
    tf.dispose([r.services as Tensor3D, r.summary as Tensor2D, r.attention]);
    return values;
  };
  assertClose(out(same), out(enc), { tol: 0, what: "same seed" });
  notDeepStrictEqual(Array.from(out(other)), Array.from(out(enc)));
  same.dispose();
  other.dispose();
  const before = tf.memory().numTensors;
  for (let k = 0; k < 100; k++) {
    const r = enc.encode(x, { training: k % 2 === 0 });
    tf.dispose([r.services as Tensor3D, r.summary as Tensor2D, r.attention]);
  }
  strictEqual(tf.memory().numTensors, before);
  enc.dispose();
  tf.dispose([x.features, x.calls]);
  strictEqual(tf.memory().numTensors, before0);
});
