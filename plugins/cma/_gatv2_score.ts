/**
 * The hot spot of GATv2, written for tfjs-wasm: the attention score
 * `s[n,i,j,h] = Σ_c a[h,c] · LeakyReLU_0.2(z[n,i,j,h,c])` with `z = x_r,i + x_l,j + W_e e_ji`.
 *
 * `LeakyReLU_0.2(z) = 0.6·z + 0.4·|z|`, so the score splits into a linear part (computed on small
 * per-node tensors, never materialising `[N,S,S,H·C]`) and `0.4 · aᵀ|z|`, whose forward and backward are
 * hand-written here: one dense `[N,S,S,H·C]` tensor `z` is built (and saved for the backward), `|z|` is
 * multiplied by the block-diagonal matrix of `a` in one matmul, and the backward uses `step` (fast) for
 * the sign and a few sums over the node axes; the gradient of `a` is assembled from those sums. No
 * `leakyRelu`, `prelu`, `tile` or `broadcastTo` is involved (all slow on wasm, see PERFORMANCE.md), and no
 * matmul takes a big fresh second operand (tfjs-wasm repacks the second operand on every call).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { _blockDiagonal, _colSum, type _GradArgs, _linear, _sumOverI, _sumOverJ } from "./_attention_ops.ts";

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
  /** Attention vectors `a` `[H,C]`. */
  att: tf.Tensor2D;
}

/** The GATv2 scores `[N,S,S,H]` (`[n,i,j,h]` = how much `i` attends to `j` in head `h`, before softmax). */
export function _gatv2Score(input: _Gatv2ScoreInput): tf.Tensor4D {
  const { xr, xl, edges, we, att } = input;
  const [n, s, hc] = xr.shape;
  const heads = att.shape[0];
  const ablk = _blockDiagonal(att);
  // Linear part: 0.6 · (aᵀx_r,i + aᵀx_l,j + aᵀW_e e_ji), on [N,S,S,H] tensors only.
  const ar = tf.reshape(_linear(xr, { w: ablk }), [n, s, 1, heads]);
  const al = tf.reshape(_linear(xl, { w: ablk }), [n, 1, s, heads]);
  const ae = _linear(edges, { w: _linear(we, { w: ablk }) as tf.Tensor2D });
  const linear = tf.add(tf.add(ae, ar), al);
  const absolute = absScore(edges, { n, s, hc, heads })(xr, xl, we, att) as tf.Tensor4D;
  return tf.add(tf.mul(linear, 0.6), tf.mul(absolute, 0.4));
}

interface Dims {
  n: number;
  s: number;
  hc: number;
  heads: number;
}

/**
 * `aᵀ|z|` `[N,S,S,H]` with a hand-written gradient; `edges` is captured as a constant.
 *
 * Backward, with `t = sign(z) ⊙ dy` (dy broadcast over channels): `dx_r = a ⊙ Σ_j t`,
 * `dx_l = a ⊙ Σ_i t`, `dW_e = a ⊙ Σ_m e_m t_m`, and `da = Σ_m |z_m| dy_m = Σ_m z_m ⊙ t_m`, which splits
 * along `z = x_r,i + x_l,j + W_e e_ji` into `Σ x_r ⊙ Σ_j t + Σ x_l ⊙ Σ_i t + W_e ⊙ Σ_m e_m t_m`: sums
 * already computed, so `|z|` is never needed again.
 */
function absScore(edges: tf.Tensor4D, dims: Dims) {
  const { n, s, hc, heads } = dims;
  const m = n * s * s;
  const e = edges.shape[3];
  let kept: tf.Tensor | undefined;
  const op = tf.customGrad(
    (...args: _GradArgs) => {
      const [xr, xl, we, att, save] = args as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.GradSaveFunc,
      ];
      const e2 = tf.reshape(edges, [m, e]) as tf.Tensor2D;
      // Tensors of [N,S,S,H·C] are freed (with every reshaped view of them) as soon as they are used,
      // to keep the peak memory low.
      const ewFlat = tf.matMul(e2, we as tf.Tensor2D);
      const ew = tf.reshape(ewFlat, [n, s, s, hc]);
      const partial = tf.add(ew, tf.reshape(xr, [n, s, 1, hc]));
      tf.dispose([ewFlat, ew]);
      const z = tf.add(partial, tf.reshape(xl, [n, 1, s, hc]));
      partial.dispose();
      const absZ = tf.abs(z);
      const absFlat = tf.reshape(absZ, [m, hc]) as tf.Tensor2D;
      const value = tf.reshape(tf.matMul(absFlat, _blockDiagonal(att as tf.Tensor2D)), [n, s, s, heads]);
      tf.dispose([absZ, absFlat]);
      save([e2, xr, xl, we, att]);
      // `save` copies every tensor on wasm; z (the one big tensor the backward needs) is kept instead and
      // handed to the tape node below, which disposes it with the other saved tensors.
      if (recordingThisOp()) kept = tf.keep(z);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [es, xrs, xls, wes, as, zs] = saved;
          const aFlat = tf.reshape(as, [hc]);
          const sign = tf.step(zs, -1);
          zs.dispose(); // no longer needed; the tape's later dispose of it is a no-op
          const sign3 = tf.reshape(sign, [m, heads, hc / heads]);
          const t = tf.mul(sign3, tf.reshape(dy, [m, heads, 1]));
          tf.dispose([sign, sign3]);
          const t4 = tf.reshape(t, [n, s, s, hc]) as tf.Tensor4D;
          const sumJ = _sumOverJ(t4); // [N,S,HC]
          const sumI = _sumOverI(t4); // [N,S,HC]
          // Σ_m e_m t_m, one edge dimension at a time: e ⊙ t, then the sum over j and over the rest.
          const sumE = tf.stack(
            Array.from({ length: e }, (_, k) => {
              const ek = e === 1 ? es : tf.slice(es as tf.Tensor2D, [0, k], [m, 1]);
              const weighted = tf.mul(t4, tf.reshape(ek, [n, s, s, 1])) as tf.Tensor4D;
              const partialSum = _sumOverJ(weighted);
              weighted.dispose();
              return _colSum(tf.reshape(partialSum, [n * s, hc]) as tf.Tensor2D);
            }),
          ) as tf.Tensor2D; // [E,HC]
          tf.dispose([t, t4]);
          const flat = (x: tf.Tensor) => tf.reshape(x, [n * s, hc]) as tf.Tensor2D;
          const da = tf.addN([
            _colSum(flat(tf.mul(xrs, sumJ))),
            _colSum(flat(tf.mul(xls, sumI))),
            tf.sum(tf.mul(wes, sumE), 0),
          ]);
          return [
            tf.mul(sumJ, aFlat),
            tf.mul(sumI, aFlat),
            tf.mul(sumE, aFlat),
            tf.reshape(da, as.shape),
          ];
        },
      };
    },
  );
  return (xr: tf.Tensor, xl: tf.Tensor, we: tf.Tensor, att: tf.Tensor): tf.Tensor => {
    kept = undefined;
    const value = op(xr, xl, we, att);
    if (kept) attachToTape(value, kept);
    return value;
  };
}

/** The parts of tfjs' engine state used below (tfjs-core 4.22). */
interface EngineTapeState {
  gradientDepth: number;
  kernelDepth: number;
  activeTape: { outputs: tf.Tensor[]; saved: tf.Tensor[] }[] | null;
}

function engineState(): EngineTapeState {
  return tf.engine().state as unknown as EngineTapeState;
}

/** True inside a custom op's forward when the op is being recorded on a gradient tape. */
function recordingThisOp(): boolean {
  const state = engineState();
  return state.gradientDepth > 0 && state.kernelDepth === 1;
}

/** Appends `tensor` to the saved tensors of the tape node that produced `output` (the last one). */
function attachToTape(output: tf.Tensor, tensor: tf.Tensor): void {
  const tape = engineState().activeTape;
  const node = tape?.[tape.length - 1];
  if (!node || node.outputs[0] !== output) {
    tensor.dispose();
    throw new Error("GATv2 score: the gradient tape is not laid out as in tfjs-core 4.22");
  }
  node.saved.push(tensor);
}
