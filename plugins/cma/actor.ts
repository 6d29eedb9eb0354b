/**
 * GR-MAPPO's decentralised actor: one network with weights shared by every node. For each service of a
 * node it reads [service embedding ; node vector] (the node vector = own summary, filtered message and
 * normalised node features) and outputs the logits of a categorical over the replica deltas.
 *
 * The first layer is split (x·W_s + v·W_n, the small per-node product broadcast over services), which
 * computes the same as a concatenation but is much cheaper on TensorFlow.js (see PERFORMANCE.md); the
 * network is the `_SplitMlp` (_split_mlp.ts) it shares with the critic.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Trainable } from "../../core/models.ts";
import type { Random } from "../../core/random.ts";
import { _SplitMlp } from "./_split_mlp.ts";

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
  readonly #mlp: _SplitMlp;

  /** Creates the weights. */
  constructor(options: ActorOptions) {
    const { serviceWidth, nodeWidth, hidden, actions, random } = options;
    this.#mlp = new _SplitMlp({
      rowWidth: serviceWidth,
      sharedWidth: Math.max(nodeWidth, 1),
      hidden,
      outputs: actions,
      outputGain: 0.01,
      first: "row",
      random,
    });
  }

  /** Every trainable variable, in a stable order (w_service, w_node, b, w_out, b_out). */
  get variables(): tf.Variable[] {
    return this.#mlp.variables;
  }

  /** Logits `[N,S,K]` from service embeddings `[N,S,Hs]` and node vectors `[N,Dn]`. */
  logits(services: tf.Tensor3D, node: tf.Tensor2D): tf.Tensor3D {
    return this.#mlp.apply(services, node);
  }

  /** Frees the weights. */
  dispose(): void {
    this.#mlp.dispose();
  }
}
