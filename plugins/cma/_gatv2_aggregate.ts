/**
 * The aggregation of GATv2, written for tfjs-wasm: `out[n,i,h,:] = Σ_j α[n,h,i,j] · x_l[n,j,h,:]`.
 *
 * A batched matmul of `[N,H,S,S]` by `[N,H,S,C]` costs tfjs-wasm a few microseconds per (graph, head)
 * however small the matrices are (the second operand is repacked per batch entry). Here the products
 * are formed by one broadcast multiply into `[N,S,S,H·C]` and summed over `j` by an average pool times
 * `S` (fast on wasm, unlike `sum` over a middle axis); the gradient of `x_l` is the same construction
 * summed over `i`, and the gradient of `α` stays a batched matmul. About 1.5× faster forward and
 * backward at the reference size.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type _GradArgs, _sumOverI, _sumOverJ } from "./_attention_ops.ts";

/**
 * `Σ_j α[n,h,i,j] · x_l[n,j,h,c]` as `[N,S,H,C]`, from attention `alpha` `[N,H,S,S]` and source
 * projections `xl` `[N,S,H·C]` (head-major columns); differentiable in both.
 */
export function _gatv2Aggregate(alpha: tf.Tensor4D, xl: tf.Tensor3D): tf.Tensor4D {
  return aggregate(alpha, xl) as tf.Tensor4D;
}

const aggregate = tf.customGrad((...args: _GradArgs) => {
  const [alpha, xl, save] = args as [tf.Tensor4D, tf.Tensor3D, tf.GradSaveFunc];
  const [n, heads, s] = alpha.shape;
  const hc = xl.shape[2], c = hc / heads;
  // α with the heads last, `[N,S(i),S(j),H]`.
  const alphaLast = tf.transpose(alpha, [0, 2, 3, 1]);
  save([alphaLast, xl]);
  const products = tf.mul(tf.reshape(alphaLast, [n, s, s, heads, 1]), tf.reshape(xl, [n, 1, s, heads, c]));
  const value = tf.reshape(_sumOverJ(tf.reshape(products, [n, s, s, hc]) as tf.Tensor4D), [n, s, heads, c]);
  products.dispose();
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [alphaLastS, xlS] = saved;
      // dx_l[n,j,h,:] = Σ_i α[n,h,i,j] · dy[n,i,h,:]
      const weighted = tf.mul(
        tf.reshape(alphaLastS, [n, s, s, heads, 1]),
        tf.reshape(dy, [n, s, 1, heads, c]),
      );
      const dxl = _sumOverI(tf.reshape(weighted, [n, s, s, hc]) as tf.Tensor4D);
      weighted.dispose();
      // dα[n,h,i,j] = Σ_c dy[n,i,h,c] · x_l[n,j,h,c]
      const headMajor = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [n, s, heads, c]), [0, 2, 1, 3]);
      const dAlpha = tf.matMul(headMajor(dy) as tf.Tensor4D, headMajor(xlS) as tf.Tensor4D, false, true);
      return [dAlpha, dxl];
    },
  };
});
