/**
 * GR-MAPPO's centralised critic: one value per node from [pool of the copy ; own message], where the
 * pool is the mean over the copy's nodes of [message ; summary]. Split first layer as in the actor.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Trainable } from "../../core/models.ts";
import type { Random } from "../../core/random.ts";
import { _glorot, _matmul3, _zeros } from "./_init.ts";

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
  readonly #wp: tf.Variable;
  readonly #wo: tf.Variable;
  readonly #b: tf.Variable;
  readonly #wv: tf.Variable;
  readonly #bv: tf.Variable;

  /** Creates the weights. */
  constructor(options: CriticOptions) {
    const { poolWidth, ownWidth, hidden, random } = options;
    this.#wp = _glorot(random, [poolWidth, hidden]);
    this.#wo = _glorot(random, [ownWidth, hidden]);
    this.#b = _zeros(hidden);
    this.#wv = _glorot(random, [hidden, 1]);
    this.#bv = _zeros(1);
  }

  /** Every trainable variable, in a stable order (w_pool, w_own, b, w_value, b_value). */
  get variables(): tf.Variable[] {
    return [this.#wp, this.#wo, this.#b, this.#wv, this.#bv];
  }

  /** Normalised values `[B,A]` from pooled vectors `[B,P]` and own vectors `[B,A,O]`. */
  values(pool: tf.Tensor2D, own: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => {
      const perCopy = tf.add(tf.matMul(pool, this.#wp as tf.Tensor2D), this.#b);
      const hidden = tf.relu(tf.add(_matmul3(own, this.#wo as tf.Tensor2D), tf.expandDims(perCopy, 1)));
      const value = tf.add(_matmul3(hidden as tf.Tensor3D, this.#wv as tf.Tensor2D), this.#bv);
      return tf.squeeze(value, [2]) as tf.Tensor2D;
    });
  }

  /** Frees the weights. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
