import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import type { Scalar, Tensor3D } from "@tensorflow/tfjs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { useBackend } from "../../../core/backend.ts";
import type { EnvSpec } from "../../../core/environment.ts";
import { InputError } from "../../../core/errors.ts";
import type { FilterContext } from "../../../core/plugin.ts";
import { Random } from "../../../core/random.ts";
import {
  type InformationAttention,
  type InformationAttentionOptions,
  informationAttentionPlugin,
  informationAttentionSchema,
} from "../../../plugins/cma/information_attention.ts";
import { assertNonZeroGradients } from "./_gradients.ts";
import { assertClose } from "./_near.ts";

const tf = await useBackend("wasm");

const A = 4, HIN = 6;
const spec: EnvSpec = {
  nodes: [0, 1, 2, 3].map((i) => ({ id: `n${i}`, kind: i === 3 ? "cloud" : "edge", capacity: 10 })),
  services: ["a", "b"],
  serviceFeatures: ["replicas"],
  nodeFeatures: [],
  minReplicas: new Int32Array(A * 2),
  maxReplicas: new Int32Array(A * 2).fill(3),
  stepSeconds: 15,
  sloMs: 100,
};
const context = (seed = 7): FilterContext => ({ seed, baseDir: ".", spec, inputWidth: HIN });

function create(options: Record<string, unknown>, seed = 7): InformationAttention {
  return informationAttentionPlugin.create(
    options as Partial<InformationAttentionOptions>,
    context(seed),
  ) as InformationAttention;
}

const random = new Random(21);
const NODES = Array.from({ length: 2 * A * HIN }, () => random.normal());
const LINKS = [
  [[0, 5, 40, 80], [5, 0, 20, 60], [40, 20, 0, 30], [80, 60, 30, 0]],
  [[0, 2, 2, 50], [2, 0, 2, 50], [2, 2, 0, 50], [50, 50, 50, 0]],
];
// copy 0: node 3 hears nobody (only its diagonal); copy 1: fully linked
const MASK = [
  [[1, 1, 1, 0], [1, 1, 0, 1], [1, 1, 1, 0], [0, 0, 0, 1]],
  [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]],
];
const batch = (links = LINKS, mask = MASK) => ({
  nodes: tf.tensor3d(NODES, [2, A, HIN]),
  links: tf.tensor3d(links),
  linkMask: tf.tensor3d(mask),
});

Deno.test("information-attention options: defaults, and nonsense rejected with the option named", () => {
  const f = create({});
  strictEqual(f.hidden, 64);
  strictEqual(f.layers.length, 1);
  strictEqual(f.layers[0].heads, 2);
  strictEqual(f.layers[0].beta, false);
  strictEqual(f.layers[0].root, true);
  f.dispose();
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ hidden: 0 }, /"hidden"/],
    [{ heads: 0 }, /"heads"/],
    [{ hidden: 9, heads: 2 }, /"hidden" \(9\) must be divisible by "heads" \(2\)/],
    [{ dropout: 1 }, /"dropout"/],
    [{ layers: 0 }, /"layers"/],
    [{ beta: "yes" }, /"beta" must be a boolean/],
    [{ latencyScaleMs: 0 }, /"latencyScaleMs" must be a number > 0/],
    [{ heads: 2, head: 2 }, /unknown option "head"/],
  ];
  for (const [options, message] of bad) {
    throws(() => create(options), (e: Error) => e instanceof InputError && message.test(e.message));
  }
  const ajv = new Ajv2020({ useDefaults: true, strict: true });
  const validate = ajv.compile(informationAttentionSchema);
  const options: Record<string, unknown> = {};
  ok(validate(options));
  deepStrictEqual(options, {
    hidden: 64,
    heads: 2,
    layers: 1,
    concat: true,
    beta: false,
    root: true,
    dropout: 0,
    activation: "elu",
    latencyScaleMs: 10,
  });
  ok(!validate({ latencyScaleMs: 0 }) && !validate({ typo: true }));
});

Deno.test("information-attention attends over the linked other nodes with log1p-scaled latency edges", () => {
  const f = create({ hidden: 8, heads: 2, beta: true });
  const x = batch();
  const { messages, attention } = f.filter(x);
  deepStrictEqual(messages.shape, [2, A, 8]);
  deepStrictEqual(attention.shape, [2, 2, A, A]);
  // The layer run on the mask (diagonal removed) and edge features worked out by hand gives the same.
  const mask = MASK.map((m) => m.map((r, i) => r.map((v, j) => (i === j ? 0 : v))));
  const edges = LINKS.map((m) => m.map((r) => r.map((v) => [Math.log(1 + v / 10)])));
  const direct = f.layers[0].apply({ x: x.nodes, mask: tf.tensor3d(mask), edges: tf.tensor4d(edges) });
  assertClose(messages.dataSync(), direct.out.dataSync(), { tol: 1e-6, what: "messages" });
  const a = attention.arraySync() as number[][][][];
  for (let h = 0; h < 2; h++) {
    for (let i = 0; i < A; i++) {
      strictEqual(a[0][h][i][i], 0, "no self attention");
      strictEqual(a[1][h][i][i], 0, "no self attention");
      ok(Math.abs(a[1][h][i].reduce((p, q) => p + q, 0) - 1) < 1e-6, "rows sum to 1");
    }
    strictEqual(a[0][h][0][3], 0, "unlinked pair");
    deepStrictEqual(a[0][h][3], [0, 0, 0, 0], "isolated node");
  }
  ok(
    Math.abs(a[1][0][3][0] - a[1][0][3][1]) > 1e-3 || Math.abs(a[1][0][0][1] - a[1][0][0][3]) > 1e-3,
    "unequal",
  );
  f.dispose();
});

Deno.test("information-attention: an isolated node's message is exactly zero without the root weight, never NaN", () => {
  const f = create({ hidden: 8, heads: 2, root: false, layers: 2 });
  const { messages } = f.filter(batch());
  const m = messages.arraySync();
  deepStrictEqual(m[0][3], [0, 0, 0, 0, 0, 0, 0, 0]);
  ok(messages.dataSync().every(Number.isFinite));
  ok(m[0][0].some((v) => v !== 0));
  f.dispose();
  const g = create({ hidden: 8, heads: 2 });
  const out = g.filter(batch()).messages.arraySync()[0][3];
  const layer = g.layers[0];
  const skip = tf.add(
    tf.matMul(tf.tensor2d([NODES.slice(3 * HIN, 4 * HIN)]), layer.params.wSkip!),
    layer.params.bSkip!,
  );
  assertClose(out, skip.dataSync(), { tol: 1e-6, what: "root term only" });
  g.dispose();
});

Deno.test("information-attention output changes with the links' latency and mask", () => {
  const f = create({ hidden: 8, heads: 2 });
  const base = f.filter(batch()).messages.dataSync();
  const slower = LINKS.map((m) => m.map((r) => r.slice()));
  slower[0][0][1] = 90;
  const changed = f.filter(batch(slower)).messages.dataSync();
  ok(Math.abs(changed[0] - base[0]) > 1e-4, "a slower link changes what node 0 hears");
  assertClose(changed.slice(A * 8), base.slice(A * 8), { tol: 1e-7, what: "the other copy is untouched" });
  const cut = MASK.map((m) => m.map((r) => r.slice()));
  cut[0][0][2] = 0;
  const rewired = f.filter(batch(LINKS, cut)).messages.dataSync();
  ok(Math.abs(rewired[0] - base[0]) > 1e-4, "a cut link changes what node 0 hears");
  f.dispose();
});

Deno.test("information-attention: every variable, W_e included, gets a non-zero gradient", () => {
  const f = create({ hidden: 8, heads: 2, beta: true, layers: 2 });
  const x = batch();
  const w = tf.tensor3d(Array.from({ length: 2 * A * 8 }, () => random.normal()), [2, A, 8]);
  const { grads } = tf.variableGrads(
    () => tf.sum(tf.mul(tf.tanh(f.filter(x, { training: true }).messages), w)) as Scalar,
    f.variables,
  );
  strictEqual(f.variables.length, 2 * 9);
  assertNonZeroGradients(f.variables, grads);
  f.dispose();
});

Deno.test("information-attention is seeded and leaks no tensor over 100 calls", () => {
  const before0 = tf.memory().numTensors;
  const f = create({ hidden: 8, heads: 2, dropout: 0.3 });
  const same = create({ hidden: 8, heads: 2, dropout: 0.3 });
  const x = batch();
  const run = (filter: InformationAttention) => {
    const r = filter.filter(x);
    const values = r.messages.dataSync();
    tf.dispose([r.messages as Tensor3D, r.attention]);
    return values;
  };
  assertClose(run(same), run(f), { tol: 0, what: "same seed" });
  same.dispose();
  const before = tf.memory().numTensors;
  for (let k = 0; k < 100; k++) {
    const r = f.filter(x, { training: k % 2 === 0 });
    tf.dispose([r.messages as Tensor3D, r.attention]);
  }
  strictEqual(tf.memory().numTensors, before);
  f.dispose();
  tf.dispose([x.nodes, x.links, x.linkMask]);
  strictEqual(tf.memory().numTensors, before0);
});
