/**
 * CMA's information attention (`cma/information-attention`): a {@linkcode MessageFilter} that runs stacked
 * TransformerConv layers over the nodes of each environment copy, with the network links as the graph.
 *
 * Node `i` hears node `j ≠ i` where `linkMask[i][j] = 1` (the diagonal is ignored: a node's own vector
 * reaches the output through the root weight, not through attention); the edge feature of that pair is
 * `log1p(latency_ms / latencyScaleMs)`. A node that hears nobody gets an all-zero attention row and an
 * exactly zero aggregated message, so its output is its root term alone (exactly zero with `root: false`),
 * never NaN. Between layers an ELU (or ReLU) is applied. The attention of the last layer is returned as
 * `[B,heads,A,A]`.
 *
 * @example
 * ```ts
 * import { informationAttentionPlugin } from "./information_attention.ts";
 * console.assert(informationAttentionPlugin.kind === "filter");
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { FilteredMessages, ForwardOptions, MessageFilter, NodeBatch } from "../../core/models.ts";
import { defineFilter, type FilterPlugin, type JsonSchema } from "../../core/plugin.ts";
import type { Random } from "../../core/random.ts";
import { _activate, _eye, _seededRandom } from "./_attention_ops.ts";
import { _checkHeads, _OPTION, _optionsSchema, _resolveOptions } from "./_attention_options.ts";
import { TransformerConvLayer } from "./transformer_conv.ts";

const NAME = "cma/information-attention";

/** Options of `cma/information-attention` (all have defaults). */
export interface InformationAttentionOptions {
  /** Output width `H` (default 64). */
  hidden: number;
  /** Attention heads (default 2). */
  heads: number;
  /** Stacked TransformerConv layers (default 1). */
  layers: number;
  /** Concatenate heads (default true) or average them. */
  concat: boolean;
  /** PyG's β gate between message and root term (default false). */
  beta: boolean;
  /** Add the root weight `W_skip x_i` (default true). */
  root: boolean;
  /** Attention dropout while training (default 0). */
  dropout: number;
  /** Activation between layers (default `"elu"`). */
  activation: "elu" | "relu";
  /** Latency scale: the edge feature is `log1p(latency / latencyScaleMs)` (default 10 ms). */
  latencyScaleMs: number;
}

const SCHEMA = _optionsSchema({
  hidden: _OPTION.hidden(64),
  heads: _OPTION.heads(2),
  layers: _OPTION.layers(1),
  concat: _OPTION.concat,
  beta: {
    type: "boolean",
    default: false,
    description: "Gate message and root term with a learned β (PyG TransformerConv's beta); needs root.",
  },
  root: {
    type: "boolean",
    default: true,
    description: "Add the root weight W_skip·x_i to the attended message (PyG's root_weight).",
  },
  dropout: _OPTION.dropout,
  activation: _OPTION.activation,
  latencyScaleMs: {
    type: "number",
    exclusiveMinimum: 0,
    default: 10,
    description: "Latency scale in ms: the edge feature is log1p(latency / latencyScaleMs).",
  },
});

/** JSON Schema of {@linkcode InformationAttentionOptions}. */
export const informationAttentionSchema: JsonSchema = SCHEMA;

/** What an {@linkcode InformationAttention} is built from. */
export interface InformationAttentionSetup {
  /** Width of the node vectors it receives. */
  inputWidth: number;
  /** The run's seed. */
  seed: number;
}

/** The information-attention filter; see the module doc. */
export class InformationAttention implements MessageFilter {
  /** Output width `H`. */
  readonly hidden: number;
  /** The stacked TransformerConv layers. */
  readonly layers: TransformerConvLayer[];
  readonly #options: InformationAttentionOptions;
  readonly #inputWidth: number;
  readonly #dropoutRandom: Random;

  /** Makes the filter with validated options (see {@linkcode informationAttentionPlugin}). */
  constructor(options: InformationAttentionOptions, setup: InformationAttentionSetup) {
    this.#options = options;
    this.#inputWidth = setup.inputWidth;
    this.hidden = options.hidden;
    const random = _seededRandom(setup.seed, NAME);
    this.#dropoutRandom = _seededRandom(setup.seed, `${NAME}/dropout`);
    const channels = options.concat ? options.hidden / options.heads : options.hidden;
    this.layers = Array.from({ length: options.layers }, (_, l) =>
      new TransformerConvLayer({
        inputWidth: l === 0 ? setup.inputWidth : options.hidden,
        edgeWidth: 1,
        channels,
        heads: options.heads,
        concat: options.concat,
        root: options.root,
        beta: options.beta,
        dropout: options.dropout,
        name: `${NAME}/transformer_conv_${l}`,
        random,
      }));
  }

  /** Every variable, layer by layer. */
  get variables(): tf.Variable[] {
    return this.layers.flatMap((l) => l.variables);
  }

  /** Filters `B` copies of `A` nodes; the caller disposes the returned tensors. */
  filter(x: NodeBatch, options: ForwardOptions = {}): FilteredMessages {
    const { nodes, links, linkMask } = x;
    const [b, a, width] = nodes.shape;
    if (width !== this.#inputWidth) {
      throw new Error(`${NAME}: nodes must be [B,A,${this.#inputWidth}], got [${nodes.shape}]`);
    }
    for (const [label, t] of [["links", links], ["linkMask", linkMask]] as const) {
      if (t.shape[0] !== b || t.shape[1] !== a || t.shape[2] !== a) {
        throw new Error(`${NAME}: ${label} must be [${b},${a},${a}], got [${t.shape}]`);
      }
    }
    const training = options.training === true;
    const seeds = this.layers.map(() => (training ? this.#dropoutRandom.nextUint32() : undefined));
    const [messages, attention] = tf.tidy(() => {
      const mask = tf.mul(linkMask, tf.sub(1, _eye(a))) as tf.Tensor3D; // others only
      const scaled = tf.div(tf.relu(links), this.#options.latencyScaleMs);
      const edges = tf.reshape(tf.log1p(scaled), [b, a, a, 1]) as tf.Tensor4D;
      let h: tf.Tensor3D = nodes;
      let attention: tf.Tensor4D | undefined;
      this.layers.forEach((layer, l) => {
        const r = layer.apply({ x: h, mask, edges }, { training, dropoutSeed: seeds[l] });
        h = l < this.layers.length - 1 ? _activate(r.out, this.#options.activation) : r.out;
        attention = r.attention;
      });
      return [h, attention!];
    });
    return { messages: messages as tf.Tensor3D, attention };
  }

  /** Frees the variables. */
  dispose(): void {
    for (const layer of this.layers) layer.dispose();
  }
}

/** The `cma/information-attention` filter plugin (register it with the built-ins). */
export const informationAttentionPlugin: FilterPlugin<Partial<InformationAttentionOptions>> = defineFilter<
  Partial<InformationAttentionOptions>
>({
  name: NAME,
  description:
    "CMA's information attention: TransformerConv over the node graph with the network links as edges and latency as edge feature.",
  options: SCHEMA,
  create(options, context) {
    const resolved = _resolveOptions<InformationAttentionOptions>(SCHEMA, {
      options,
      plugin: NAME,
    });
    _checkHeads(resolved, NAME);
    return new InformationAttention(resolved, { inputWidth: context.inputWidth, seed: context.seed });
  },
});
