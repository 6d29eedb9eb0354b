import * as tf from "@tensorflow/tfjs";
import { InputError, RuntimeError } from "../../core/errors.ts";
import type { EnvSpec, Observation } from "../../core/environment.ts";
import type { Rollout, UpdateStats } from "../../core/models.ts";
import type { Random } from "../../core/random.ts";
import { generalizedAdvantage, standardize } from "./gae.ts";
import type { GrMappoOptions } from "./gr_mappo_options.ts";
import type { RunningNorm } from "./obs_norm.ts";
import { ppoLoss } from "./ppo_loss.ts";
import type { ValueNorm } from "./value_norm.ts";
import { _gather, _hostBatch, _tensors } from "./_gr_mappo_batch.ts";
import type { _BatchContext, _HostBatch } from "./_gr_mappo_batch.ts";
import { _forward } from "./_gr_mappo_network.ts";
import type { _Networks } from "./_gr_mappo_network.ts";

/** The state of a GR-MAPPO policy that an update reads and changes. */
export interface _Core {
  options: GrMappoOptions;
  spec: EnvSpec;
  nets: _Networks;
  serviceNorm: RunningNorm;
  nodeNorm: RunningNorm;
  valueNorm: ValueNorm;
  random: Random;
  actorOptimizer: tf.AdamOptimizer;
  criticOptimizer: tf.AdamOptimizer;
  /** Actor, encoder and filter variables: the actor's optimiser updates them. */
  actorVariables: tf.Variable[];
  /** Critic variables: the critic's optimiser updates them. */
  criticVariables: tf.Variable[];
  chosen: WeakMap<Int32Array, Uint8Array>;
  progress: number;
  batchContext(): _BatchContext;
}

/** A rollout turned into training arrays; `n` samples of A nodes. */
export interface _Prepared {
  host: _HostBatch;
  oneHot: Float32Array; // [n,A,S,K]
  oldLogProbs: Float32Array; // [n,A,S]
  oldValues: Float32Array; // [n,A] normalised
  returns: Float32Array; // [n,A] normalised
  advantages: Float32Array; // [n,A] standardised
  meanValue: number; // mean predicted value (denormalised) of the rollout
}

/** Bytes one sample (A nodes) costs in a gradient computation: the dense attention tensor, ~16 copies. */
export function _bytesPerSample(core: _Core): number {
  const { A, S, K } = core.nets.dims;
  const H = Math.max(core.nets.encoder.hidden, core.options.actorHidden, K);
  return A * S * S * H * 4 * 16 + A * S * (H * 4 * 24 + K * 4 * 12);
}

/** Samples per gradient chunk under the memory budget; an InputError when not even one fits. */
export function _chunkSize(core: _Core): number {
  const budget = core.options.maxUpdateMemoryMB * 1024 * 1024;
  const per = _bytesPerSample(core);
  if (per > budget) {
    throw new InputError(
      `cma/gr-mappo: one sample needs about ${(per / 2 ** 20).toPrecision(3)} MB in an update ` +
        `(nodes × services² × hidden), above maxUpdateMemoryMB ${core.options.maxUpdateMemoryMB}`,
    );
  }
  return Math.max(1, Math.floor(budget / per));
}

function chosenIndices(core: _Core, action: Int32Array, obs: Observation): Uint8Array {
  const known = core.chosen.get(action);
  if (known) return known;
  const deltas = core.options.deltas;
  const out = new Uint8Array(action.length);
  for (let i = 0; i < action.length; i++) {
    let k = deltas.findIndex((d) => Math.max(0, obs.replicas[i] + d) === action[i]);
    if (k < 0) {
      const d = action[i] - obs.replicas[i];
      k = deltas.reduce((best, x, j) => Math.abs(x - d) < Math.abs(deltas[best] - d) ? j : best, 0);
    }
    out[i] = k;
  }
  return out;
}

/** Log-probabilities of the chosen actions `[n,A,S]` and normalised values `[n,A]`, without gradients. */
export function _evaluate(
  core: _Core,
  host: _HostBatch,
  oneHot: Float32Array,
): { logProbs: Float32Array; values: Float32Array } {
  const { A, S, K } = core.nets.dims;
  const n = host.count;
  const logProbs = new Float32Array(n * A * S), values = new Float32Array(n * A);
  const chunk = _chunkSize(core) * 4;
  for (let start = 0; start < n; start += chunk) {
    const idx = Array.from({ length: Math.min(chunk, n - start) }, (_, i) => start + i);
    const part = idx.length === n ? host : _gather(host, idx);
    const [lp, v] = tf.tidy(() => {
      const out = _forward(core.nets, _tensors(part, core.nets.dims), { values: true });
      const hot = tf.tensor3d(oneHot.subarray(start * A * S * K, (start + idx.length) * A * S * K), [
        idx.length * A,
        S,
        K,
      ]);
      return [tf.sum(tf.mul(tf.logSoftmax(out.logits), hot), 2), out.values!];
    });
    logProbs.set(lp.dataSync() as Float32Array, start * A * S);
    values.set(v.dataSync() as Float32Array, start * A);
    tf.dispose([lp, v]);
  }
  return { logProbs, values };
}

/** Turns a rollout into training arrays: old log-probabilities and values, GAE, normalised targets. */
export function _prepare(core: _Core, rollout: Rollout): _Prepared {
  const T = rollout.actions.length, C = rollout.actions[0]?.length ?? 0;
  if (T === 0 || C === 0) throw new InputError("cma/gr-mappo: empty rollout");
  const { A, S, K } = core.nets.dims;
  const observations: Observation[] = [], oneHot = new Float32Array(T * C * A * S * K);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < C; c++) {
      const obs = rollout.observations[t][c];
      const k = chosenIndices(core, rollout.actions[t][c], obs);
      const base = (t * C + c) * A * S * K;
      for (let i = 0; i < A * S; i++) oneHot[base + i * K + k[i]] = 1;
      observations.push(obs);
      const r = rollout.rewards[t][c];
      for (let a = 0; a < A; a++) {
        if (!Number.isFinite(r[a])) {
          throw new RuntimeError(
            `cma/gr-mappo: non-finite reward ${r[a]} at step ${t}, copy ${c}, node ${a}`,
          );
        }
      }
    }
  }
  const ctx = core.batchContext();
  const host = _hostBatch(observations, ctx);
  const evaluated = _evaluate(core, host, oneHot);
  // Bootstrap values: the state after the last step, and the final observation of truncated steps.
  const extra: Observation[] = [], extraAt: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < C; c++) {
      if (rollout.terminated[t][c]) continue;
      const final = rollout.truncated[t][c]
        ? rollout.finalObservations[t][c] ?? rollout.observations[t + 1][c]
        : undefined;
      if (final || t === T - 1) {
        extra.push(final ?? rollout.observations[T][c]);
        extraAt.push(t * C + c);
      }
    }
  }
  const extraValues = extra.length > 0
    ? _evaluate(core, _hostBatch(extra, ctx), new Float32Array(extra.length * A * S * K)).values
    : new Float32Array(0);
  const W = C * A;
  const values = core.valueNorm.denormalize(evaluated.values);
  const next = new Float64Array(T * W);
  next.set(values.subarray(W), 0); // V(s_{t+1}) where the episode goes on
  const bootstrap = core.valueNorm.denormalize(extraValues);
  extraAt.forEach((sample, j) => next.set(bootstrap.subarray(j * A, (j + 1) * A), sample * A));
  const rewards = new Float64Array(T * W),
    terminated = new Uint8Array(T * W),
    episodeEnd = new Uint8Array(T * W);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < C; c++) {
      const i = (t * C + c) * A;
      rewards.set(rollout.rewards[t][c], i);
      terminated.fill(rollout.terminated[t][c] ? 1 : 0, i, i + A);
      episodeEnd.fill(rollout.terminated[t][c] || rollout.truncated[t][c] ? 1 : 0, i, i + A);
    }
  }
  const gae = generalizedAdvantage(
    { rewards, values, nextValues: next, terminated, episodeEnd },
    { steps: T, width: W, gamma: core.options.gamma, lambda: core.options.gaeLambda },
  );
  core.valueNorm.update(gae.returns);
  return {
    host,
    oneHot,
    oldLogProbs: evaluated.logProbs,
    oldValues: evaluated.values,
    returns: Float32Array.from(core.valueNorm.normalize(gae.returns)),
    advantages: Float32Array.from(standardize(gae.advantages)),
    meanValue: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

/** Which loss terms a gradient computation uses. */
export type _Terms = "all" | "entropy";

/** Gradients (summed over chunks, keyed by variable name) and loss statistics of one minibatch. */
export interface _Gradients {
  grads: Map<string, tf.Tensor>;
  stats: tf.Scalar[]; // total, policyLoss, valueLoss, entropy, clipFraction, approxKl (means over the minibatch)
}

/** Gradients of the minibatch `indices` of `prep`, accumulated over memory-bounded chunks. */
export function _gradients(
  core: _Core,
  prep: _Prepared,
  options: { indices: number[]; terms?: _Terms },
): _Gradients {
  const { A, S, K } = core.nets.dims;
  const o = core.options;
  const all = [...core.actorVariables, ...core.criticVariables];
  const grads = new Map<string, tf.Tensor>();
  let stats: tf.Scalar[] = [];
  const chunk = _chunkSize(core), total = options.indices.length;
  for (let start = 0; start < total; start += chunk) {
    const idx = options.indices.slice(start, start + chunk);
    const n = idx.length, weight = n / total;
    const part = _gather(prep.host, idx);
    const pick = (x: Float32Array, size: number) => {
      const out = new Float32Array(n * size);
      idx.forEach((j, i) => out.set(x.subarray(j * size, (j + 1) * size), i * size));
      return out;
    };
    let kept: tf.Scalar[] = [];
    const { value, grads: g } = tf.variableGrads(() => {
      const out = _forward(core.nets, _tensors(part, core.nets.dims), { values: true, training: true });
      const logp = tf.logSoftmax(out.logits);
      const hot = tf.tensor3d(pick(prep.oneHot, A * S * K), [n * A, S, K]);
      const chosen = tf.reshape(tf.sum(tf.mul(logp, hot), 2), [n * A, S]) as tf.Tensor2D;
      const entropy = tf.reshape(tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 2)), [n * A, S]) as tf.Tensor2D;
      const terms = ppoLoss({
        logProbs: chosen,
        oldLogProbs: tf.tensor2d(pick(prep.oldLogProbs, A * S), [n * A, S]),
        advantages: tf.tensor1d(pick(prep.advantages, A)),
        entropy,
        values: tf.reshape(out.values!, [n * A]) as tf.Tensor1D,
        oldValues: tf.tensor1d(pick(prep.oldValues, A)),
        returns: tf.tensor1d(pick(prep.returns, A)),
      }, { clip: o.clip, valueClip: o.valueClip, huberDelta: o.huberDelta });
      const loss = options.terms === "entropy" ? tf.neg(terms.entropy) : tf.sub(
        tf.add(terms.policyLoss, tf.mul(o.valueCoef, terms.valueLoss)),
        tf.mul(o.entropyCoef, terms.entropy),
      );
      const weighted = tf.mul(loss, weight) as tf.Scalar;
      kept = [loss, terms.policyLoss, terms.valueLoss, terms.entropy, terms.clipFraction, terms.approxKl]
        .map((s) => tf.keep(tf.mul(s, weight) as tf.Scalar));
      return weighted;
    }, all);
    value.dispose();
    stats = stats.length === 0 ? kept : stats.map((s, i) => {
      const sum = tf.add(s, kept[i]) as tf.Scalar;
      tf.dispose([s, kept[i]]);
      return sum;
    });
    for (const v of all) {
      const gv = g[v.name] ?? tf.zerosLike(v);
      const prev = grads.get(v.name);
      if (prev) {
        grads.set(v.name, tf.add(prev, gv));
        tf.dispose([prev, gv]);
      } else grads.set(v.name, gv);
    }
  }
  return { grads, stats };
}

/** The global L2 norm of the gradients of `variables`. */
export function _globalNorm(grads: Map<string, tf.Tensor>, variables: tf.Variable[]): tf.Scalar {
  return tf.tidy(() =>
    tf.sqrt(tf.addN(variables.map((v) => tf.sum(tf.square(grads.get(v.name)!))))) as tf.Scalar
  );
}

const STAT_NAMES = [
  "loss",
  "policyLoss",
  "valueLoss",
  "entropy",
  "clipFraction",
  "approxKl",
  "actorGradNorm",
  "criticGradNorm",
];

/** One PPO update (epochs × minibatches); throws a RuntimeError on a non-finite loss before applying it. */
export function _ppoUpdate(core: _Core, rollout: Rollout): UpdateStats {
  const o = core.options;
  const prep = _prepare(core, rollout);
  const n = prep.host.count;
  const decay = o.lrDecay ? Math.max(0, 1 - core.progress) : 1;
  (core.actorOptimizer as unknown as { learningRate: number }).learningRate = o.lr * decay;
  (core.criticOptimizer as unknown as { learningRate: number }).learningRate = o.criticLr * decay;
  const sums = new Float64Array(STAT_NAMES.length);
  let count = 0;
  for (let epoch = 0; epoch < o.ppoEpochs; epoch++) {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = core.random.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const size = Math.ceil(n / o.miniBatches);
    for (let start = 0; start < n; start += size) {
      const { grads, stats } = _gradients(core, prep, { indices: order.slice(start, start + size) });
      const actorNorm = _globalNorm(grads, core.actorVariables);
      const criticNorm = _globalNorm(grads, core.criticVariables);
      const packed = tf.stack([...stats, actorNorm, criticNorm]);
      const values = packed.dataSync();
      tf.dispose([packed, ...stats]);
      if (!values.every(Number.isFinite)) {
        tf.dispose([actorNorm, criticNorm, ...grads.values()]);
        throw new RuntimeError(
          `cma/gr-mappo: non-finite loss in epoch ${epoch + 1} (` +
            STAT_NAMES.map((name, i) => `${name} ${values[i]}`).join(", ") +
            "); the weights were not updated",
        );
      }
      const apply = (opt: tf.AdamOptimizer, vars: tf.Variable[], norm: number) => {
        const scale = Math.min(1, o.maxGradNorm / (norm + 1e-6));
        const named = vars.map((v) => ({ name: v.name, tensor: tf.mul(grads.get(v.name)!, scale) }));
        opt.applyGradients(named);
        tf.dispose(named.map((x) => x.tensor));
      };
      apply(core.actorOptimizer, core.actorVariables, values[6]);
      apply(core.criticOptimizer, core.criticVariables, values[7]);
      tf.dispose([actorNorm, criticNorm, ...grads.values()]);
      values.forEach((v, i) => sums[i] += v);
      count++;
    }
  }
  const result: UpdateStats = {};
  STAT_NAMES.forEach((name, i) => result[name] = sums[i] / count);
  result.value = prep.meanValue;
  result.lr = o.lr * decay;
  return result;
}
