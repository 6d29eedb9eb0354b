import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import type { Scalar } from "@tensorflow/tfjs";
import { useBackend } from "../../../core/backend.ts";
import type { EnvSpec } from "../../../core/environment.ts";
import { InputError } from "../../../core/errors.ts";
import { type MeanFilter, meanFilterPlugin } from "../../../plugins/ablation/mean_filter.ts";

const tf = await useBackend("wasm");

const spec: EnvSpec = {
  nodes: [0, 1, 2].map((i) => ({ id: `n${i}`, kind: "edge" as const, capacity: 5 })),
  services: ["a"],
  serviceFeatures: ["replicas"],
  nodeFeatures: [],
  minReplicas: new Int32Array(3),
  maxReplicas: new Int32Array(3).fill(4),
  stepSeconds: 10,
  sloMs: 100,
};
const create = (options: Record<string, unknown>, inputWidth = 2) =>
  meanFilterPlugin.create(options, { seed: 5, baseDir: ".", spec, inputWidth }) as MeanFilter;

const NODES = [[[1, 2], [3, -4], [10, 20]]];
// node 0 hears 1 and 2, node 1 hears 0, node 2 hears nobody (the diagonal is ignored)
const MASK = [[[1, 1, 1], [1, 1, 0], [0, 0, 1]]];
const LINKS = [[[0, 5, 9], [5, 0, 7], [9, 7, 0]]];

Deno.test("mean filter: the plain mean of the linked other nodes; an isolated node gets zero", () => {
  const f = create({});
  strictEqual(f.hidden, 2);
  deepStrictEqual(f.variables, []);
  const { messages, attention } = f.filter({
    nodes: tf.tensor3d(NODES),
    links: tf.tensor3d(LINKS),
    linkMask: tf.tensor3d(MASK),
  });
  deepStrictEqual(messages.arraySync(), [[[6.5, 8], [1, 2], [0, 0]]]);
  deepStrictEqual(attention.shape, [0]);
  f.dispose();
});

Deno.test("mean filter: projects to another width without bias, gradients flow, no leaks", () => {
  throws(() => create({ hidden: 0 }), (e: Error) => e instanceof InputError && /"hidden"/.test(e.message));
  throws(
    () => create({ heads: 1 }),
    (e: Error) => e instanceof InputError && /unknown option "heads"/.test(e.message),
  );
  const f = create({ hidden: 3 });
  strictEqual(f.hidden, 3);
  const W = [[1, 0, -1], [0.5, 2, 0]];
  f.projection!.assign(tf.tensor2d(W));
  const x = { nodes: tf.tensor3d(NODES), links: tf.tensor3d(LINKS), linkMask: tf.tensor3d(MASK) };
  const m = f.filter(x).messages.arraySync()[0];
  deepStrictEqual(m[2], [0, 0, 0]);
  const expected0 = [0, 1, 2].map((k) => 6.5 * W[0][k] + 8 * W[1][k]);
  for (let k = 0; k < 3; k++) ok(Math.abs(m[0][k] - expected0[k]) < 1e-5);
  const { grads } = tf.variableGrads(() => tf.sum(f.filter(x).messages) as Scalar, f.variables);
  ok(grads[f.projection!.name].dataSync().every((g) => g !== 0));
  const before = tf.memory().numTensors;
  for (let k = 0; k < 100; k++) {
    const r = f.filter(x);
    tf.dispose([r.messages, r.attention]);
  }
  strictEqual(tf.memory().numTensors, before);
  f.dispose();
});
