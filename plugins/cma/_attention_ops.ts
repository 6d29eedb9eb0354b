/**
 * Internal tensor helpers shared by the attention layers and the ablation plugins: seeded variables with
 * stable names, a linear map whose gradient avoids the slow `transposeA/B` matmul path of tfjs-wasm, the
 * block-diagonal head matrix, and a masked softmax with exact zeros.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../core/random.ts";

/** A 32-bit FNV-1a hash of `text`, to salt seeds by name. */
export function _hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A {@linkcode Random} seeded from the run's `seed` and a `salt` naming its use (so streams differ). */
export function _seededRandom(seed: number, salt: string): Random {
  return new Random((seed ^ _hashString(salt)) >>> 0);
}

/**
 * A trainable variable named `name` (or `name_2`, `name_3`, … when that name is taken by a live
 * variable), initialised from `init`.
 */
export function _variable(init: tf.Tensor, name: string): tf.Variable {
  const registered = tf.engine().registeredVariables;
  let unique = name;
  for (let k = 2; registered[unique] !== undefined; k++) unique = `${name}_${k}`;
  const v = tf.variable(init, true, unique);
  init.dispose();
  return v;
}

/** Options of {@linkcode _glorotVariable}. */
export interface _VariableOptions {
  /** Stable name of the variable. */
  name: string;
  /** Where the initializer's seed comes from. */
  random: Random;
}

/** A Glorot-uniform variable of `shape`, seeded from `options.random`. */
export function _glorotVariable(shape: number[], options: _VariableOptions): tf.Variable {
  const seed = options.random.nextUint32();
  const init = tf.initializers.glorotUniform({ seed }).apply(shape) as tf.Tensor;
  return _variable(init, options.name);
}

/** A zero-initialised variable of `shape`. */
export function _zerosVariable(shape: number[], name: string): tf.Variable {
  return _variable(tf.zeros(shape), name);
}

/**
 * Column sums of a 2-D tensor `[M,K]` → `[K]`, as `xᵀ·1` (a matmul whose second operand is thin, which
 * tfjs-wasm does faster than `sum` over axis 0 or `1ᵀ·x`).
 */
export function _colSum(x: tf.Tensor2D): tf.Tensor1D {
  const ones = tf.ones([x.shape[0], 1]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(x, ones, true, false), [x.shape[1]]);
}

/**
 * `xᵀ·dy` `[in,out]`. tfjs-wasm repacks the second operand of a plain matmul on every call (about as
 * costly as the product itself when it is big and fresh), and its `transposeA` matmul is a slow generic
 * loop except when the result is thin. So: `xᵀ·dy` with the flag when `out ≤ 8`, else `(dyᵀ·x)ᵀ`.
 */
function weightGrad(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  return dy.shape[1] <= 8 ? tf.matMul(x, dy, true, false) : t2(tf.matMul(t2(dy), x));
}

/** A 2-D transpose. */
function t2(x: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(x, [1, 0]);
}

/** Arguments of a `tf.customGrad` function: tensors, then the save function. */
export type _GradArgs = (tf.Tensor | tf.GradSaveFunc)[];

const linearNoBias = tf.customGrad((...args: _GradArgs) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [tf.matMul(dy as tf.Tensor2D, t2(ws)), weightGrad(xs, dy as tf.Tensor2D)];
    },
  };
});

const linearBias = tf.customGrad(
  (...args: _GradArgs) => {
    const [x, w, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        const d = dy as tf.Tensor2D;
        return [tf.matMul(d, t2(ws)), weightGrad(xs, d), _colSum(d)];
      },
    };
  },
);

/**
 * `x·w (+ b)` over the last axis of `x` (any rank ≥ 2), as one 2-D matmul. The gradient uses explicit
 * transposes and plain matmuls instead of autodiff's `transposeA/B` matmuls (several times faster on
 * wasm).
 */
export function _linear<T extends tf.Tensor>(x: T, params: { w: tf.Tensor2D; b?: tf.Tensor1D }): T {
  const inner = x.shape[x.rank - 1];
  const rows = x.size / inner;
  const x2 = tf.reshape(x, [rows, inner]);
  const y = params.b ? linearBias(x2, params.w, params.b) : linearNoBias(x2, params.w);
  return tf.reshape(y, [...x.shape.slice(0, -1), params.w.shape[1]]) as T;
}

const biasAdd = tf.customGrad((...args: _GradArgs) => {
  const [x, b] = args as [tf.Tensor, tf.Tensor];
  return {
    value: tf.add(x, b),
    gradFunc: (dy: tf.Tensor) => {
      const width = dy.shape[dy.rank - 1];
      return [dy, _colSum(tf.reshape(dy, [dy.size / width, width]) as tf.Tensor2D)];
    },
  };
});

/**
 * `x + b` with `b` `[K]` broadcast over the leading axes of `x` `[…,K]`; the gradient of `b` is a column
 * sum by matmul instead of autodiff's `sum` over leading axes (which transposes first on wasm).
 */
export function _addBias<T extends tf.Tensor>(x: T, b: tf.Tensor1D): T {
  return biasAdd(x, b) as T;
}

/**
 * The `[heads·channels, heads]` 0/1 matrix whose entry `(h·C + c, h')` is 1 when `h = h'`: multiplying a
 * head-major vector by `v ⊙` it gives per-head dot products in one matmul.
 */
export function _headMask(heads: number, channels: number): tf.Tensor2D {
  const values = new Float32Array(heads * channels * heads);
  for (let h = 0; h < heads; h++) {
    for (let c = 0; c < channels; c++) values[(h * channels + c) * heads + h] = 1;
  }
  return tf.tensor2d(values, [heads * channels, heads]);
}

/** The block-diagonal `[H·C, H]` matrix built from per-head vectors `a` `[H,C]` (differentiable in `a`). */
export function _blockDiagonal(a: tf.Tensor2D): tf.Tensor2D {
  const [heads, channels] = a.shape;
  return tf.mul(tf.reshape(a, [heads * channels, 1]), _headMask(heads, channels));
}

/**
 * Softmax of `logits` over the last axis restricted to where `mask` is 1 (`mask` broadcasts against
 * `logits`). Masked entries get exactly 0; a row with no unmasked entry is all zeros (never NaN).
 */
export function _maskedSoftmax(logits: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const penalty = tf.mul(tf.sub(mask, 1), 1e9);
  return tf.mul(tf.softmax(tf.add(logits, penalty)), mask);
}

/** Applies `elu` or `relu`. */
export function _activate<T extends tf.Tensor>(x: T, activation: "elu" | "relu"): T {
  return activation === "elu" ? tf.elu(x) : tf.relu(x);
}

/** The identity matrix `[n,n]` (float32). */
export function _eye(n: number): tf.Tensor2D {
  return tf.eye(n) as tf.Tensor2D;
}

/**
 * `Σ_j x[n,i,j,:]` of `x` `[N,S,S,K]` → `[N,S,K]`, as an average pool times `S`: the pooling kernel
 * (XNNPACK) is several times faster on wasm than `sum` over a middle axis, which transposes first.
 */
export function _sumOverJ(x: tf.Tensor4D): tf.Tensor3D {
  const [n, s, , k] = x.shape;
  const pooled = tf.avgPool(tf.reshape(x, [n * s, 1, s, k]) as tf.Tensor4D, [1, s], [1, s], "valid");
  return tf.mul(tf.reshape(pooled, [n, s, k]), s);
}

/** `Σ_i x[n,i,j,:]` of `x` `[N,S,S,K]` → `[N,S,K]`, as an average pool times `S` (see {@linkcode _sumOverJ}). */
export function _sumOverI(x: tf.Tensor4D): tf.Tensor3D {
  const [n, s, , k] = x.shape;
  const pooled = tf.avgPool(x, [s, 1], [s, 1], "valid");
  return tf.mul(tf.reshape(pooled, [n, s, k]), s);
}
