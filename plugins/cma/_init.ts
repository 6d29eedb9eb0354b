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
