import * as tf from "@tensorflow/tfjs";
import type { Random } from "../../core/random.ts";

/** A trainable variable `[fanIn, fanOut]` drawn Glorot-uniform from `random`, scaled by `gain`. */
export function _glorot(random: Random, shape: [number, number], gain = 1): tf.Variable {
  const [fanIn, fanOut] = shape;
  const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = (2 * random.next() - 1) * limit;
  return tf.tidy(() => tf.variable(tf.tensor2d(values, shape), true));
}

/** A trainable zero vector of length `n`. */
export function _zeros(n: number): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zeros([n]), true));
}

/** `x` `[N,R,I]` times `w` `[I,O]` → `[N,R,O]`, as one plain 2-D matmul. */
export function _matmul3(x: tf.Tensor3D, w: tf.Tensor2D): tf.Tensor3D {
  const [n, r, i] = x.shape;
  return tf.reshape(tf.matMul(tf.reshape(x, [n * r, i]), w), [n, r, w.shape[1]]);
}
