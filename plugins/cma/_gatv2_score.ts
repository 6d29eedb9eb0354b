/**
 * The hot spot of GATv2, written for tfjs-wasm: the attention score
 * `s[n,i,j,h] = Σ_c a[h,c] · LeakyReLU_0.2(z[n,i,j,h,c])` with `z = x_r,i + x_l,j + W_e e_ji`.
 *
 * `LeakyReLU_0.2(z) = 0.6·z + 0.4·|z|`, so the score splits into a linear part (computed on small
 * per-node tensors, never materialising `[N,S,S,H·C]`) and `0.4 · aᵀ|z|`, whose forward and backward are
 * hand-written here: one dense `[N,S,S,H·C]` tensor `z` is built (and saved for the backward), `|z|` is
 * multiplied by the block-diagonal matrix of `a` in one matmul, and the backward uses `step` (fast) for
 * the sign, sums over the node axes and plain matmuls with explicit transposes. No `leakyRelu`, `prelu`,
 * `tile`, `broadcastTo` or `transposeA/B` matmul is involved (all slow on wasm, see PERFORMANCE.md).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type _GradArgs, _linear } from "./_attention_ops.ts";

/** Inputs of {@linkcode _gatv2Score}. */
export interface _Gatv2ScoreInput {
  /** Target-side projections `x_r` `[N,S,H·C]`. */
  xr: tf.Tensor3D;
  /** Source-side projections `x_l` `[N,S,H·C]`. */
  xl: tf.Tensor3D;
  /** Edge features `[N,S,S,E]` (`[n,i,j]` is the edge j→i); a constant (no gradient). */
  edges: tf.Tensor4D;
  /** Edge weight `W_e` `[E,H·C]`. */
  we: tf.Tensor2D;
  /** Block-diagonal attention matrix `[H·C,H]` built from `a` `[H,C]`. */
  ablk: tf.Tensor2D;
}

/** The GATv2 scores `[N,S,S,H]` (`[n,i,j,h]` = how much `i` attends to `j` in head `h`, before softmax). */
export function _gatv2Score(input: _Gatv2ScoreInput): tf.Tensor4D {
  const { xr, xl, edges, we, ablk } = input;
  const [n, s, hc] = xr.shape;
  const heads = ablk.shape[1];
  // Linear part: 0.6 · (aᵀx_r,i + aᵀx_l,j + aᵀW_e e_ji), on [N,S,S,H] tensors only.
  const ar = tf.reshape(_linear(xr, { w: ablk }), [n, s, 1, heads]);
  const al = tf.reshape(_linear(xl, { w: ablk }), [n, 1, s, heads]);
  const ae = _linear(edges, { w: _linear(we, { w: ablk }) as tf.Tensor2D });
  const linear = tf.add(tf.add(ae, ar), al);
  const absolute = absScore(edges, { n, s, hc, heads })(xr, xl, we, ablk) as tf.Tensor4D;
  return tf.add(tf.mul(linear, 0.6), tf.mul(absolute, 0.4));
}

interface Dims {
  n: number;
  s: number;
  hc: number;
  heads: number;
}

/** `aᵀ|z|` `[N,S,S,H]` with a hand-written gradient; `edges` is captured as a constant. */
function absScore(edges: tf.Tensor4D, dims: Dims) {
  const { n, s, hc, heads } = dims;
  const m = n * s * s;
  const e = edges.shape[3];
  return tf.customGrad(
    (...args: _GradArgs) => {
      const [xr, xl, we, ablk, save] = args as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.GradSaveFunc,
      ];
      const e2 = tf.reshape(edges, [m, e]) as tf.Tensor2D;
      let z = tf.reshape(tf.matMul(e2, we as tf.Tensor2D), [n, s, s, hc]);
      z = tf.add(z, tf.reshape(xr, [n, s, 1, hc]));
      z = tf.add(z, tf.reshape(xl, [n, 1, s, hc]));
      const value = tf.reshape(
        tf.matMul(tf.reshape(tf.abs(z), [m, hc]) as tf.Tensor2D, ablk as tf.Tensor2D),
        [n, s, s, heads],
      );
      save([z, e2, ablk]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [zs, es, as] = saved;
          const dy2 = tf.reshape(dy, [m, heads]) as tf.Tensor2D;
          // a as a flat head-major vector [H·C] (the row sums of the block-diagonal matrix).
          const aFlat = tf.sum(as, 1);
          // t = sign(z) ⊙ dy (broadcast over channels); the factor a is applied after the sums.
          const sign = tf.reshape(tf.step(zs, -1), [m, heads, hc / heads]);
          const t = tf.reshape(tf.mul(sign, tf.reshape(dy2, [m, heads, 1])), [n, s, s, hc]);
          const dxr = tf.mul(tf.sum(t, 2), aFlat);
          const dxl = tf.mul(tf.sum(t, 1), aFlat);
          const eT = e === 1
            ? tf.reshape(es, [1, m]) as tf.Tensor2D
            : tf.transpose(es as tf.Tensor2D, [1, 0]);
          const dwe = tf.mul(tf.matMul(eT, tf.reshape(t, [m, hc]) as tf.Tensor2D), aFlat);
          const absZ = tf.reshape(tf.abs(zs), [m, hc]) as tf.Tensor2D;
          const dyT = heads === 1 ? tf.reshape(dy2, [1, m]) as tf.Tensor2D : tf.transpose(dy2, [1, 0]);
          const dablk = tf.transpose(tf.matMul(dyT, absZ), [1, 0]);
          return [dxr, dxl, dwe, dablk];
        },
      };
    },
  );
}
