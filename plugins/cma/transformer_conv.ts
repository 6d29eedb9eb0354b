/**
 * A dense, masked TransformerConv layer (Shi et al., "Masked label prediction: unified message passing
 * model for semi-supervised classification", IJCAI 2021; PyG's `TransformerConv` with `edge_dim`),
 * batched over many small graphs.
 *
 * For node `i`: `q_i = W_q x_i + b_q`, `k_j = W_k x_j`, `v_j = W_v x_j + b_v`, `ê_ji = W_e e_ji`
 * (no bias), `α_ij = softmax_j(q_i · (k_j + ê_ji) / √C)` over the `j` with `mask[i][j] = 1`, and the
 * message `m_i = Σ_j α_ij (v_j + ê_ji)`, heads concatenated or averaged. **No self loop is added**: a node
 * attends only to what its mask row allows, and a node whose row is empty gets an all-zero attention row
 * and an exactly zero message (never NaN). Then the root weight: `out_i = m_i + W_skip x_i + b_skip`, or
 * with the β gate `out_i = β W_skip x_i + (1-β) m_i`, `β = σ(W_β [m_i ; x_r ; m_i - x_r])` (`x_r` the root
 * term); with `root: false`, `out_i = m_i`.
 *
 * Unlike PyG, the key has no bias: `q_i · b_k` is the same for every `j`, so the softmax cancels it and
 * it could never receive a gradient.
 *
 * The edge term is computed without materialising `[N,S,S,H·C]`: `q_i · ê_ji = Σ_e e_ji,e (q_i · W_e,e)`
 * and `Σ_j α_ij ê_ji = Σ_e (Σ_j α_ij e_ji,e) W_e,e`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Random } from "../../core/random.ts";
import { _glorotVariable, _headMask, _linear, _maskedSoftmax, _zerosVariable } from "./_attention_ops.ts";
import type { AttentionOutput, DenseGraph, LayerForwardOptions } from "./gatv2.ts";

/** Options of a {@linkcode TransformerConvLayer}. */
export interface TransformerConvOptions {
  /** Width `F` of the input node vectors. */
  inputWidth: number;
  /** Width `E` of the edge features. */
  edgeWidth: number;
  /** Channels per head `C`. */
  channels: number;
  /** Number of heads `H`. */
  heads: number;
  /** Concatenate the heads (`H·C` outputs, default) or average them (`C` outputs). */
  concat?: boolean;
  /** Add the root weight `W_skip x_i + b_skip` (default true). */
  root?: boolean;
  /** Gate message and root term with PyG's β (needs `root`; default false). */
  beta?: boolean;
  /** Attention dropout rate in [0, 1), applied while training (default 0). */
  dropout?: number;
  /** Prefix of the variable names. */
  name: string;
  /** Seeds the Glorot initializers. */
  random: Random;
}

/** The variables of a {@linkcode TransformerConvLayer}; `wSkip`, `bSkip` and `wBeta` only when used. */
export interface TransformerConvParams {
  /** Query projection `[F,H·C]` (head-major columns). */
  wQuery: tf.Variable;
  /** Query bias `[H·C]`. */
  bQuery: tf.Variable;
  /** Key projection `[F,H·C]` (no bias: the softmax would cancel it). */
  wKey: tf.Variable;
  /** Value projection `[F,H·C]`. */
  wValue: tf.Variable;
  /** Value bias `[H·C]`. */
  bValue: tf.Variable;
  /** Edge projection `W_e` `[E,H·C]` (no bias). */
  wEdge: tf.Variable;
  /** Root weight `[F,out]`. */
  wSkip?: tf.Variable;
  /** Root bias `[out]`. */
  bSkip?: tf.Variable;
  /** β gate weight `[3·out,1]` (no bias). */
  wBeta?: tf.Variable;
}

/** A dense, masked, batched TransformerConv layer with edge features; see the module doc for the maths. */
export class TransformerConvLayer {
  /** Its variables by role (assign to them to set hand-chosen weights). */
  readonly params: TransformerConvParams;
  /** Channels per head. */
  readonly channels: number;
  /** Number of heads. */
  readonly heads: number;
  /** Whether heads are concatenated. */
  readonly concat: boolean;
  /** Whether the root weight is added. */
  readonly root: boolean;
  /** Whether the β gate is used. */
  readonly beta: boolean;
  /** Output width: `heads·channels` when concatenating, else `channels`. */
  readonly outputWidth: number;
  /** Attention dropout rate. */
  readonly dropout: number;
  #headMask: tf.Tensor2D;

  /** Makes the layer and its seeded variables. */
  constructor(options: TransformerConvOptions) {
    const { inputWidth, edgeWidth, channels, heads, name, random } = options;
    this.channels = channels;
    this.heads = heads;
    this.concat = options.concat ?? true;
    this.root = options.root ?? true;
    this.beta = this.root && (options.beta ?? false);
    this.dropout = options.dropout ?? 0;
    const hc = heads * channels;
    const out = this.concat ? hc : channels;
    this.outputWidth = out;
    const v = (shape: number[], role: string) => _glorotVariable(shape, { name: `${name}/${role}`, random });
    this.params = {
      wQuery: v([inputWidth, hc], "W_q"),
      bQuery: _zerosVariable([hc], `${name}/b_q`),
      wKey: v([inputWidth, hc], "W_k"),
      wValue: v([inputWidth, hc], "W_v"),
      bValue: _zerosVariable([hc], `${name}/b_v`),
      wEdge: v([edgeWidth, hc], "W_e"),
    };
    if (this.root) {
      this.params.wSkip = v([inputWidth, out], "W_skip");
      this.params.bSkip = _zerosVariable([out], `${name}/b_skip`);
    }
    if (this.beta) this.params.wBeta = v([3 * out, 1], "W_beta");
    this.#headMask = tf.keep(_headMask(heads, channels));
  }

  /** Every variable, in a stable order. */
  get variables(): tf.Variable[] {
    const p = this.params;
    const list = [p.wQuery, p.bQuery, p.wKey, p.wValue, p.bValue, p.wEdge];
    if (p.wSkip && p.bSkip) list.push(p.wSkip, p.bSkip);
    if (p.wBeta) list.push(p.wBeta);
    return list;
  }

  /** Runs the layer on a batch of graphs (`mask` as given, no self loops added); the caller disposes the outputs. */
  apply(graph: DenseGraph, options: LayerForwardOptions = {}): AttentionOutput {
    const [out, attention] = tf.tidy(() => {
      const { x, mask, edges } = graph;
      const [b, a] = x.shape;
      const e = edges.shape[3];
      const { heads: h, channels: c, params: p } = this;
      const lin = (w?: tf.Variable, bias?: tf.Variable) =>
        _linear(x, { w: w as tf.Tensor2D, b: bias as tf.Tensor1D | undefined });
      const q = lin(p.wQuery, p.bQuery);
      const heads4 = (t: tf.Tensor3D) => tf.transpose(tf.reshape(t, [b, a, h, c]), [0, 2, 1, 3]);
      const qh = heads4(q) as tf.Tensor4D; // [B,H,A,C]
      const khT = tf.transpose(tf.reshape(lin(p.wKey), [b, a, h, c]), [0, 2, 3, 1]); // [B,H,C,A]
      const vh = heads4(lin(p.wValue, p.bValue)) as tf.Tensor4D;
      // weBlk[(h,c),(h',e)] = W_e[e,(h,c)] when h = h': per-head dot products with each edge dimension.
      const weT = tf.transpose(p.wEdge, [1, 0]);
      const weBlk = tf.reshape(
        tf.mul(tf.reshape(weT, [h * c, 1, e]), tf.reshape(this.#headMask, [h * c, h, 1])),
        [h * c, h * e],
      ) as tf.Tensor2D;
      const qe = tf.transpose(tf.reshape(_linear(q, { w: weBlk }), [b * a, h, e]), [0, 2, 1]); // [B·A,E,H]
      const edgeScore = tf.matMul(tf.reshape(edges, [b * a, a, e]) as tf.Tensor3D, qe as tf.Tensor3D);
      const score = tf.add(
        tf.matMul(qh, khT as tf.Tensor4D),
        tf.transpose(tf.reshape(edgeScore, [b, a, a, h]), [0, 3, 1, 2]),
      );
      let alpha = _maskedSoftmax(tf.div(score, Math.sqrt(c)), tf.reshape(mask, [b, 1, a, a])) as tf.Tensor4D;
      if (options.training && this.dropout > 0) {
        alpha = tf.dropout(alpha, this.dropout, undefined, options.dropoutSeed) as tf.Tensor4D;
      }
      const valueMsg = tf.transpose(tf.matMul(alpha, vh), [0, 2, 1, 3]); // [B,A,H,C]
      const alphaEdges = tf.matMul(tf.transpose(alpha, [0, 2, 1, 3]), edges); // [B,A,H,E]
      const edgeMsg = _linear(tf.reshape(alphaEdges, [b, a, h * e]), { w: tf.transpose(weBlk, [1, 0]) });
      const msg = tf.add(valueMsg, tf.reshape(edgeMsg, [b, a, h, c]));
      let result = (this.concat ? tf.reshape(msg, [b, a, h * c]) : tf.mean(msg, 2)) as tf.Tensor3D;
      if (this.root) {
        const skip = lin(p.wSkip, p.bSkip);
        if (this.beta) {
          const gateIn = tf.concat([result, skip, tf.sub(result, skip)], 2) as tf.Tensor3D;
          const beta = tf.sigmoid(_linear(gateIn, { w: p.wBeta as tf.Tensor2D }));
          result = tf.add(tf.mul(beta, skip), tf.mul(tf.sub(1, beta), result));
        } else {
          result = tf.add(result, skip);
        }
      }
      return [result, alpha];
    });
    return { out: out as tf.Tensor3D, attention: attention as tf.Tensor4D };
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.#headMask.dispose();
  }
}
