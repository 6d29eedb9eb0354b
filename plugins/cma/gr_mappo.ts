/**
 * GR-MAPPO, CMA's learned policy: graph multi-agent PPO with decentralised actors (one per node, shared
 * weights) and a centralised critic, trained together with the pipeline's dependency encoder and
 * message filter.
 *
 * Per step: normalise the observation features → encoder over each node's services → node summaries →
 * filter over the node graph → one message per node → the actor chooses, per service, a replica delta
 * (masked to stay in [min, max] and within the node's capacity); the desired replicas are the current
 * ones plus the delta.
 *
 * Which optimiser trains what: the encoder and filter are shared by actor and critic. Both losses flow
 * into them, through the actor's Adam (policy loss + valueCoef·value loss − entropyCoef·entropy); the
 * critic's Adam updates only the critic's own weights with the same backward pass. Each optimiser clips
 * its own gradients' global norm (MAPPO-style separate optimisers).
 *
 * @example
 * ```ts ignore
 * import { grMappoPlugin } from "./gr_mappo.ts";
 * registry.register(grMappoPlugin);
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { definePolicy } from "../../core/plugin.ts";
import type { PolicyContext, PolicyPlugin } from "../../core/plugin.ts";
import { InputError } from "../../core/errors.ts";
import { Random } from "../../core/random.ts";
import { specDifference, specRecord } from "../../core/checkpoint.ts";
import type { SpecRecord } from "../../core/checkpoint.ts";
import type { EnvSpec, Observation } from "../../core/environment.ts";
import type {
  ActOptions,
  AttentionMaps,
  DependencyEncoder,
  MessageFilter,
  Rollout,
  TrainablePolicy,
  UpdateStats,
} from "../../core/models.ts";
import { Actor } from "./actor.ts";
import { Critic } from "./critic.ts";
import { GR_MAPPO_SCHEMA, resolveGrMappoOptions } from "./gr_mappo_options.ts";
import type { GrMappoOptions } from "./gr_mappo_options.ts";
import { RunningNorm } from "./obs_norm.ts";
import { ValueNorm } from "./value_norm.ts";
import { _dims, _hostBatch, _tensors } from "./_gr_mappo_batch.ts";
import type { _BatchContext } from "./_gr_mappo_batch.ts";
import { _forward } from "./_gr_mappo_network.ts";
import { _gradients, _ppoUpdate, _prepare } from "./_gr_mappo_update.ts";
import type { _Core, _Terms } from "./_gr_mappo_update.ts";
import { _loadState, _saveState } from "./_gr_mappo_state.ts";

/** What a GR-MAPPO policy is made from besides its options. */
export interface GrMappoContext {
  /** The environment's spec. */
  spec: EnvSpec;
  /** Seed of the policy's own weights and sampling. */
  seed: number;
  /** The dependency encoder it trains. */
  encoder: DependencyEncoder;
  /** The message filter it trains. */
  filter: MessageFilter;
}

/** The GR-MAPPO policy (see the module documentation). */
export class GrMappo implements TrainablePolicy {
  /** The options, defaults filled in. */
  readonly options: GrMappoOptions;
  /** The environment spec it acts on. */
  readonly spec: EnvSpec;
  #core: _Core;

  /** Creates the actor, critic, normalisers and optimisers around the given encoder and filter. */
  constructor(options: Partial<GrMappoOptions>, context: GrMappoContext) {
    this.options = resolveGrMappoOptions(options);
    this.spec = context.spec;
    const o = this.options;
    const dims = _dims(context.spec, o.deltas.length);
    const random = new Random(context.seed);
    const init = random.fork();
    const { encoder, filter } = context;
    const actor = new Actor({
      serviceWidth: encoder.hidden,
      nodeWidth: encoder.hidden + filter.hidden + dims.Fn,
      hidden: o.actorHidden,
      actions: dims.K,
      random: init,
    });
    const critic = new Critic({
      poolWidth: filter.hidden + encoder.hidden,
      ownWidth: filter.hidden,
      hidden: o.criticHidden,
      random: init,
    });
    const core: _Core = {
      options: o,
      spec: context.spec,
      nets: { dims, encoder, filter, actor, critic },
      serviceNorm: new RunningNorm(dims.F),
      nodeNorm: new RunningNorm(dims.Fn),
      valueNorm: new ValueNorm({ beta: o.valueNormBeta }),
      random,
      actorOptimizer: tf.train.adam(o.lr, 0.9, 0.999, o.adamEpsilon),
      criticOptimizer: tf.train.adam(o.criticLr, 0.9, 0.999, o.adamEpsilon),
      actorVariables: [...actor.variables, ...encoder.variables, ...filter.variables],
      criticVariables: critic.variables,
      chosen: new WeakMap(),
      progress: 0,
      batchContext: (): _BatchContext => ({
        spec: context.spec,
        dims,
        deltas: o.deltas,
        actionMask: o.actionMask,
        serviceNorm: o.normalizeObservations ? core.serviceNorm : undefined,
        nodeNorm: o.normalizeObservations ? core.nodeNorm : undefined,
      }),
    };
    this.#core = core;
  }

  /** Nothing to forget between episodes (the policy has no recurrent state). */
  reset(_copy: number): void {}

  /** Samples (or, deterministically, takes the most likely) delta per service; one forward pass for the batch. */
  act(batch: Observation[], options: ActOptions = {}): Promise<Int32Array[]> {
    const core = this.#core;
    const { A, S, K } = core.nets.dims;
    const host = _hostBatch(batch, core.batchContext());
    const probs = tf.tidy(() => {
      const out = _forward(core.nets, _tensors(host, core.nets.dims), { values: false });
      return tf.softmax(out.logits);
    });
    const p = probs.dataSync() as Float32Array;
    probs.dispose();
    const deltas = this.options.deltas;
    return Promise.resolve(batch.map((obs, b) => {
      const action = new Int32Array(A * S);
      const chosen = new Uint8Array(A * S);
      for (let i = 0; i < A * S; i++) {
        const off = (b * A * S + i) * K;
        let k = 0;
        if (options.deterministic) {
          for (let j = 1; j < K; j++) if (p[off + j] > p[off + k]) k = j;
        } else {
          const u = core.random.next();
          let cum = 0, last = 0;
          k = -1;
          for (let j = 0; j < K; j++) {
            if (p[off + j] <= 0) continue;
            last = j;
            cum += p[off + j];
            if (u < cum) {
              k = j;
              break;
            }
          }
          if (k < 0) k = last;
        }
        chosen[i] = k;
        action[i] = Math.max(0, obs.replicas[i] + deltas[k]);
      }
      core.chosen.set(action, chosen);
      return action;
    }));
  }

  /** One PPO update on a rollout; a RuntimeError on a non-finite loss (normaliser statistics restored). */
  update(rollout: Rollout): Promise<UpdateStats> {
    const core = this.#core;
    const saved = {
      s: core.serviceNorm.getState(),
      n: core.nodeNorm.getState(),
      v: core.valueNorm.getState(),
    };
    try {
      if (this.options.normalizeObservations) {
        const rows = rollout.observations.slice(0, rollout.actions.length).flat();
        core.serviceNorm.update(rows.map((o) => o.services));
        core.nodeNorm.update(rows.map((o) => o.nodes));
      }
      return Promise.resolve(_ppoUpdate(core, rollout));
    } catch (e) {
      core.serviceNorm.setState(saved.s);
      core.nodeNorm.setState(saved.n);
      core.valueNorm.setState(saved.v);
      return Promise.reject(e);
    }
  }

  /**
   * Training progress in [0, 1] (episodes done / episodes planned); with `lrDecay` the learning rates are
   * lr·(1 − progress). The training loop calls it before each update.
   */
  setProgress(fraction: number): void {
    this.#core.progress = Math.min(1, Math.max(0, fraction));
  }

  /**
   * Diagnostics: the L2 norm of each variable's gradient on the whole rollout (one minibatch, nothing
   * applied), keyed `actor/i`, `critic/i`, `encoder/i`, `filter/i`. `terms: "entropy"` uses only the
   * entropy bonus. Normaliser statistics are left as they were.
   */
  gradientNorms(rollout: Rollout, options: { terms?: _Terms } = {}): Record<string, number> {
    const core = this.#core;
    const v = core.valueNorm.getState();
    const prep = _prepare(core, rollout);
    core.valueNorm.setState(v);
    const { grads, stats } = _gradients(core, prep, {
      indices: Array.from({ length: prep.host.count }, (_, i) => i),
      terms: options.terms,
    });
    const out: Record<string, number> = {};
    for (const [group, vars] of this.#groups()) {
      vars.forEach((variable, i) => {
        out[`${group}/${i}`] = tf.tidy(() => tf.norm(grads.get(variable.name)!).dataSync()[0]);
      });
    }
    tf.dispose([...stats, ...grads.values()]);
    return out;
  }

  /** Head-averaged dependency `[A,S,S]` and information `[A,A]` attention for one observation. */
  explain(observation: Observation): Promise<AttentionMaps> {
    const core = this.#core;
    const { A, S } = core.nets.dims;
    const host = _hostBatch([observation], core.batchContext());
    const [dep, info] = tf.tidy(() => {
      const out = _forward(core.nets, _tensors(host, core.nets.dims), { values: false });
      return [out.dependency, out.information].map((t) => tf.cast(t, "float32"));
    });
    const average = (t: tf.Tensor, cell: number) => {
      const data = t.dataSync() as Float32Array;
      if (data.length === 0 || data.length % cell !== 0) return undefined;
      const heads = data.length / cell;
      const outer = A, inner = cell / A;
      const result = new Float32Array(cell);
      for (let a = 0; a < outer; a++) {
        for (let h = 0; h < heads; h++) {
          const off = (a * heads + h) * inner;
          for (let j = 0; j < inner; j++) result[a * inner + j] += data[off + j] / heads;
        }
      }
      return result;
    };
    const maps: AttentionMaps = {};
    const dependency = average(dep, A * S * S);
    if (dependency) maps.dependency = dependency;
    const information = averageRows(info, A);
    if (information) maps.information = information;
    tf.dispose([dep, info]);
    return Promise.resolve(maps);
  }

  /** Saves weights, both optimisers, normalisers, the random state and the spec into `dir`. */
  async save(dir: string): Promise<void> {
    await Deno.mkdir(dir, { recursive: true });
    await _saveState(this.#core, { dir, groups: this.#groups() });
    await Deno.writeTextFile(join(dir, "spec.json"), JSON.stringify(specRecord(this.spec), null, 1));
  }

  /** Restores {@linkcode save}; an InputError naming the difference when the spec or shapes differ. */
  async load(dir: string): Promise<void> {
    let saved: SpecRecord;
    try {
      saved = JSON.parse(await Deno.readTextFile(join(dir, "spec.json")));
    } catch (e) {
      throw new InputError(`${dir}: not a cma/gr-mappo checkpoint (${e instanceof Error ? e.message : e})`);
    }
    const difference = specDifference(saved, this.spec);
    if (difference) {
      throw new InputError(`${dir}: the checkpoint was trained on another environment: ${difference}`);
    }
    await _loadState(this.#core, { dir, groups: this.#groups() });
  }

  /** Frees the actor, critic, optimisers, and the encoder and filter it trains. */
  dispose(): void {
    const core = this.#core;
    core.nets.actor.dispose();
    core.nets.critic.dispose();
    core.nets.encoder.dispose();
    core.nets.filter.dispose();
    core.actorOptimizer.dispose();
    core.criticOptimizer.dispose();
  }

  #groups(): [string, tf.Variable[]][] {
    const n = this.#core.nets;
    return [["actor", n.actor.variables], ["critic", n.critic.variables], [
      "encoder",
      n.encoder.variables,
    ], ["filter", n.filter.variables]];
  }
}

/** Averages `[B·heads·A·A]`-shaped attention over heads into `[A,A]` (first copy). */
function averageRows(t: tf.Tensor, A: number): Float32Array | undefined {
  const data = t.dataSync() as Float32Array;
  if (data.length === 0 || data.length % (A * A) !== 0) return undefined;
  const heads = data.length / (A * A);
  const result = new Float32Array(A * A);
  for (let h = 0; h < heads; h++) for (let j = 0; j < A * A; j++) result[j] += data[h * A * A + j] / heads;
  return result;
}

/** The `cma/gr-mappo` policy plugin: register it, then name it in a pipeline's `policy`. */
export const grMappoPlugin: PolicyPlugin<Partial<GrMappoOptions>> = definePolicy<Partial<GrMappoOptions>>({
  name: "cma/gr-mappo",
  description:
    "GR-MAPPO: decentralised per-node actors over graph-attention encodings, a centralised critic, trained with PPO.",
  options: GR_MAPPO_SCHEMA,
  requires: ["encoder", "filter"],
  create(options, context: PolicyContext) {
    if (!context.encoder || !context.filter) {
      throw new InputError(`policy "cma/gr-mappo" needs an encoder and a filter in the pipeline`);
    }
    return new GrMappo(options, {
      spec: context.spec,
      seed: context.seed,
      encoder: context.encoder,
      filter: context.filter,
    });
  },
});
