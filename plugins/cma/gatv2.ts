/**
 * A dense, masked GATv2 layer (Brody, Alon & Yahav, "How attentive are graph attention networks?", ICLR
 * 2022; the edge-feature form of PyG's `GATv2Conv`), batched over many small graphs.
 *
 * For node `i` of graph `n`: `x_l = W_l x + b_l`, `x_r = W_r x + b_r` (`heads × C` each),
 * `score(i←j) = aᵀ LeakyReLU_0.2(x_r,i + x_l,j + W_e e_ji)`, `α_ij = softmax_j` over `N(i) ∪ {i}` (self
 * loops are always in; the self loop's edge feature is whatever `edges[n,i,i]` holds), then
 * `out_i = Σ_j α_ij x_l,j` per head, heads concatenated (`H·C`) or averaged (`C`), plus a bias.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Random } from "../../core/random.ts";
import {
  _addBias,
  _eye,
  _glorotVariable,
  _linear,
  _maskedSoftmax,
  _zerosVariable,
} from "./_attention_ops.ts";
import { _gatv2Aggregate } from "./_gatv2_aggregate.ts";
import { _gatv2Score } from "./_gatv2_score.ts";

/** Options of a {@linkcode GATv2Layer}. */
export interface GATv2Options {
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
  /** Attention dropout rate in [0, 1), applied while training (default 0). */
  dropout?: number;
  /** Prefix of the variable names, e.g. `cma/dependency-attention/layer0`. */
  name: string;
  /** Seeds the Glorot initializers. */
  random: Random;
}

/** A batch of dense graphs. */
export interface DenseGraph {
  /** Node vectors `[N,S,F]`. */
  x: tf.Tensor3D;
  /** `[N,S,S]`, 1 where node `i` receives from node `j` (row `i`, column `j`), else 0. */
  mask: tf.Tensor3D;
  /** Edge features `[N,S,S,E]`; `[n,i,j]` describes the edge j→i. */
  edges: tf.Tensor4D;
}

/** Options of one forward pass of an attention layer. */
export interface LayerForwardOptions {
  /** Enables attention dropout. */
  training?: boolean;
  /** Seed of this call's dropout mask (draw a fresh one per call). */
  dropoutSeed?: number;
}

/** What an attention layer returns. */
export interface AttentionOutput {
  /** New node vectors `[N,S,out]`. */
  out: tf.Tensor3D;
  /** Attention weights `[N,heads,S,S]`; row `i` sums to 1 over its neighbours (before dropout). */
  attention: tf.Tensor4D;
}

/** The variables of a {@linkcode GATv2Layer}. */
export interface GATv2Params {
  /** Source projection `[F,H·C]` (head-major columns `h·C + c`). */
  wLeft: tf.Variable;
  /** Source bias `[H·C]`. */
  bLeft: tf.Variable;
  /** Target projection `[F,H·C]`. */
  wRight: tf.Variable;
  /** Target bias `[H·C]`. */
  bRight: tf.Variable;
  /** Edge projection `W_e` `[E,H·C]` (no bias). */
  wEdge: tf.Variable;
  /** Attention vectors `a` `[H,C]`. */
  att: tf.Variable;
  /** Output bias `[H·C]` or `[C]`. */
  bias: tf.Variable;
}

/** A dense, masked, batched GATv2 layer with edge features; see the module doc for the maths. */
export class GATv2Layer {
  /** Its variables by role (assign to them to set hand-chosen weights). */
  readonly params: GATv2Params;
  /** Channels per head. */
  readonly channels: number;
  /** Number of heads. */
  readonly heads: number;
  /** Whether heads are concatenated. */
  readonly concat: boolean;
  /** Output width: `heads·channels` when concatenating, else `channels`. */
  readonly outputWidth: number;
  /** Attention dropout rate. */
  readonly dropout: number;

  /** Makes the layer and its seeded variables. */
  constructor(options: GATv2Options) {
    const { inputWidth, edgeWidth, channels, heads, name, random } = options;
    this.channels = channels;
    this.heads = heads;
    this.concat = options.concat ?? true;
    this.dropout = options.dropout ?? 0;
    this.outputWidth = this.concat ? heads * channels : channels;
    const hc = heads * channels;
    const v = (shape: number[], role: string) => _glorotVariable(shape, { name: `${name}/${role}`, random });
    this.params = {
      wLeft: v([inputWidth, hc], "W_l"),
      bLeft: _zerosVariable([hc], `${name}/b_l`),
      wRight: v([inputWidth, hc], "W_r"),
      bRight: _zerosVariable([hc], `${name}/b_r`),
      wEdge: v([edgeWidth, hc], "W_e"),
      att: v([heads, channels], "att"),
      bias: _zerosVariable([this.outputWidth], `${name}/bias`),
    };
  }

  /** Every variable, in a stable order. */
  get variables(): tf.Variable[] {
    const p = this.params;
    return [p.wLeft, p.bLeft, p.wRight, p.bRight, p.wEdge, p.att, p.bias];
  }

  /** Runs the layer on a batch of graphs; the caller disposes the outputs. */
  apply(graph: DenseGraph, options: LayerForwardOptions = {}): AttentionOutput {
    const [out, attention] = tf.tidy(() => {
      const { x, mask, edges } = graph;
      const [n, s] = x.shape;
      const { heads, channels, params: p } = this;
      const xl = _linear(x, { w: p.wLeft as tf.Tensor2D, b: p.bLeft as tf.Tensor1D });
      const xr = _linear(x, { w: p.wRight as tf.Tensor2D, b: p.bRight as tf.Tensor1D });
      const score = _gatv2Score({ xr, xl, edges, we: p.wEdge as tf.Tensor2D, att: p.att as tf.Tensor2D });
      const withSelf = tf.maximum(mask, _eye(s));
      let alpha = _maskedSoftmax(
        tf.transpose(score, [0, 3, 1, 2]),
        tf.reshape(withSelf, [n, 1, s, s]),
      ) as tf.Tensor4D;
      if (options.training && this.dropout > 0) {
        alpha = tf.dropout(alpha, this.dropout, undefined, options.dropoutSeed) as tf.Tensor4D;
      }
      const agg = _gatv2Aggregate(alpha, xl); // [N,S,H,C]
      const merged = this.concat ? tf.reshape(agg, [n, s, heads * channels]) : tf.mean(agg, 2);
      return [_addBias(merged as tf.Tensor3D, p.bias as tf.Tensor1D), alpha];
    });
    return { out: out as tf.Tensor3D, attention: attention as tf.Tensor4D };
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
