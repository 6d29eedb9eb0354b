/**
 * GR-MAPPO's decentralised actor: one network with weights shared by every node. For each service of a
 * node it reads [service embedding ; node vector] (the node vector = own summary, filtered message and
 * normalised node features) and outputs the logits of a categorical over the replica deltas.
 *
 * The first layer is split (x·W_s + v·W_n, the small per-node product broadcast over services), which
 * computes the same as a concatenation but is much cheaper on TensorFlow.js (see PERFORMANCE.md).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Trainable } from "../../core/models.ts";
import type { Random } from "../../core/random.ts";
import { _glorot, _matmul3, _zeros } from "./_init.ts";

/** Options of {@linkcode Actor}. */
export interface ActorOptions {
  /** Width of a service embedding. */
  serviceWidth: number;
  /** Width of the per-node vector. */
  nodeWidth: number;
  /** Hidden width. */
  hidden: number;
  /** Number of actions per head (replica deltas). */
  actions: number;
  /** Initialisation randomness. */
  random: Random;
}

/** The shared per-node actor (ReLU MLP, one hidden layer, output gain 0.01 as in MAPPO). */
export class Actor implements Trainable {
  readonly #ws: tf.Variable;
  readonly #wn: tf.Variable;
  readonly #b: tf.Variable;
  readonly #wo: tf.Variable;
  readonly #bo: tf.Variable;

  /** Creates the weights. */
  constructor(options: ActorOptions) {
    const { serviceWidth, nodeWidth, hidden, actions, random } = options;
    this.#ws = _glorot(random, [serviceWidth, hidden]);
    this.#wn = _glorot(random, [Math.max(nodeWidth, 1), hidden]);
    this.#b = _zeros(hidden);
    this.#wo = _glorot(random, [hidden, actions], 0.01);
    this.#bo = _zeros(actions);
  }

  /** Every trainable variable, in a stable order (w_service, w_node, b, w_out, b_out). */
  get variables(): tf.Variable[] {
    return [this.#ws, this.#wn, this.#b, this.#wo, this.#bo];
  }

  /** Logits `[N,S,K]` from service embeddings `[N,S,Hs]` and node vectors `[N,Dn]`. */
  logits(services: tf.Tensor3D, node: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const perNode = tf.add(tf.matMul(node, this.#wn as tf.Tensor2D), this.#b);
      const hidden = tf.relu(tf.add(_matmul3(services, this.#ws as tf.Tensor2D), tf.expandDims(perNode, 1)));
      return tf.add(_matmul3(hidden as tf.Tensor3D, this.#wo as tf.Tensor2D), this.#bo) as tf.Tensor3D;
    });
  }

  /** Frees the weights. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
