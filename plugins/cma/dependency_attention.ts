/**
 * CMA's dependency attention (`cma/dependency-attention`): a {@linkcode DependencyEncoder} that runs
 * stacked GATv2 layers over each node's services, with the observed call rates as the graph.
 *
 * Service `i` (a caller) attends to service `j` (a callee) where `calls[i][j] > 0`, and always to itself;
 * the edge feature of that pair is `log1p(calls[i][j])` (req/s), so call intensity shapes the attention
 * score through `W_e` (the self loop's feature is `log1p(calls[i][i])`, normally 0). Between layers an
 * ELU (or ReLU) is applied. The node summary is the mean of the service embeddings, or top-k pooling
 * (PyG's `TopKPooling`: a learned score `tanh(h·p/‖p‖)` per service, the `topK` best services kept,
 * gated by their score and averaged). The attention of the last layer is returned as `[N,heads,S,S]`.
 *
 * @example
 * ```ts
 * import { dependencyAttentionPlugin } from "./dependency_attention.ts";
 * console.assert(dependencyAttentionPlugin.name === "cma/dependency-attention");
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { InputError } from "../../core/errors.ts";
import type { DependencyEncoder, ForwardOptions, ServiceBatch, ServiceEncoding } from "../../core/models.ts";
import { defineEncoder, type EncoderPlugin, type JsonSchema } from "../../core/plugin.ts";
import type { Random } from "../../core/random.ts";
import { _activate, _glorotVariable, _linear, _seededRandom } from "./_attention_ops.ts";
import { _checkHeads, _OPTION, _optionsSchema, _resolveOptions } from "./_attention_options.ts";
import { GATv2Layer } from "./gatv2.ts";

const NAME = "cma/dependency-attention";

/** Options of `cma/dependency-attention` (all have defaults). */
export interface DependencyAttentionOptions {
  /** Output width `H` (default 64). */
  hidden: number;
  /** Attention heads (default 2). */
  heads: number;
  /** Stacked GATv2 layers (default 1). */
  layers: number;
  /** Concatenate heads (default true) or average them. */
  concat: boolean;
  /** Attention dropout while training (default 0). */
  dropout: number;
  /** Activation between layers (default `"elu"`). */
  activation: "elu" | "relu";
  /** Node summary: mean of the services (default) or top-k pooling. */
  pooling: "mean" | "topk";
  /** Services kept by top-k pooling (default 4, at most the number of services). */
  topK: number;
}

const SCHEMA = _optionsSchema({
  hidden: _OPTION.hidden(64),
  heads: _OPTION.heads(2),
  layers: _OPTION.layers(1),
  concat: _OPTION.concat,
  dropout: _OPTION.dropout,
  activation: _OPTION.activation,
  pooling: {
    enum: ["mean", "topk"],
    default: "mean",
    description: "Node summary: the mean of the service embeddings, or top-k pooling.",
  },
  topK: {
    type: "integer",
    minimum: 1,
    default: 4,
    description: 'With pooling "topk": how many services (by learned score) the summary averages.',
  },
});

/** JSON Schema of {@linkcode DependencyAttentionOptions}. */
export const dependencyAttentionSchema: JsonSchema = SCHEMA;

/** What a {@linkcode DependencyAttention} is built from. */
export interface DependencyAttentionSetup {
  /** Per-service feature width `F`. */
  inputWidth: number;
  /** Number of services `S`. */
  services: number;
  /** The run's seed. */
  seed: number;
}

/** The dependency-attention encoder; see the module doc. */
export class DependencyAttention implements DependencyEncoder {
  /** Output width `H`. */
  readonly hidden: number;
  /** The stacked GATv2 layers. */
  readonly layers: GATv2Layer[];
  /** The top-k pooling projection `p` `[H,1]`, when pooling is `"topk"`. */
  readonly pool?: tf.Variable;
  readonly #options: DependencyAttentionOptions;
  readonly #setup: DependencyAttentionSetup;
  readonly #dropoutRandom: Random;

  /** Makes the encoder with validated options (see {@linkcode dependencyAttentionPlugin}). */
  constructor(options: DependencyAttentionOptions, setup: DependencyAttentionSetup) {
    this.#options = options;
    this.#setup = setup;
    this.hidden = options.hidden;
    const random = _seededRandom(setup.seed, NAME);
    this.#dropoutRandom = _seededRandom(setup.seed, `${NAME}/dropout`);
    const channels = options.concat ? options.hidden / options.heads : options.hidden;
    this.layers = Array.from({ length: options.layers }, (_, l) =>
      new GATv2Layer({
        inputWidth: l === 0 ? setup.inputWidth : options.hidden,
        edgeWidth: 1,
        channels,
        heads: options.heads,
        concat: options.concat,
        dropout: options.dropout,
        name: `${NAME}/gatv2_${l}`,
        random,
      }));
    if (options.pooling === "topk") {
      this.pool = _glorotVariable([options.hidden, 1], { name: `${NAME}/pool`, random });
    }
  }

  /** Every variable, layer by layer, then the pooling projection. */
  get variables(): tf.Variable[] {
    return [...this.layers.flatMap((l) => l.variables), ...(this.pool ? [this.pool] : [])];
  }

  /** Encodes `N` nodes' services; the caller disposes the returned tensors. */
  encode(x: ServiceBatch, options: ForwardOptions = {}): ServiceEncoding {
    const { features, calls } = x;
    const [n, s, f] = features.shape;
    if (f !== this.#setup.inputWidth || s !== this.#setup.services) {
      throw new Error(
        `${NAME}: features must be [N,${this.#setup.services},${this.#setup.inputWidth}], got [${features.shape}]`,
      );
    }
    if (calls.shape[0] !== n || calls.shape[1] !== s || calls.shape[2] !== s) {
      throw new Error(`${NAME}: calls must be [${n},${s},${s}], got [${calls.shape}]`);
    }
    const training = options.training === true;
    const seeds = this.layers.map(() => (training ? this.#dropoutRandom.nextUint32() : undefined));
    const [services, summary, attention] = tf.tidy(() => {
      const mask = tf.step(calls) as tf.Tensor3D; // 1 where calls > 0
      const edges = tf.reshape(tf.log1p(tf.relu(calls)), [n, s, s, 1]) as tf.Tensor4D;
      let h: tf.Tensor3D = features;
      let attention: tf.Tensor4D | undefined;
      this.layers.forEach((layer, l) => {
        const r = layer.apply({ x: h, mask, edges }, { training, dropoutSeed: seeds[l] });
        h = l < this.layers.length - 1 ? _activate(r.out, this.#options.activation) : r.out;
        attention = r.attention;
      });
      return [h, this.#summary(h), attention!];
    });
    return {
      services: services as tf.Tensor3D,
      summary: summary as tf.Tensor2D,
      attention,
    };
  }

  #summary(h: tf.Tensor3D): tf.Tensor2D {
    if (!this.pool) return tf.mean(h, 1);
    const [n, s, hidden] = h.shape;
    const k = this.#options.topK;
    const score = tf.reshape(
      tf.tanh(tf.div(_linear(h, { w: this.pool as tf.Tensor2D }), tf.norm(this.pool))),
      [
        n,
        s,
      ],
    );
    // The selection itself carries no gradient: pick the top k on a detached copy of the scores.
    const detached = tf.tensor2d(score.dataSync(), [n, s]);
    const chosen = tf.sum(tf.cast(tf.oneHot(tf.topk(detached, k).indices, s), "float32"), 1);
    const weights = tf.reshape(tf.div(tf.mul(chosen, score), k), [n, 1, s]) as tf.Tensor3D;
    return tf.reshape(tf.matMul(weights, h), [n, hidden]);
  }

  /** Frees the variables. */
  dispose(): void {
    for (const layer of this.layers) layer.dispose();
    this.pool?.dispose();
  }
}

/** The `cma/dependency-attention` encoder plugin (register it with the built-ins). */
export const dependencyAttentionPlugin: EncoderPlugin<Partial<DependencyAttentionOptions>> = defineEncoder<
  Partial<DependencyAttentionOptions>
>({
  name: NAME,
  description:
    "CMA's dependency attention: GATv2 over each node's services with the observed call rates as edges and edge features.",
  options: SCHEMA,
  create(options, context) {
    const resolved = _resolveOptions<DependencyAttentionOptions>(SCHEMA, {
      options,
      plugin: NAME,
    });
    _checkHeads(resolved, NAME);
    const services = context.spec.services.length;
    if (resolved.pooling === "topk" && resolved.topK > services) {
      throw new InputError(
        `${NAME}: option "topK" (${resolved.topK}) must be at most the number of services (${services})`,
      );
    }
    return new DependencyAttention(resolved, {
      inputWidth: context.spec.serviceFeatures.length,
      services,
      seed: context.seed,
    });
  },
});
