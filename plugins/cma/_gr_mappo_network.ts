import * as tf from "@tensorflow/tfjs";
import type { DependencyEncoder, MessageFilter } from "../../core/models.ts";
import type { Actor } from "./actor.ts";
import type { Critic } from "./critic.ts";
import type { _Dims, _TensorBatch } from "./_gr_mappo_batch.ts";

/** The networks of one GR-MAPPO policy. */
export interface _Networks {
  dims: _Dims;
  encoder: DependencyEncoder;
  filter: MessageFilter;
  actor: Actor;
  critic: Critic;
}

/** Outputs of {@linkcode _forward}. */
export interface _ForwardResult {
  /** Masked logits `[N,S,K]`. */
  logits: tf.Tensor3D;
  /** Normalised values `[B,A]` (when asked for). */
  values?: tf.Tensor2D;
  /** The encoder's attention. */
  dependency: tf.Tensor;
  /** The filter's attention. */
  information: tf.Tensor;
}

/**
 * One forward pass: encoder over each node's services (N = B·A), filter over nodes, actor per
 * (node, service), and optionally the centralised critic. Call inside `tf.tidy` or a gradient function.
 */
export function _forward(
  nets: _Networks,
  x: _TensorBatch,
  options: { values: boolean; training?: boolean },
): _ForwardResult {
  const { A } = nets.dims;
  const B = x.B, N = B * A;
  const training = options.training ?? false;
  const encoding = nets.encoder.encode({ features: x.features, calls: x.calls }, { training });
  const He = nets.encoder.hidden;
  const summaries = tf.reshape(encoding.summary, [B, A, He]) as tf.Tensor3D;
  const filtered = nets.filter.filter({ nodes: summaries, links: x.links, linkMask: x.linkMask }, {
    training,
  });
  const Hf = nets.filter.hidden;
  const messages2d = tf.reshape(filtered.messages, [N, Hf]) as tf.Tensor2D;
  const parts: tf.Tensor2D[] = [encoding.summary, messages2d];
  if (nets.dims.Fn > 0) parts.push(x.nodes);
  const nodeVector = tf.concat(parts, 1) as tf.Tensor2D;
  const logits = tf.add(nets.actor.logits(encoding.services, nodeVector), x.maskPenalty) as tf.Tensor3D;
  let values: tf.Tensor2D | undefined;
  if (options.values) {
    const both = tf.concat([filtered.messages, summaries], 2);
    const pool = tf.mean(both, 1) as tf.Tensor2D;
    values = nets.critic.values(pool, filtered.messages);
  }
  return { logits, values, dependency: encoding.attention, information: filtered.attention };
}
