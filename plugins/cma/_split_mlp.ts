/**
 * The one-hidden-layer ReLU MLP shared by the actor and the critic, with its first layer split: each row
 * of `x` `[N,R,Wr]` and one shared vector `v` `[N,Ws]` per batch entry go through
 * `relu(x·W_r + (v·W_s + b)) · W_o + b_o`. The small shared product is broadcast over the rows, which
 * computes the same as concatenating `[x ; v]` per row but is much cheaper on TensorFlow.js (see
 * PERFORMANCE.md).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Trainable } from "../../core/models.ts";
import type { Random } from "../../core/random.ts";
import { _glorot, _zeros } from "./_init.ts";
import { _linear } from "./_attention_ops.ts";

/** Options of {@linkcode _SplitMlp}. */
export interface _SplitMlpOptions {
  /** Width of a row of `x`. */
  rowWidth: number;
  /** Width of the shared vector `v`. */
  sharedWidth: number;
  /** Hidden width. */
  hidden: number;
  /** Output width. */
  outputs: number;
  /** Glorot gain of the output weight (default 1). */
  outputGain?: number;
  /**
   * Which first-layer weight is drawn, and listed in `variables`, first: `W_r` (`"row"`) or `W_s`
   * (`"shared"`). It fixes the initial weights of a seed and the variables' order in checkpoints.
   */
  first: "row" | "shared";
  /** Initialisation randomness. */
  random: Random;
}

/** `relu(x·W_r + v·W_s + b) · W_o + b_o` with Glorot-uniform weights and zero biases. */
export class _SplitMlp implements Trainable {
  readonly #first: "row" | "shared";
  readonly #wRow: tf.Variable;
  readonly #wShared: tf.Variable;
  readonly #b: tf.Variable;
  readonly #wOut: tf.Variable;
  readonly #bOut: tf.Variable;

  /** Creates the weights, drawn in the order of `variables`. */
  constructor(options: _SplitMlpOptions) {
    const { rowWidth, sharedWidth, hidden, outputs, random } = options;
    this.#first = options.first;
    if (options.first === "row") {
      this.#wRow = _glorot(random, [rowWidth, hidden]);
      this.#wShared = _glorot(random, [sharedWidth, hidden]);
    } else {
      this.#wShared = _glorot(random, [sharedWidth, hidden]);
      this.#wRow = _glorot(random, [rowWidth, hidden]);
    }
    this.#b = _zeros(hidden);
    this.#wOut = _glorot(random, [hidden, outputs], options.outputGain ?? 1);
    this.#bOut = _zeros(outputs);
  }

  /** Every trainable variable: the two first-layer weights (`first` first), b, W_o, b_o. */
  get variables(): tf.Variable[] {
    const pair = this.#first === "row" ? [this.#wRow, this.#wShared] : [this.#wShared, this.#wRow];
    return [...pair, this.#b, this.#wOut, this.#bOut];
  }

  /** Outputs `[N,R,O]` from rows `[N,R,Wr]` and shared vectors `[N,Ws]`. */
  apply(rows: tf.Tensor3D, shared: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      // `_linear`'s hand-written gradient avoids tfjs-wasm's slow `transposeA/B` matmuls.
      const perEntry = _linear(shared, { w: this.#wShared as tf.Tensor2D, b: this.#b as tf.Tensor1D });
      const hidden = tf.relu(
        tf.add(_linear(rows, { w: this.#wRow as tf.Tensor2D }), tf.expandDims(perEntry, 1)),
      );
      return _linear(hidden as tf.Tensor3D, { w: this.#wOut as tf.Tensor2D, b: this.#bOut as tf.Tensor1D });
    });
  }

  /** Frees the weights. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
