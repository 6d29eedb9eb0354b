import * as tf from "@tensorflow/tfjs";
import type { EnvSpec, Observation } from "../../core/environment.ts";
import { actionMask } from "./action_mask.ts";
import type { RunningNorm } from "./obs_norm.ts";

/** Sizes of one sample (one environment copy): A nodes, S services, F and Fn features, K deltas. */
export interface _Dims {
  A: number;
  S: number;
  F: number;
  Fn: number;
  K: number;
}

/** The dims of a spec with `K` deltas. */
export function _dims(spec: EnvSpec, K: number): _Dims {
  return {
    A: spec.nodes.length,
    S: spec.services.length,
    F: spec.serviceFeatures.length,
    Fn: spec.nodeFeatures.length,
    K,
  };
}

/** Network inputs of `count` samples as host arrays (normalised features, mask penalties). */
export interface _HostBatch {
  count: number;
  features: Float32Array;
  calls: Float32Array;
  nodes: Float32Array;
  links: Float32Array;
  linkMask: Float32Array;
  maskPenalty: Float32Array;
}

/** What turning observations into a batch needs. */
export interface _BatchContext {
  spec: EnvSpec;
  dims: _Dims;
  deltas: readonly number[];
  actionMask: boolean;
  serviceNorm?: RunningNorm;
  nodeNorm?: RunningNorm;
}

/** Large negative logit of masked actions (finite, so 0·log p stays 0). */
export const _MASKED = -1e9;

/** Packs observations into one host batch. */
export function _hostBatch(observations: Observation[], ctx: _BatchContext): _HostBatch {
  const { A, S, F, Fn, K } = ctx.dims;
  const n = observations.length;
  const b: _HostBatch = {
    count: n,
    features: new Float32Array(n * A * S * F),
    calls: new Float32Array(n * A * S * S),
    nodes: new Float32Array(n * A * Fn),
    links: new Float32Array(n * A * A),
    linkMask: new Float32Array(n * A * A),
    maskPenalty: new Float32Array(n * A * S * K),
  };
  observations.forEach((o, i) => {
    const features = b.features.subarray(i * A * S * F, (i + 1) * A * S * F);
    if (ctx.serviceNorm) ctx.serviceNorm.normalize(o.services, features);
    else features.set(o.services);
    const nodes = b.nodes.subarray(i * A * Fn, (i + 1) * A * Fn);
    if (ctx.nodeNorm) ctx.nodeNorm.normalize(o.nodes, nodes);
    else nodes.set(o.nodes);
    b.calls.set(o.calls, i * A * S * S);
    b.links.set(o.links, i * A * A);
    for (let j = 0; j < A * A; j++) b.linkMask[i * A * A + j] = o.linkMask[j];
    if (ctx.actionMask) {
      const mask = actionMask(o.replicas, { spec: ctx.spec, deltas: ctx.deltas });
      const off = i * A * S * K;
      for (let j = 0; j < mask.length; j++) if (!mask[j]) b.maskPenalty[off + j] = _MASKED;
    }
  });
  return b;
}

/** The samples `indices` of a host batch, in that order. */
export function _gather(b: _HostBatch, indices: ArrayLike<number>): _HostBatch {
  const pick = (x: Float32Array) => {
    const size = x.length / b.count;
    const out = new Float32Array(indices.length * size);
    for (let i = 0; i < indices.length; i++) {
      out.set(x.subarray(indices[i] * size, (indices[i] + 1) * size), i * size);
    }
    return out;
  };
  return {
    count: indices.length,
    features: pick(b.features),
    calls: pick(b.calls),
    nodes: pick(b.nodes),
    links: pick(b.links),
    linkMask: pick(b.linkMask),
    maskPenalty: pick(b.maskPenalty),
  };
}

/** Tensors of a host batch (make them inside `tf.tidy`). */
export interface _TensorBatch {
  B: number;
  features: tf.Tensor3D;
  calls: tf.Tensor3D;
  nodes: tf.Tensor2D;
  links: tf.Tensor3D;
  linkMask: tf.Tensor3D;
  maskPenalty: tf.Tensor3D;
}

/** Uploads a host batch. */
export function _tensors(b: _HostBatch, dims: _Dims): _TensorBatch {
  const { A, S, F, Fn, K } = dims;
  const N = b.count * A;
  return {
    B: b.count,
    features: tf.tensor3d(b.features, [N, S, F]),
    calls: tf.tensor3d(b.calls, [N, S, S]),
    nodes: tf.tensor2d(b.nodes, [N, Fn]),
    links: tf.tensor3d(b.links, [b.count, A, A]),
    linkMask: tf.tensor3d(b.linkMask, [b.count, A, A]),
    maskPenalty: tf.tensor3d(b.maskPenalty, [N, S, K]),
  };
}
