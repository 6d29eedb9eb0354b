import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import type { Scalar } from "@tensorflow/tfjs";
import { useBackend } from "../../../core/backend.ts";
import type { EnvSpec } from "../../../core/environment.ts";
import { InputError } from "../../../core/errors.ts";
import {
  type MlpEncoder,
  type MlpEncoderOptions,
  mlpEncoderPlugin,
} from "../../../plugins/ablation/mlp_encoder.ts";

const tf = await useBackend("wasm");

const spec: EnvSpec = {
  nodes: [{ id: "n0", kind: "edge", capacity: 5 }],
  services: ["a", "b", "c"],
  serviceFeatures: ["replicas", "cpuUtilization"],
  nodeFeatures: [],
  minReplicas: new Int32Array(3),
  maxReplicas: new Int32Array(3).fill(4),
  stepSeconds: 10,
  sloMs: 100,
};
const create = (options: Record<string, unknown>) =>
  mlpEncoderPlugin.create(options as Partial<MlpEncoderOptions>, {
    seed: 5,
    baseDir: ".",
    spec,
  }) as MlpEncoder;

const FEATURES = [[[1, 0.5], [-0.5, 2], [0.25, -1]]];
const CALLS = [[[0, 4, 0], [0, 0, 9], [0, 0, 0]]];

Deno.test("mlp encoder: a per-service MLP with mean pooling, worked out by hand", () => {
  const enc = create({ hidden: 2, layers: 2, activation: "relu" });
  const W1 = [[0.5, -1], [0.25, 0.75]], B1 = [0.1, -0.2];
  const W2 = [[1, -0.5], [2, 0.3]], B2 = [0, 0.05];
  enc.weights[0].w.assign(tf.tensor2d(W1));
  enc.weights[0].b.assign(tf.tensor1d(B1));
  enc.weights[1].w.assign(tf.tensor2d(W2));
  enc.weights[1].b.assign(tf.tensor1d(B2));
  const { services, summary, attention } = enc.encode({
    features: tf.tensor3d(FEATURES),
    calls: tf.tensor3d(CALLS),
  });
  const expected = FEATURES[0].map(([f0, f1]) => {
    const h = [0, 1].map((k) => Math.max(0, B1[k] + f0 * W1[0][k] + f1 * W1[1][k]));
    return [0, 1].map((k) => B2[k] + h[0] * W2[0][k] + h[1] * W2[1][k]);
  });
  const got = services.arraySync()[0];
  for (let i = 0; i < 3; i++) for (let k = 0; k < 2; k++) ok(Math.abs(got[i][k] - expected[i][k]) < 1e-6);
  const mean = [0, 1].map((k) => expected.reduce((acc, r) => acc + r[k], 0) / 3);
  const sum = summary.arraySync()[0];
  ok(Math.abs(sum[0] - mean[0]) < 1e-6 && Math.abs(sum[1] - mean[1]) < 1e-6);
  deepStrictEqual(attention.shape, [0]);
  // the call rates are ignored
  const other = enc.encode({ features: tf.tensor3d(FEATURES), calls: tf.zeros([1, 3, 3]) });
  deepStrictEqual(Array.from(other.services.dataSync()), Array.from(services.dataSync()));
  enc.dispose();
});

Deno.test("mlp encoder: options checked, gradients reach every variable, no tensor leaks", () => {
  throws(() => create({ hidden: 0 }), (e: Error) => e instanceof InputError && /"hidden"/.test(e.message));
  throws(() => create({ layers: 0 }), (e: Error) => e instanceof InputError && /"layers"/.test(e.message));
  throws(
    () => create({ heads: 2 }),
    (e: Error) => e instanceof InputError && /unknown option "heads"/.test(e.message),
  );
  const enc = create({});
  strictEqual(enc.hidden, 64);
  strictEqual(enc.variables.length, 4);
  const x = { features: tf.tensor3d(FEATURES), calls: tf.tensor3d(CALLS) };
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(enc.encode(x).summary)) as Scalar, enc.variables);
  for (const v of enc.variables) ok(grads[v.name].dataSync().some((g) => g !== 0), v.name);
  const before = tf.memory().numTensors;
  for (let k = 0; k < 100; k++) {
    const r = enc.encode(x);
    tf.dispose([r.services, r.summary, r.attention]);
  }
  strictEqual(tf.memory().numTensors, before);
  enc.dispose();
  strictEqual(tf.memory().numTensors, before - 4);
});
