/**
 * The `mlp` encoder, the ablation of CMA's dependency attention: a per-service MLP (shared weights, no
 * attention, the call rates are ignored) and the mean of the services as the node summary. Its attention
 * is an empty tensor.
 *
 * @example
 * ```ts
 * import { mlpEncoderPlugin } from "./mlp_encoder.ts";
 * console.assert(mlpEncoderPlugin.name === "mlp");
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { DependencyEncoder, ServiceBatch, ServiceEncoding } from "../../core/models.ts";
import { defineEncoder, type EncoderPlugin, type JsonSchema } from "../../core/plugin.ts";
import { _activate, _glorotVariable, _linear, _seededRandom, _zerosVariable } from "../cma/_attention_ops.ts";
import { _OPTION, _optionsSchema, _resolveOptions } from "../cma/_attention_options.ts";

const NAME = "mlp";

/** Options of the `mlp` encoder (all have defaults). */
export interface MlpEncoderOptions {
  /** Output width `H` and width of the hidden layers (default 64). */
  hidden: number;
  /** Linear layers (default 2); the activation goes between them, not after the last. */
  layers: number;
  /** Activation between layers (default `"elu"`). */
  activation: "elu" | "relu";
}

const SCHEMA = _optionsSchema({
  hidden: {
    type: "integer",
    minimum: 1,
    default: 64,
    description: "Output width H (and the width of the hidden layers).",
  },
  layers: _OPTION.layers(2),
  activation: _OPTION.activation,
});

/** JSON Schema of {@linkcode MlpEncoderOptions}. */
export const mlpEncoderSchema: JsonSchema = SCHEMA;

/** The per-service MLP encoder; see the module doc. */
export class MlpEncoder implements DependencyEncoder {
  /** Output width `H`. */
  readonly hidden: number;
  /** Weights `[in,H]` and biases `[H]` of each layer. */
  readonly weights: { w: tf.Variable; b: tf.Variable }[];
  readonly #activation: "elu" | "relu";
  readonly #inputWidth: number;

  /** Makes the encoder with validated options; `setup` gives the feature width and the seed. */
  constructor(options: MlpEncoderOptions, setup: { inputWidth: number; seed: number }) {
    this.hidden = options.hidden;
    this.#activation = options.activation;
    this.#inputWidth = setup.inputWidth;
    const random = _seededRandom(setup.seed, NAME);
    this.weights = Array.from({ length: options.layers }, (_, l) => ({
      w: _glorotVariable([l === 0 ? setup.inputWidth : options.hidden, options.hidden], {
        name: `${NAME}/dense_${l}/W`,
        random,
      }),
      b: _zerosVariable([options.hidden], `${NAME}/dense_${l}/b`),
    }));
  }

  /** Every variable, layer by layer. */
  get variables(): tf.Variable[] {
    return this.weights.flatMap(({ w, b }) => [w, b]);
  }

  /** Encodes `N` nodes' services (`calls` is not used); the caller disposes the returned tensors. */
  encode(x: ServiceBatch): ServiceEncoding {
    const { features } = x;
    if (features.shape[2] !== this.#inputWidth) {
      throw new Error(`${NAME}: features must be [N,S,${this.#inputWidth}], got [${features.shape}]`);
    }
    const [services, summary] = tf.tidy(() => {
      let h: tf.Tensor3D = features;
      this.weights.forEach(({ w, b }, l) => {
        h = _linear(h, { w: w as tf.Tensor2D, b: b as tf.Tensor1D });
        if (l < this.weights.length - 1) h = _activate(h, this.#activation);
      });
      return [h, tf.mean(h, 1)];
    });
    return { services: services as tf.Tensor3D, summary: summary as tf.Tensor2D, attention: tf.zeros([0]) };
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/** The `mlp` encoder plugin (register it with the built-ins). */
export const mlpEncoderPlugin: EncoderPlugin<Partial<MlpEncoderOptions>> = defineEncoder<
  Partial<MlpEncoderOptions>
>({
  name: NAME,
  description: "Ablation of the dependency attention: a per-service MLP with mean pooling, no attention.",
  options: SCHEMA,
  create(options, context) {
    const resolved = _resolveOptions<MlpEncoderOptions>(SCHEMA, { options, plugin: NAME });
    return new MlpEncoder(resolved, { inputWidth: context.spec.serviceFeatures.length, seed: context.seed });
  },
});
