/**
 * The `mean` filter, the ablation of CMA's information attention: each node's message is the plain mean
 * of the vectors of the other nodes it is linked to (`linkMask[i][j] = 1`, `j ≠ i`; latency is ignored).
 * A node linked to nobody gets an exactly zero message. When `hidden` differs from the width of the
 * incoming vectors, the mean is projected by one linear layer without bias (so zero stays zero); when it
 * is equal or not given, there is no projection and no variable. Its attention is an empty tensor.
 *
 * @example
 * ```ts
 * import { meanFilterPlugin } from "./mean_filter.ts";
 * console.assert(meanFilterPlugin.name === "mean");
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { FilteredMessages, MessageFilter, NodeBatch } from "../../core/models.ts";
import { defineFilter, type FilterPlugin, type JsonSchema } from "../../core/plugin.ts";
import { _eye, _glorotVariable, _linear, _seededRandom } from "../cma/_attention_ops.ts";
import { _optionsSchema, _resolveOptions } from "../cma/_attention_options.ts";

const NAME = "mean";

/** Options of the `mean` filter. */
export interface MeanFilterOptions {
  /** Output width; default: the width of the incoming node vectors (then nothing is learned). */
  hidden?: number;
}

const SCHEMA = _optionsSchema({
  hidden: {
    type: "integer",
    minimum: 1,
    description:
      "Output width; when it differs from the incoming width the mean is projected by a linear layer " +
      "without bias. Default: the incoming width (no projection).",
  },
});

/** JSON Schema of {@linkcode MeanFilterOptions}. */
export const meanFilterSchema: JsonSchema = SCHEMA;

/** The mean filter; see the module doc. */
export class MeanFilter implements MessageFilter {
  /** Output width. */
  readonly hidden: number;
  /** The projection `[in,hidden]`, when the widths differ. */
  readonly projection?: tf.Variable;
  readonly #inputWidth: number;

  /** Makes the filter; `setup` gives the incoming width and the seed. */
  constructor(options: MeanFilterOptions, setup: { inputWidth: number; seed: number }) {
    this.#inputWidth = setup.inputWidth;
    this.hidden = options.hidden ?? setup.inputWidth;
    if (this.hidden !== setup.inputWidth) {
      this.projection = _glorotVariable([setup.inputWidth, this.hidden], {
        name: `${NAME}/projection`,
        random: _seededRandom(setup.seed, NAME),
      });
    }
  }

  /** The projection, if any. */
  get variables(): tf.Variable[] {
    return this.projection ? [this.projection] : [];
  }

  /** Averages what each node hears; the caller disposes the returned tensors. */
  filter(x: NodeBatch): FilteredMessages {
    const { nodes, linkMask } = x;
    const [, a, width] = nodes.shape;
    if (width !== this.#inputWidth) {
      throw new Error(`${NAME}: nodes must be [B,A,${this.#inputWidth}], got [${nodes.shape}]`);
    }
    const messages = tf.tidy(() => {
      const others = tf.mul(linkMask, tf.sub(1, _eye(a))); // [B,A,A]
      const count = tf.maximum(tf.sum(others, 2, true), 1);
      const mean = tf.matMul(tf.div(others, count) as tf.Tensor3D, nodes);
      return this.projection ? _linear(mean, { w: this.projection as tf.Tensor2D }) : mean;
    });
    return { messages: messages as tf.Tensor3D, attention: tf.zeros([0]) };
  }

  /** Frees the projection. */
  dispose(): void {
    this.projection?.dispose();
  }
}

/** The `mean` filter plugin (register it with the built-ins). */
export const meanFilterPlugin: FilterPlugin<MeanFilterOptions> = defineFilter<MeanFilterOptions>({
  name: NAME,
  description: "Ablation of the information attention: the plain mean of the linked nodes' vectors.",
  options: SCHEMA,
  create(options, context) {
    const resolved = _resolveOptions<MeanFilterOptions>(SCHEMA, { options, plugin: NAME });
    return new MeanFilter(resolved, { inputWidth: context.inputWidth, seed: context.seed });
  },
});
