/**
 * GR-MAPPO's centralised critic: one value per node from [pool of the copy ; own message], where the
 * pool is the mean over the copy's nodes of [message ; summary]. Split first layer as in the actor (the
 * same `_SplitMlp` (_split_mlp.ts)).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Trainable } from "../../core/models.ts";
import type { Random } from "../../core/random.ts";
import { _SplitMlp } from "./_split_mlp.ts";

/** Options of {@linkcode Critic}. */
export interface CriticOptions {
  /** Width of the pooled vector of a copy. */
  poolWidth: number;
  /** Width of a node's own vector. */
  ownWidth: number;
  /** Hidden width. */
  hidden: number;
  /** Initialisation randomness. */
  random: Random;
}

/** The centralised critic (ReLU MLP, one hidden layer, linear normalised value). */
export class Critic implements Trainable {
  readonly #mlp: _SplitMlp;

  /** Creates the weights. */
  constructor(options: CriticOptions) {
    const { poolWidth, ownWidth, hidden, random } = options;
    this.#mlp = new _SplitMlp({
      rowWidth: ownWidth,
      sharedWidth: poolWidth,
      hidden,
      outputs: 1,
      first: "shared",
      random,
    });
  }

  /** Every trainable variable, in a stable order (w_pool, w_own, b, w_value, b_value). */
  get variables(): tf.Variable[] {
    return this.#mlp.variables;
  }

  /** Normalised values `[B,A]` from pooled vectors `[B,P]` and own vectors `[B,A,O]`. */
  values(pool: tf.Tensor2D, own: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => tf.squeeze(this.#mlp.apply(own, pool), [2]) as tf.Tensor2D);
  }

  /** Frees the weights. */
  dispose(): void {
    this.#mlp.dispose();
  }
}
