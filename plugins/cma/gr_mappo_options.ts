/**
 * The options of the `cma/gr-mappo` policy: defaults and the JSON Schema that validates them.
 *
 * @module
 */

/** Every option of GR-MAPPO, defaults filled in. */
export interface GrMappoOptions {
  /** Replica deltas each service's categorical chooses among (default [-1, 0, 1]). */
  deltas: number[];
  /** Mask deltas that would leave [min, max] or exceed the node's capacity (default true). */
  actionMask: boolean;
  /** Hidden width of the actor (default 64). */
  actorHidden: number;
  /** Hidden width of the critic (default 64). */
  criticHidden: number;
  /** Learning rate of the actor's Adam (default 5e-4); it also trains the encoder and filter. */
  lr: number;
  /** Learning rate of the critic's Adam (default 5e-4). */
  criticLr: number;
  /** ε of both Adam optimisers (default 1e-5). */
  adamEpsilon: number;
  /** Decay both learning rates linearly to 0 over the training run (default false). */
  lrDecay: boolean;
  /** Discount γ (default 0.99). */
  gamma: number;
  /** GAE λ (default 0.95). */
  gaeLambda: number;
  /** PPO ratio clip ε (default 0.2). */
  clip: number;
  /** Clip of the value change in the clipped value loss (default 0.2). */
  valueClip: number;
  /** δ of the Huber value loss (default 10). */
  huberDelta: number;
  /** Weight of the entropy bonus (default 0.01). */
  entropyCoef: number;
  /** Weight of the value loss in the loss the encoder and filter see (default 1). */
  valueCoef: number;
  /** Clip of the global gradient norm, per optimiser (default 10). */
  maxGradNorm: number;
  /** Passes over each rollout (default 5). */
  ppoEpochs: number;
  /** Minibatches per pass (default 1). */
  miniBatches: number;
  /** β of the value normaliser (default 0.99999). */
  valueNormBeta: number;
  /** Normalise observation features with running statistics (default true). */
  normalizeObservations: boolean;
  /** Memory budget of one gradient computation in MB; larger minibatches accumulate gradients over chunks (default 2048). */
  maxUpdateMemoryMB: number;
}

/** The defaults of {@linkcode GrMappoOptions}. */
export const GR_MAPPO_DEFAULTS: Readonly<GrMappoOptions> = Object.freeze({
  deltas: [-1, 0, 1],
  actionMask: true,
  actorHidden: 64,
  criticHidden: 64,
  lr: 5e-4,
  criticLr: 5e-4,
  adamEpsilon: 1e-5,
  lrDecay: false,
  gamma: 0.99,
  gaeLambda: 0.95,
  clip: 0.2,
  valueClip: 0.2,
  huberDelta: 10,
  entropyCoef: 0.01,
  valueCoef: 1,
  maxGradNorm: 10,
  ppoEpochs: 5,
  miniBatches: 1,
  valueNormBeta: 0.99999,
  normalizeObservations: true,
  maxUpdateMemoryMB: 2048,
});

const D = GR_MAPPO_DEFAULTS;
const unit = (description: string, def: number) => ({
  type: "number",
  exclusiveMinimum: 0,
  maximum: 1,
  default: def,
  description,
});

/** JSON Schema (2020-12) of the options; unknown keys are rejected. */
export const GR_MAPPO_SCHEMA: Record<string, unknown> = {
  type: "object",
  additionalProperties: false,
  properties: {
    deltas: {
      type: "array",
      items: { type: "integer", minimum: -100, maximum: 100 },
      minItems: 2,
      maxItems: 21,
      uniqueItems: true,
      default: [...D.deltas],
      description:
        "Replica deltas each service's categorical chooses among; the choice + current replicas is the desired count.",
    },
    actionMask: {
      type: "boolean",
      default: D.actionMask,
      description: "Mask deltas that would leave [min, max] or exceed node capacity.",
    },
    actorHidden: {
      type: "integer",
      minimum: 1,
      maximum: 4096,
      default: D.actorHidden,
      description: "Hidden width of the actor.",
    },
    criticHidden: {
      type: "integer",
      minimum: 1,
      maximum: 4096,
      default: D.criticHidden,
      description: "Hidden width of the critic.",
    },
    lr: unit("Learning rate of the actor's Adam (also trains the encoder and filter).", D.lr),
    criticLr: unit("Learning rate of the critic's Adam.", D.criticLr),
    adamEpsilon: {
      type: "number",
      exclusiveMinimum: 0,
      maximum: 1,
      default: D.adamEpsilon,
      description: "Adam's ε.",
    },
    lrDecay: {
      type: "boolean",
      default: D.lrDecay,
      description: "Decay the learning rates linearly to 0 over the run.",
    },
    gamma: { type: "number", minimum: 0, maximum: 1, default: D.gamma, description: "Discount γ." },
    gaeLambda: { type: "number", minimum: 0, maximum: 1, default: D.gaeLambda, description: "GAE λ." },
    clip: unit("PPO ratio clip ε.", D.clip),
    valueClip: {
      type: "number",
      exclusiveMinimum: 0,
      default: D.valueClip,
      description: "Clip of the value change in the value loss.",
    },
    huberDelta: {
      type: "number",
      exclusiveMinimum: 0,
      default: D.huberDelta,
      description: "δ of the Huber value loss.",
    },
    entropyCoef: {
      type: "number",
      minimum: 0,
      maximum: 10,
      default: D.entropyCoef,
      description: "Weight of the entropy bonus.",
    },
    valueCoef: {
      type: "number",
      minimum: 0,
      maximum: 100,
      default: D.valueCoef,
      description: "Weight of the value loss.",
    },
    maxGradNorm: {
      type: "number",
      exclusiveMinimum: 0,
      default: D.maxGradNorm,
      description: "Global gradient-norm clip per optimiser.",
    },
    ppoEpochs: {
      type: "integer",
      minimum: 1,
      maximum: 100,
      default: D.ppoEpochs,
      description: "Passes over each rollout.",
    },
    miniBatches: {
      type: "integer",
      minimum: 1,
      maximum: 1024,
      default: D.miniBatches,
      description: "Minibatches per pass.",
    },
    valueNormBeta: {
      type: "number",
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      default: D.valueNormBeta,
      description: "β of the value normaliser.",
    },
    normalizeObservations: {
      type: "boolean",
      default: D.normalizeObservations,
      description: "Running normalisation of observation features.",
    },
    maxUpdateMemoryMB: {
      type: "number",
      exclusiveMinimum: 0,
      maximum: 3584,
      default: D.maxUpdateMemoryMB,
      description:
        "Memory budget of one gradient computation in MB; bigger minibatches are split and their gradients accumulated.",
    },
  },
};

/** Fills in defaults for options not given (for programmatic use without the pipeline's validation). */
export function resolveGrMappoOptions(options: Partial<GrMappoOptions> = {}): GrMappoOptions {
  const resolved = { ...GR_MAPPO_DEFAULTS, ...options, deltas: [...(options.deltas ?? D.deltas)] };
  return resolved;
}
