import { deepEqual } from "node:assert/strict";
import { near } from "./_near.ts";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../../core/backend.ts";
import { huber, ppoLoss } from "../../../plugins/cma/ppo_loss.ts";

await useBackend("wasm");

function scalar(t: tf.Tensor): number {
  return t.dataSync()[0];
}

Deno.test("the Huber loss is quadratic inside δ and linear outside, both signs", () => {
  const values = tf.tidy(() => huber(tf.tensor1d([3, -3, 12, -12]), 10).arraySync() as number[]);
  [4.5, 4.5, 70, 70].forEach((e, i) => near(values[i], e, 1e-4));
});

Deno.test("the clipped surrogate clips for both signs of the advantage", () => {
  const before = tf.memory().numTensors;
  const r = tf.tidy(() => {
    const half = Math.log(0.5);
    const terms = ppoLoss({
      // ratios: sample 0 (A = 2): 1.5 (clipped to 1.2), 0.85; sample 1 (A = −1): 1.1, 0.6 (clipped to 0.8)
      logProbs: tf.tensor2d([[Math.log(0.75), Math.log(0.425)], [Math.log(0.55), Math.log(0.3)]]),
      oldLogProbs: tf.tensor2d([[half, half], [half, half]]),
      advantages: tf.tensor1d([2, -1]),
      entropy: tf.tensor2d([[0.5, 1], [1.5, 2]]),
      values: tf.tensor1d([0, 0]),
      oldValues: tf.tensor1d([0, 0]),
      returns: tf.tensor1d([0, 0]),
    });
    return [terms.policyLoss, terms.entropy, terms.clipFraction, terms.approxKl, terms.valueLoss].map(scalar);
  });
  // min terms: 2.4 (clipped), 1.7, −1.1, −0.8 (clipped) → −mean = −2.2/4
  near(r[0], -0.55, 1e-5);
  near(r[1], 1.25, 1e-6);
  near(r[2], 0.5, 1e-6);
  near(r[3], -(Math.log(1.5) + Math.log(0.85) + Math.log(1.1) + Math.log(0.6)) / 4, 1e-5);
  near(r[4], 0, 1e-9);
  deepEqual(tf.memory().numTensors, before);
});

Deno.test("the clipped value loss takes the larger Huber loss, on both sides of δ", () => {
  const loss = tf.tidy(() =>
    scalar(
      ppoLoss({
        logProbs: tf.zeros([3, 1]) as tf.Tensor2D,
        oldLogProbs: tf.zeros([3, 1]) as tf.Tensor2D,
        advantages: tf.zeros([3]) as tf.Tensor1D,
        entropy: tf.zeros([3, 1]) as tf.Tensor2D,
        values: tf.tensor1d([0.5, 20, 3]),
        oldValues: tf.tensor1d([0, 30, 3.5]),
        returns: tf.tensor1d([1, 5, 14]),
      }, { huberDelta: 10, valueClip: 0.2 }).valueLoss,
    )
  );
  // 0: clipped V 0.2 → e 0.8 → 0.32 vs e 0.5 → 0.125: 0.32
  // 1: clipped V 29.8 → e −24.8 → 10·19.8 = 198 vs e −15 → 100: 198
  // 2: clipped V 3.3 → e 10.7 → 57 vs e 11 → 60: 60
  near(loss, (0.32 + 198 + 60) / 3, 1e-3);
});
